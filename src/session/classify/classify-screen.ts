/**
 * classifyScreen: the one agent-state classifier. What would a person looking at this
 * terminal say the agent is doing, as far as a supervisor must act on it?
 *
 *   screen ──bottom region──▶ anchor (lowest content line) + prompt + hints below it
 *     │
 *     ├─ a user input field of the agent open (its search box) ───────────▶ idle_ready
 *     ├─ the agent's composer shown, and it hides dialogs ── busy? ───────▶ working / idle_ready
 *     ├─ the lowest hint says interrupt, or a footer shows it busy ───────▶ working
 *     ├─ the anchor is part of a question (menu, letters, wording, "?") ──▶ waiting_input
 *     │    or asks to type after a colon on the last line ("Password:")
 *     ├─ the lowest hint says select / confirm / submit ──────────────────▶ waiting_input
 *     ├─ the anchor (or the line above it) shows a spinner / timer ───────▶ working
 *     ├─ an input prompt under the content ──────────────────────────────▶ idle_ready
 *     └─ anything else ───────────────────────────────────────────────────▶ other
 *
 * Decisions where peer projects label the same screen differently (decided by what a
 * supervisor must do):
 * - A bare prompt after finished output (`done` / `copilot>`) is idle_ready, not waiting:
 *   the turn is over and nothing can be answered with an option; the idle ladder, not an
 *   answer rule, is what acts on it.
 * - A question directly above an empty input prompt (`Proceed?` or `Which database would you
 *   like to use?` over `>`, blank lines between at most) is waiting_input, whatever its wording:
 *   the prompt is where the answer goes, a supervisor cannot tell a real question from a
 *   rhetorical one by its words, and only an answer (a rule, or a person told it is blocked)
 *   moves it on; the idle ladder would only poke it. Not so for a reply of the agent (a
 *   transcript bullet: `⏺ Done. Anything else?`), which ends a turn, nor for agents whose
 *   composer never shows while they ask (codex): there the question is an old one.
 * - A line that asks to type after a colon (`Password:`, `[sudo] password for x:`, `Enter a
 *   number:`, `? Project name:`) is waiting_input when it is the last line and nothing is below
 *   it; under a numbered menu its options are the numbers, each then Enter.
 * - A question with a spinner or "esc to interrupt" below it is working: the agent moved
 *   on (the question was answered or is part of its output).
 * - A dialog that lists options but whose hints say "esc to cancel" only is waiting
 *   when its options are a menu; `Press Esc to cancel` alone is not a question (agents
 *   show it while busy), except for agents that show it only in dialogs (Claude Code).
 * - A `[y/n/t]:` question on the last line is waiting even where a peer (tracking what was
 *   typed) calls it processing, and a trust or permission dialog is waiting even where a
 *   peer calls it idle: the screen asks, and only an answer moves it on.
 *
 * Input: plain text, possibly raw (escape sequences such as SGR colours are dropped; ASCII
 * `+---+` / `| |` boxes read like drawn ones). A non-string is a caller's bug: a TypeError
 * `classifyScreen: expected a string, got null`, not an empty screen (which would hide the
 * bug behind a plausible `other`).
 */
import type { ClassifyOptions, ScreenQuestion, ScreenVerdict } from './types.js';
import { readLines, type ClassifyLine } from './lines.js';
import { bottomRegion, type BottomRegion } from './bottom-region.js';
import { bracketLabels, cursorMenuAt, inlineOptions, keyedOption, letterOptions, numberedMenuAt, radioMenuAt, type Menu } from './options.js';
import { OPTION_WORD, hasWaitingWording, isInputRequest, isQuestionLine, isReply } from './wording.js';
import { isWorkingLine } from './working.js';
import { continueOption, mentionsEnter } from './key-hints.js';
import type { AgentScreenKnowledge } from './knowledge.js';
import { screenKnowledgeFor } from '../../agents/screen-knowledge.js';

