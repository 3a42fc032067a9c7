/**
 * The unanswered-question detector: when the agent-state classifier says the screen waits
 * for input (a question, menu or confirmation at the bottom) and nothing changes for
 * `blockedAfter`, the job is blocked, waiting for input. Then, per `onBlocked`: wait, poke once, or fail the job.
 *
 *   clear ──question at the end──▶ pending(since) ──blockedAfter, no progress──▶ blocked
 *     ▲                               │ question gone                         │ progress
 *     └───────────────────────────────┘◀──────────────────────────────────────┘ (unblocked)
 *
 * Progress while a question is shown (the prompt changed) restarts `pending`; an answer
 * from a rule on the same snapshot restarts it too (the reply is on its way).
 */

import type { ScreenSnapshot } from '../screen.js';
import { classifySnapshot } from '../classify/classify-snapshot.js';
import type { ScreenQuestion } from '../classify/types.js';
import { unreachable } from '../../util/unreachable.js';
import { bounded, formatMs, type Decision, type Intervention, type Policy, type ScreenContext } from './policy.js';
import { stepsFor, visibleSteps, type SendTiming } from './send-steps.js';
import type { IdleSpec } from './spec.js';

/** How many non-blank lines at the bottom of the screen the excerpt keeps. */
const TAIL_LINES = 8;

/** A question found at the end of the screen. */
export interface QuestionMatch {
  /** Viewport row of the line that looks like a question. */
  row: number;
  /** The bottom lines of the screen, up to the last non-blank one. */
  excerpt: string[];
  /** The question as the classifier read it, with its options and the keys that choose them. */
  question: ScreenQuestion;
}

/**
 * Whether the screen waits for an answer: the agent-state classifier (classifySnapshot)
 * says `waiting_input`. It reads the whole bottom region (past footers, key hints, input
 * boxes), so an old, answered prompt with output or a spinner below it is not a question.
 * `agent` adds that agent's screen knowledge (src/agents/screen-knowledge.ts).
 */
export function findQuestion(snap: ScreenSnapshot, agent?: string): QuestionMatch | null {
  const verdict = classifySnapshot(snap, { agent });
  if (verdict.state !== 'waiting_input' || verdict.question === undefined) return null;
  const tail = snap.logicalLines().filter((l) => l.text.trim() !== '').slice(-TAIL_LINES);
  const lastRow = tail[tail.length - 1]?.row ?? 0;
  return { row: verdict.question.row ?? lastRow, excerpt: bounded(tail.map((l) => l.text)), question: verdict.question };
}

/** What the screen asks, as recorded in interventions and shown live: text and options only. */
function asked(match: QuestionMatch): ScreenQuestion {
  return { text: match.question.text, options: match.question.options };
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
    /** The agent kind (`codex`, `claude`, ...), for its screen knowledge. */
    private readonly agent?: string,
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
        const question = findQuestion(snap, this.agent);
        if (question === null) this.state = { kind: 'clear' };
        else if (state.kind === 'clear' || ctx.progress || ctx.handled) this.state = { kind: 'pending', since: ctx.now, excerpt: question.excerpt, question: asked(question) };
        return this.onTick(ctx.now);
      }
      case 'blocked': {
        if (!ctx.progress) return [];
        const question = findQuestion(snap, this.agent);
        this.state = question === null ? { kind: 'clear' } : { kind: 'pending', since: ctx.now, excerpt: question.excerpt, question: asked(question) };
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
