/**
 * The one small interface every supervision policy implements, and what policies decide.
 * Policies are pure and clock-driven: they look at screen snapshots, output byte counts and
 * the time, and return decisions; the supervisor composes them and the job session acts.
 */

import type { ScreenSnapshot } from '../screen.js';
import type { ScreenQuestion } from '../classify/types.js';

/** Bytes to type into the terminal after waiting `delayMs` (counted from the previous step). */
export interface SendStep {
  delayMs: number;
  data: string;
}

/** What kind of thing the supervisor did, as recorded in the report. */
export type InterventionKind = 'answer' | 'deny' | 'poke' | 'kill' | 'blocked' | 'fail' | 'notify' | 'loop' | 'output-limit';

/** The answer rule behind an intervention: its position in `answers:` and its pattern as written. */
export interface RuleRef {
  index: number;
  match: string;
}

/** One supervision decision, recorded for the report and the event stream. */
export interface Intervention {
  at: number;
  kind: InterventionKind;
  rule: RuleRef | null;
  /** The screen lines that triggered it (at most {@link EXCERPT_MAX_LINES}, each cut to {@link EXCERPT_MAX_CHARS}). */
  excerpt: string[];
  /** Exactly what was or will be typed, control characters as escapes (`y\r`); null when nothing. */
  sent: string | null;
  /** blocked (and what follows it): what the agent asks, its text and options, per the classifier. */
  question?: ScreenQuestion;
}

/** Why supervision stops a job. */
export type StopReason =
  /** An answer rule with `action: fail` matched. */
  | 'rule-failed'
  /** An answer rule with `action: kill` matched: stop without the polite first step. */
  | 'rule-killed'
  /** A deny rule with `fail: true` declined a prompt. */
  | 'denied'
  /** No progress for `idle.kill`. */
  | 'idle-killed'
  /** A question stayed unanswered for `idle.blockedAfter` and `onBlocked` is fail. */
  | 'waiting-for-input'
  /** The same block of output repeated `loop.repeats` times in a row. */
  | 'looping'
  /** More raw output than `maxOutput`. */
  | 'output-limit';

/** What a policy wants done. */
export type Decision =
  | { type: 'send'; steps: SendStep[]; intervention: Intervention }
  | { type: 'stop'; reason: StopReason; message: string; intervention: Intervention }
  | { type: 'blocked'; intervention: Intervention }
  | { type: 'unblocked' }
  /** The screen changed beyond spinners and timers. */
  | { type: 'progress' };

/** What the supervisor knows about a snapshot before asking the policies. */
export interface ScreenContext {
  now: number;
  /**
   * The agent changed the screen beyond spinners and timers since the previous snapshot; the
   * echo of what codex-run typed, and a scroll or redraw it caused, are not progress (self-input.ts).
   * Judged on first read (supervisor.ts).
   */
  readonly progress: boolean;
  /** An earlier policy already answered, blocked or stopped on this snapshot. */
  handled: boolean;
}

/** A supervision policy; every hook is optional and returns the decisions it makes. */
export interface Policy {
  readonly name: string;
  onScreen?(snap: ScreenSnapshot, ctx: ScreenContext): Decision[];
  onOutputBytes?(n: number, now: number): Decision[];
  onTick?(now: number): Decision[];
  /**
   * Bookkeeping the policy puts off until its decisions on a snapshot are carried out (so none
   * sits between a prompt and its answer); called right after them, before the next snapshot.
   */
  settle?(): void;
  /** When the policy next needs `onTick`, or null. */
  nextWakeAt?(): number | null;
  /** Releases anything held (screen anchors). */
  dispose?(): void;
}

export const EXCERPT_MAX_LINES = 8;
export const EXCERPT_MAX_CHARS = 200;

/** One excerpt line, cut to {@link EXCERPT_MAX_CHARS}. */
export function cut(line: string): string {
  return line.length > EXCERPT_MAX_CHARS ? `${line.slice(0, EXCERPT_MAX_CHARS - 1)}…` : line;
}

/** Viewport rows `from..to` (inclusive) plus `context` rows either side, bounded. */
export function excerptRows(snap: ScreenSnapshot, from: number, to: number, context = 2): string[] {
  const start = Math.max(0, from - context);
  const end = Math.min(snap.lines.length - 1, to + context, start + EXCERPT_MAX_LINES - 1);
  return trimBlankEdges(snap.lines.slice(start, end + 1)).map(cut);
}

/** The last non-blank rows of the screen, bounded. */
export function excerptTail(snap: ScreenSnapshot, count = 4): string[] {
  return bounded(snap.lines.filter((l) => l.trim() !== '').slice(-count));
}

/** Any lines, bounded like an excerpt. */
export function bounded(lines: readonly string[]): string[] {
  return lines.slice(0, EXCERPT_MAX_LINES).map(cut);
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

/** A short duration for messages and the live display: 850ms, 45s, 4m, 4m05s, 1h02m. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