/**
 * Classifies a rendered screen given as plain text (lines separated by `\n`; terminal escape
 * sequences such as SGR colours are dropped). Anything but a string is a programming error:
 * a TypeError (`classifyScreen: expected a string, got null`), not a guess.
 */
export function classifyScreen(text: string, opts: ClassifyOptions = {}): ScreenVerdict {
  if (typeof text !== 'string') throw new TypeError(`classifyScreen: expected a string, got ${describe(text)}`);
  return classifyLines(readLines(text), opts ?? {});
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Classifies screen lines already read (rows as on the screen). */
export function classifyLines(lines: readonly ClassifyLine[], opts: ClassifyOptions = {}): ScreenVerdict {
  const knowledge = screenKnowledgeFor(opts.agent);
  const region = bottomRegion(lines, knowledge);
  const anchor = region.anchor >= 0 ? lines[region.anchor]! : null;
  const near = anchor === null ? [] : [anchor, ...lines.slice(Math.max(0, region.anchor - 2), region.anchor).reverse()].filter((l) => !l.blank);

  if (near.slice(0, 2).some((l) => (knowledge.userInputLines ?? []).some((re) => re.test(l.body)))) {
    return { state: 'idle_ready', reason: "the agent's own input field is open" };
  }
  const busyHere = anchor !== null && near.slice(0, 2).some((l) => isWorkingLine(l.body, knowledge.workingLines));
  if (region.prompt !== null && knowledge.composerHidesDialogs?.test(region.prompt.body) === true) {
    if (busyHere || region.signs.some((s) => s.intent === 'interrupt' || s.intent === 'busy')) return { state: 'working', reason: 'busy above the input prompt' };
    return { state: 'idle_ready', reason: "the agent's input prompt is shown (it hides it while asking)" };
  }
  // Hints between a reply of the agent and its input prompt are part of the reply (a quoted dialog).
  const prompt = region.prompt;
  const signs = prompt !== null && anchor !== null && isReply(anchor.body) ? region.signs.filter((s) => s.intent !== 'answer' || s.index >= prompt.index) : region.signs;
  const lowest = signs.find((s) => s.intent === 'answer' || s.intent === 'interrupt' || s.intent === 'busy');
  if (lowest !== undefined && lowest.intent !== 'answer') return { state: 'working', reason: `"${lowest.body}" at the bottom` };

  const enter = signs.some((s) => mentionsEnter(s.body)) || (anchor !== null && mentionsEnter(anchor.body));
  const asked = anchor === null ? null : questionAt(lines, { ...region, signs }, knowledge, enter, lowest !== undefined, opts);
  if (asked !== null) return { state: 'waiting_input', question: withRow(lines, region.anchor, asked.question), reason: asked.reason };
  if (lowest !== undefined) {
    const options = letterOptions(lowest.body, true) ?? continueOption(lowest.body) ?? [];
    const asking = questionLineAbove(lines, region.anchor);
    const question = asking === null ? { text: lowest.body, options, row: lines[lowest.index]!.row } : { text: asking.body, options, row: asking.row };
    return { state: 'waiting_input', question, reason: `key hint "${lowest.body}"` };
  }
  if (busyHere) return { state: 'working', reason: 'a spinner or timer at the bottom' };
  if (region.prompt !== null) return { state: 'idle_ready', reason: 'an input prompt with nothing asked' };
  return { state: 'other', reason: 'nothing recognised' };
}

/** The question with the row of its text: the nearest line at or above `from` showing it. */
function withRow(lines: readonly ClassifyLine[], from: number, question: ScreenQuestion): ScreenQuestion {
  for (let i = Math.min(from, lines.length - 1); i >= 0; i--) {
    const line = lines[i]!;
    if (line.body === question.text || line.frameTitle === question.text || markedQuestion(line.body) === question.text) return { ...question, row: line.row };
  }
  return from >= 0 && lines[from] !== undefined ? { ...question, row: lines[from]!.row } : question;
}

/** What an inquirer / prompts line asks, without its `? ` mark and what follows its `›`: `? Name › app` -> `Name`. */
function markedQuestion(body: string): string {
  return /^\?\s/.test(body) ? body.replace(/^\?\s+/, '').replace(/\s›(?:\s.*)?$/, '') : body;
}

/** The line ending in `?` at or just above index `at`, or null. */
function questionLineAbove(lines: readonly ClassifyLine[], at: number, limit = 8): ClassifyLine | null {
  for (let i = at; i >= 0 && at - i <= limit; i--) if (!lines[i]!.blank && isQuestionLine(lines[i]!.body)) return lines[i]!;
  return null;
}

/** The question line nearest above index `at` (within a few lines), or the line at `at`. */
function questionText(lines: readonly ClassifyLine[], at: number, limit = 8): string | null {
  for (let i = at; i >= 0 && at - i <= limit; i--) {
    const line = lines[i]!;
    if (!line.blank && isQuestionLine(line.body)) return line.body;
  }
  return at >= 0 && lines[at] !== undefined ? lines[at]!.body || null : null;
}

/** The question line just above a menu (within a few lines), or null. */
function questionAbove(lines: readonly ClassifyLine[], menu: Menu, knowledge: AgentScreenKnowledge): string | null {
  // The agent's own dialog question wins over a nearer line that merely ends in `?` (a reason, a
  // quoted command); dialogs space their parts with blank lines, so look a little further.
  for (let i = menu.first - 1; i >= 0 && menu.first - i <= 16; i--) {
    const line = lines[i]!;
    if (line.blank) continue;
    const body = line.frameTitle ?? line.body;
    if (isReply(body)) break;
    if ((knowledge.questions ?? []).some((re) => re.test(body))) return body;
  }
  for (let i = menu.first - 1; i >= 0 && menu.first - i <= 8; i--) {
    const line = lines[i]!;
    if (line.blank) continue;
    const body = line.frameTitle ?? line.body;
    if (isReply(body)) return null;
    if (isQuestionLine(body) || hasWaitingWording(body) || (knowledge.questions ?? []).some((re) => re.test(body))) return body;
    if (/^\W*(?:select|choose|pick)\b.*:$/i.test(body)) return body;
    // Inquirer's and prompts' mark before what they ask: `? Pick a framework › - Use arrow-keys.`
    if (/^\?\s+\p{L}/u.test(body) && !/^\?\s+for\s/.test(body)) return markedQuestion(body);
    // A prompt with its key hint in parentheses: `Select toppings (Press <space> to select, …)`.
    if (/\((?:use|press)\b[^)]*\b(?:arrow|space|enter|select)/i.test(body)) return markedQuestion(body);
  }
  return null;
}

/** A sentence ending in `?` inside a line (not a lone `?` or a URL query). */
const ASKING_SENTENCE = /(?:^|[.!?]\s+)([^.!?]*[A-Za-z][^.!?]*\?)(?=\s|$)/;

/** For a menu without a question line: the sentence that introduces it (`I need to run a command.`), else the line above it. */
function introAbove(lines: readonly ClassifyLine[], menu: Menu): string | null {
  // A question inside the paragraph above (`Trust this folder? Codex can read…`) says it best.
  for (let i = menu.first - 1; i >= 0 && menu.first - i <= 4; i--) {
    const line = lines[i]!;
    if (line.blank || isReply(line.body)) continue;
    const asking = ASKING_SENTENCE.exec(line.body);
    if (asking !== null) return asking[1]!.trim();
  }
  // The line right above the menu ending a paragraph wrapped over several lines is a fragment
  // (`driver for complex tasks, especially coding.`), not something a person would call the
  // question: the paragraph's heading (a short line alone above it) names it, else its first sentence.
  const block = blockAbove(lines, menu.first);
  if (block !== null && block.end - block.start >= 1 && !isReply(lines[block.start]!.body)) {
    // Only when the line above the menu continues a sentence wrapped from the line above it.
    const last = lines[block.end]!.body;
    const prev = lines[block.end - 1]!.body;
    if (/^\p{Ll}/u.test(last) && !/[.:!?]$/.test(prev)) return paragraphTitle(lines, block);
  }
  let first: string | null = null;
  for (let i = menu.first - 1; i >= 0 && menu.first - i <= 4; i--) {
    const line = lines[i]!;
    if (line.blank) continue;
    first ??= line.body;
    if (/[.:!]$/.test(line.body) && !isReply(line.body)) return line.body;
  }
  return first;
}

/** A wrapped paragraph's heading (a short line alone above it), else its first sentence. */
function paragraphTitle(lines: readonly ClassifyLine[], block: { start: number; end: number }): string {
  const heading = blockAbove(lines, block.start);
  if (heading !== null && heading.start === heading.end) {
    const title = lines[heading.start]!.frameTitle || lines[heading.start]!.body;
    if (title.length <= 60 && !/[.,;:]$/.test(title) && !isReply(title) && !isWorkingLine(title)) return title;
  }
  const paragraph = lines.slice(block.start, block.end + 1).map((l) => l.body).join(' ');
  return /^.*?[.!:](?=\s|$)/.exec(paragraph)?.[0] ?? paragraph;
}

/** The run of content lines nearest above index `at` (past up to two blank lines), or null. */
function blockAbove(lines: readonly ClassifyLine[], at: number): { start: number; end: number } | null {
  let end = at - 1;
  while (end >= 0 && lines[end]!.blank && lines[end]!.frameTitle === null && at - end <= 3) end--;
  if (end < 0 || lines[end]!.blank) return null;
  let start = end;
  while (start - 1 >= 0 && !lines[start - 1]!.blank && end - start < 12) start--;
  return { start, end };
}

/** For a menu with nothing above it: its options, as a person would read them out. */
function menuText(menu: Menu): string {
  return menu.options.map((o) => o.label).join(' / ');
}

/** Whether the cursor, when known, is on the line at `line` or just after it. */
function cursorOn(line: ClassifyLine, opts: ClassifyOptions): boolean {
  if (opts.cursor === undefined) return true;
  const rows = opts.cols === undefined ? 1 : Math.max(1, Math.ceil(line.text.length / opts.cols));
  return opts.cursor.row >= line.row && opts.cursor.row <= line.row + rows;
}

/** The question whose last part is the anchor, or null. */
function questionAt(
  lines: readonly ClassifyLine[],
  region: BottomRegion,
  knowledge: AgentScreenKnowledge,
  enter: boolean,
  hinted: boolean,
  opts: ClassifyOptions,
): { question: ScreenQuestion; reason: string } | null {
  const at = region.anchor;
  const anchor = lines[at]!;
  const body = anchor.body;
  const asked = (text: string | null, options: ScreenQuestion['options'], reason: string): { question: ScreenQuestion; reason: string } => ({
    question: { text: text ?? body, options },
    reason,
  });

  const numbered = numberedMenuAt(lines, at);
  if (numbered !== null) {
    const above = questionAbove(lines, numbered, knowledge);
    const cancel = region.signs.some((s) => s.intent === 'cancel');
    if (numbered.cursor || above !== null || hinted || cancel) return asked(above ?? introAbove(lines, numbered) ?? menuText(numbered), numbered.options, numbered.cursor ? 'numbered menu with a cursor' : 'numbered menu under a question');
  }
  const menu = cursorMenuAt(lines, at);
  if (menu !== null) {
    const above = questionAbove(lines, menu, knowledge);
    // Without numbers, a cursor line and the lines under it are a menu only when they read
    // as options, or something asks or hints at choosing.
    if (above !== null || hinted || menu.options.some((o) => OPTION_WORD.test(o.label))) {
      return asked(above ?? introAbove(lines, menu) ?? menuText(menu), menu.options, 'menu with a cursor');
    }
  }

  const radio = radioMenuAt(lines, at);
  if (radio !== null) {
    const above = questionAbove(lines, radio, knowledge);
    if (above !== null || hinted || radio.options.some((o) => OPTION_WORD.test(o.label))) return asked(above ?? introAbove(lines, radio) ?? menuText(radio), radio.options, 'radio menu (the filled dot is the cursor)');
  }

  const letters = letterOptions(body, enter, at > 0 ? bracketLabels(lines[at - 1]!.body) : undefined);
  // A single key after the question (`Ok to proceed? (y)`) is an option, not part of the question.
  if (letters !== null) return asked(isQuestionLine(body) ? body.replace(/\?\s*\([a-z]\)\s*$/i, '?') : questionText(lines, at), letters, 'letter options');
  const above = at > 0 ? lines[at - 1]! : null;
  const lettersAbove = above !== null && !above.blank ? letterOptions(above.body, enter) : null;
  if (lettersAbove !== null && (isQuestionLine(body) || keyedOption(body) !== null)) return asked(questionText(lines, at), lettersAbove, 'letter options');

  const inline = inlineOptions(body);
  if (inline !== null) return asked(questionText(lines, at - 1) ?? body, inline, 'options side by side');

  if (hasWaitingWording(body) || (anchor.frameTitle !== null && hasWaitingWording(anchor.frameTitle))) return asked(body, [], 'waiting wording');
  if ((knowledge.questions ?? []).some((re) => re.test(body))) return asked(body, [], "the agent's dialog question");

  const keyed = keyedOption(body);
  if (keyed !== null) {
    const options = [keyed];
    for (let i = at - 1; i >= 0 && at - i <= 4; i--) {
      const more = keyedOption(lines[i]!.body);
      if (more === null) break;
      options.unshift(more);
    }
    return asked(questionText(lines, at - options.length) ?? body, options, 'options that name their keys');
  }

  if (isQuestionLine(body) && !isReply(body)) {
    if (hinted) return asked(body, [], 'a question with key hints');
    if (region.prompt !== null && region.prompt.text === '' && onlyBlankBetween(lines, at, region.prompt.index)) return asked(body, [], 'a question above an empty prompt');
    if (region.prompt === null && region.signs.length === 0 && at === lastNonBlank(lines) && cursorOn(anchor, opts)) return asked(body, [], 'a question on the last line');
  }
  // `Password:`, `Enter a number:` as the last line, the cursor after it: it waits for typing
  // (under a numbered menu, for its number and Enter).
  if (isInputRequest(body) && region.prompt === null && region.signs.length === 0 && at === lastNonBlank(lines) && cursorOn(anchor, opts)) {
    const menu = menuAbove(lines, at);
    // `Type "yes" to confirm:` names the word to type.
    const word = /\btype\s+["'`‘“]([\p{L}\p{N}_-]{1,20})["'`’”]/iu.exec(body);
    const typed = word === null ? [] : [{ label: word[1]!, keys: [word[1]!, '\r'] }];
    if (menu === null) return asked(markedQuestion(body), typed, 'an input request on the last line');
    const text = questionAbove(lines, menu, knowledge) ?? introAbove(lines, menu) ?? body;
    return asked(text, menu.options.map((o) => ({ label: o.label, keys: [...o.keys, '\r'] })), 'a numbered menu and an input request');
  }
  return null;
}

/** A numbered menu without a cursor ending just above `at` (blank lines between), or null. */
function menuAbove(lines: readonly ClassifyLine[], at: number): Menu | null {
  let i = at - 1;
  while (i >= 0 && lines[i]!.blank && at - i <= 2) i--;
  if (i < 0 || lines[i]!.blank) return null;
  const menu = numberedMenuAt(lines, i);
  return menu !== null && menu.options.length >= 2 && menu.options.every((o) => o.keys.length === 1 && /^\d+$/.test(o.keys[0]!)) ? menu : null;
}

/** Whether only blank or frame lines are between indexes `from` and `to`. */
function onlyBlankBetween(lines: readonly ClassifyLine[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (!lines[i]!.blank) return false;
  return true;
}

function lastNonBlank(lines: readonly ClassifyLine[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (!lines[i]!.blank) return i;
  return -1;
}
