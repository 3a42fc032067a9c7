/**
 * The bottom region of a screen: what sits below the last line of content. Agents put
 * footers (model, path, context left), key hints, an input box and frame lines under
 * whatever they are doing; the classifier looks past them to the lowest content line (the
 * anchor) and keeps what they said (a hint to select, a hint to interrupt, an input prompt).
 */
import type { ClassifyLine } from './lines.js';
import { hintIntent, isKeyHintLine, type HintIntent } from './key-hints.js';
import { OPTION_WORD, hasWaitingWording, isInputRequest, isQuestionLine, withoutGlyphs } from './wording.js';
import { KEY_PAREN, inlineOptions, letterOptions } from './options.js';
import { isWorkingLine } from './working.js';
import type { AgentScreenKnowledge } from './knowledge.js';

/** A skipped line that says something. */
export interface BottomSign {
  index: number;
  /** A hint's intent, or `busy` for a footer that shows the agent working. */
  intent: HintIntent | 'busy';
  body: string;
}

/** What the bottom of the screen holds. */
export interface BottomRegion {
  /** Index of the lowest content line, or -1 when there is none. */
  anchor: number;
  /** The input prompt under the content, if any: its index and the text typed or shown in it. */
  prompt: { index: number; body: string; text: string } | null;
  /** Skipped lines that say something, bottom first. */
  signs: readonly BottomSign[];
}

/** How many lines of footer, hints and frames are looked past at most. */
const MAX_SKIPPED = 16;

/**
 * An input prompt: a prompt glyph, optionally after a short name (`copilot>`, `[developer]
 * 12% λ >`, `custom-worker ❯`, `( O)>`), then nothing or a placeholder; or a box ending in `↵`.
 */
const PROMPT = /^(?:(?:\[[^\]]{1,60}\]|[\p{L}\p{N}_.@~:()-]{1,40}|\(\s?O\)|[\p{S}?]{1,2})\s*(?:\d+%\s*)?(?:λ\s*)?!?\s*)?(?:>>|[>❯›→»])(?:\s+(.*))?$/u;
const RETURN_BOX = /↵(?:\s{2,}.*)?$/;
/** A menu entry: `❯ 1. Yes`, `2) No`, or a bare `1 Allow` (a digit and a capitalised word). */
const NUMBERED = /^(?:[›>❯▶▸►➤→●]\s*)?(?:\d{1,2}[.)]\s+\S|\d\s+\p{Lu})/u;
/** Footers that start with a mode or status mark: `⏵⏵ accept edits on`, `? for shortcuts`, `← for agents`. */
const STATUS_START = /^(?:[⏵⏸▸⎇←]|\?\s+for\s)/u;
const PATHISH = /(?:^|\s)(?:~\/|\/[\w.-]+\/)|\d+(?:\.\d+)?%|\bcontext\b/i;

/** Whether a prompt line's text is a menu option rather than a placeholder or typed text. */
function optionText(text: string): boolean {
  return OPTION_WORD.test(text) || NUMBERED.test(text);
}

/** The input prompt on this line, or null. */
export function promptOf(body: string): { text: string } | null {
  const m = PROMPT.exec(body);
  if (m !== null) {
    const text = (m[1] ?? '').trim();
    return optionText(text) ? null : { text };
  }
  return RETURN_BOX.test(body) && !isQuestionLine(body) ? { text: '' } : null;
}

/** Whether a line is part of a question: it must stop the look past the bottom. */
function asks(body: string, knowledge: AgentScreenKnowledge): boolean {
  return (
    NUMBERED.test(body) ||
    OPTION_WORD.test(withoutGlyphs(body)) ||
    KEY_PAREN.test(body) ||
    isQuestionLine(body) ||
    isInputRequest(body) ||
    hasWaitingWording(body) ||
    letterOptions(body, false) !== null ||
    inlineOptions(body) !== null ||
    (knowledge.questions ?? []).some((re) => re.test(body))
  );
}

/** A status footer: short segments between separators, a path or a percentage, or right-aligned text. */
function isFooter(line: ClassifyLine): boolean {
  const body = line.body;
  if (body.includes('?') && !/\?\s+for\s/.test(body)) return false;
  if (STATUS_START.test(body) || line.indent >= 40) return true;
  const segments = body.split(/\s*(?:[·│|•]|\s{2,})\s*/).filter((s) => s !== '');
  if (segments.length >= 2 && segments.every((s) => s.split(/\s+/).length <= 5)) return true;
  return PATHISH.test(body) && body.split(/\s+/).length <= 8;
}

/** Finds the bottom region of `lines` for an agent described by `knowledge`. */
export function bottomRegion(lines: readonly ClassifyLine[], knowledge: AgentScreenKnowledge): BottomRegion {
  const signs: BottomSign[] = [];
  const dialogHints = knowledge.dialogHints ?? [];
  let prompt: BottomRegion['prompt'] = null;
  let skipped = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.blank || line.frameTitle !== null) continue;
    const body = line.body;
    // The input prompt first: what is typed into it (`› What next?`) asks nothing.
    const typed: { text: string } | null = prompt === null && skipped < MAX_SKIPPED ? promptOf(body) : null;
    if (typed !== null && letterOptions(typed.text, false) === null) {
      skipped++;
      prompt = { index: i, body, text: typed.text };
      if (isWorkingLine(typed.text)) signs.push({ index: i, intent: 'busy', body });
      continue;
    }
    if (skipped >= MAX_SKIPPED || asks(body, knowledge)) return { anchor: i, prompt, signs };
    skipped++;
    if (isKeyHintLine(body)) {
      signs.push({ index: i, intent: hintIntent(body, dialogHints), body });
      continue;
    }
    if (isFooter(line)) {
      if (isWorkingLine(body, knowledge.workingLines)) signs.push({ index: i, intent: 'busy', body });
      continue;
    }
    return { anchor: i, prompt, signs };
  }
  return { anchor: -1, prompt, signs };
}
