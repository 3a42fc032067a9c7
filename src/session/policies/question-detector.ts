/**
 * The unanswered-question detector: when the screen ends in something that looks like a
 * question or a menu and nothing changes for `blockedAfter`, the job is blocked, waiting
 * for input. Then, per `onBlocked`: wait, poke once, or fail the job.
 *
 *   clear ──question at the end──▶ pending(since) ──blockedAfter, no progress──▶ blocked
 *     ▲                               │ question gone                         │ progress
 *     └───────────────────────────────┘◀──────────────────────────────────────┘ (unblocked)
 *
 * Progress while a question is shown (the prompt changed) restarts `pending`; an answer
 * from a rule on the same snapshot restarts it too (the reply is on its way).
 */

import type { ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { bounded, formatMs, type Decision, type Intervention, type Policy, type ScreenContext } from './policy.js';
import { stepsFor, visibleSteps, type SendTiming } from './send-steps.js';
import type { IdleSpec } from './spec.js';
import type { ScreenQuestion } from '../classify/types.js';
import { askedQuestion } from './asked-question.js';

/** How many non-blank lines at the bottom of the screen count as "the end". */
const TAIL_LINES = 8;

const YES_NO = /[[(]\s*(?:y|yes)\s*\/\s*(?:n|no)\s*[\])]/i;
const PRESS_KEY = /\bpress (?:enter|return|any key)\b|\b(?:enter|return) to (?:continue|confirm|select|proceed)\b/i;
const SELECT = /^\W*(?:select|choose|pick)\b.*[:?)]$/i;
/** A numbered menu entry: `1. Yes`, `2) No`, optionally with a cursor in front (`› 1. Yes`). */
const MENU_ENTRY = /^\s*(?:[›>❯▶➤→*]\s*)?\d+[.)]\s+\S/;
const MENU_CURSOR = /^\s*[›>❯▶➤→*]\s*\d+[.)]\s+\S/;

/** A question found at the end of the screen. */
export interface QuestionMatch {
  /** Viewport row of the line that looks like a question. */
  row: number;
  /** The bottom lines of the screen, up to the last non-blank one. */
  excerpt: string[];
}

/**
 * Whether the screen ends in a question or menu. Reading up from the last non-blank line,
 * past numbered menu entries, the first other line must look like a question: `[y/n]`,
 * `(Y/n)`, "Press enter", "Select ...:" / "Choose ...?", a line ending in `?` above the
 * menu entries, or a last line ending in `?` with the cursor on it. A numbered menu with a
 * cursor (`› 1.`) is a question by itself. So an old, answered prompt with output below it
 * is not at the end any more.
 */
export function findQuestion(snap: ScreenSnapshot): QuestionMatch | null {
  const tail = snap.logicalLines().filter((l) => l.text.trim() !== '').slice(-TAIL_LINES);
  const excerpt = (): string[] => bounded(tail.map((l) => l.text));
  let menuRow: number | null = null;
  let sawEntry = false;
  for (let i = tail.length - 1; i >= 0; i--) {
    const line = tail[i]!;
    const text = line.text.trim();
    if (MENU_ENTRY.test(line.text)) {
      sawEntry = true;
      if (MENU_CURSOR.test(line.text)) menuRow = line.row;
      continue;
    }
    const found = { row: line.row, excerpt: excerpt() };
    if (YES_NO.test(text) || PRESS_KEY.test(text) || SELECT.test(text)) return found;
    if (text.endsWith('?')) {
      if (sawEntry) return found;
      const lastRow = line.row + Math.max(0, Math.ceil(line.text.length / snap.cols) - 1);
      if (i === tail.length - 1 && snap.cursor.row >= line.row && snap.cursor.row <= lastRow + 1) return found;
    }
    break;
  }
  return menuRow === null ? null : { row: menuRow, excerpt: excerpt() };
}

type QuestionState =
  | { kind: 'clear' }
  | { kind: 'pending'; since: number; excerpt: string[]; question: ScreenQuestion | undefined }
  | { kind: 'blocked'; since: number };

/** The question detector policy. */
export class QuestionDetector implements Policy {
  readonly name = 'question-detector';
  private state: QuestionState = { kind: 'clear' };

  constructor(
    private readonly idle: IdleSpec,
    private readonly timing: SendTiming,
  ) {}

  /** Since when the job has been blocked, or null. */
  get blockedSince(): number | null {
    return this.state.kind === 'blocked' ? this.state.since : null;
  }

  onScreen(snap: ScreenSnapshot, ctx: ScreenContext): Decision[] {
    const state = this.state;
    switch (state.kind) {
      case 'clear':
      case 'pending': {
        const question = findQuestion(snap);
        if (question === null) this.state = { kind: 'clear' };
        else if (state.kind === 'clear' || ctx.progress || ctx.handled) this.state = { kind: 'pending', since: ctx.now, excerpt: question.excerpt, question: askedQuestion(snap) };
        return this.onTick(ctx.now);
      }
      case 'blocked': {
        if (!ctx.progress) return [];
        const question = findQuestion(snap);
        this.state = question === null ? { kind: 'clear' } : { kind: 'pending', since: ctx.now, excerpt: question.excerpt, question: askedQuestion(snap) };
        return [{ type: 'unblocked' }];
      }
      default:
        return unreachable(state);
    }
  }

  onTick(now: number): Decision[] {
    const state = this.state;
    if (state.kind !== 'pending' || now - state.since < this.idle.blockedAfterMs) return [];
    this.state = { kind: 'blocked', since: now };
    const record = (kind: Intervention['kind'], sent: string | null): Intervention => ({ at: now, kind, rule: null, excerpt: state.excerpt, sent, ...(state.question === undefined ? {} : { question: state.question }) });
    const decisions: Decision[] = [{ type: 'blocked', intervention: record('blocked', null) }];
    switch (this.idle.onBlocked) {
      case 'wait':
        break;
      case 'poke': {
        const steps = stepsFor(this.idle.pokeWith, this.timing);
        decisions.push({ type: 'send', steps, intervention: record('poke', visibleSteps(steps)) });
        break;
      }
      case 'fail':
        decisions.push({
          type: 'stop',
          reason: 'waiting-for-input',
          message: `a question stayed unanswered for ${formatMs(this.idle.blockedAfterMs)}`,
          intervention: record('fail', null),
        });
        break;
      default:
        return unreachable(this.idle.onBlocked);
    }
    return decisions;
  }

  nextWakeAt(): number | null {
    return this.state.kind === 'pending' ? this.state.since + this.idle.blockedAfterMs : null;
  }
}
