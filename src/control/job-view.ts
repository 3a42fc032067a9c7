/**
 * What `ps` and `screen` show about one job: the report's view of it plus, while it runs,
 * what supervision and the classifier see on its screen right now.
 */
import { isoTime } from '../logs/iso-time.js';
import { clockTime } from '../ui/clock-time.js';
import type { JobRecord } from '../report/run-record.js';
import type { ScreenSnapshot } from '../session/screen.js';
import type { ScreenQuestion, ScreenVerdict } from '../session/classify/types.js';

/** A job's live state, as `ps` shows it. */
export type LiveState = 'pending' | 'starting' | 'working' | 'waiting-for-input' | 'idle' | 'stopping' | 'finished'
  /** Between attempts, waiting for a usage limit to reset (`parkedUntil`). */
  | 'parked'
  /** Read from the report of a run that cannot be asked: its runner is gone, or did not answer. */
  | 'dead'
  | 'unknown';

/** One job in the `status` answer. */
export interface JobView {
  name: string;
  /** The report's status: pending, running, or the final one. */
  status: string;
  state: LiveState;
  /** The state in words: `working`, `waiting for input`, `idle 4m`, `finished (succeeded)`. */
  label: string;
  /** What the job waits for, when it does and the classifier can read it. */
  question: ScreenQuestion | null;
  reason: string | null;
  pid: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  elapsedMs: number | null;
  tokensUsed: number | null;
  sessionId: string | null;
  /** Attempts (turns) started so far (the running one included); null when not known (a run that cannot be asked, before it finished). */
  turns: number | null;
  /** A parked job: when its usage limit resets and it resumes (ISO time); else null. */
  parkedUntil: string | null;
  lastLine: string | null;
  logFile: string;
  transcriptFile: string;
}

/** What a running job's supervision sees now. */
export interface LiveLook {
  pid: number | null;
  verdict: ScreenVerdict;
  /** Supervision's label (supervisor.ts describeState). */
  state: string;
}

/** The live state from supervision's label and the classifier's verdict (the classifier sees a question at once). */
export function liveStateOf(look: LiveLook): { state: LiveState; label: string; question: ScreenQuestion | null } {
  const question = look.verdict.state === 'waiting_input' ? (look.verdict.question ?? null) : null;
  if (look.state.startsWith('stopping')) return { state: 'stopping', label: look.state, question: null };
  if (question !== null || look.state === 'waiting for input') return { state: 'waiting-for-input', label: 'waiting for input', question };
  if (look.state.startsWith('idle')) return { state: 'idle', label: look.state, question: null };
  return { state: 'working', label: look.state, question: null };
}

/** A job's view from its record and, while it runs, its live look. */
export function jobView(job: JobRecord, look: LiveLook | null, now: number, progress: { turns: number; parkedUntil: number | null } | null = null): JobView {
  const finished = job.status !== null;
  const parkedUntil = finished ? null : (progress?.parkedUntil ?? null);
  const live = !finished && parkedUntil === null && look !== null ? liveStateOf(look) : null;
  const state: LiveState = finished ? 'finished' : parkedUntil !== null ? 'parked' : live !== null ? live.state : job.phase === 'pending' ? 'pending' : job.phase === 'stopping' ? 'stopping' : 'starting';
  const label = finished ? `finished (${job.status})` : parkedUntil !== null ? `usage limit until ${clockTime(parkedUntil, now)}` : live !== null ? live.label : state;
  return {
    name: job.name,
    status: job.status ?? (job.phase === 'pending' ? 'pending' : 'running'),
    state,
    label,
    question: live?.question ?? null,
    reason: job.reason,
    pid: finished ? null : (look?.pid ?? null),
    startedAt: job.startedAt === null ? null : isoTime(job.startedAt),
    finishedAt: job.finishedAt === null ? null : isoTime(job.finishedAt),
    elapsedMs: job.startedAt === null ? null : (job.finishedAt ?? now) - job.startedAt,
    tokensUsed: job.tokensUsed,
    sessionId: job.sessionId,
    turns: job.attempts.length > 0 ? job.attempts.length : progress !== null && progress.turns > 0 ? progress.turns : null,
    parkedUntil: parkedUntil === null ? null : isoTime(parkedUntil),
    lastLine: job.lastLine,
    logFile: job.logFile,
    transcriptFile: job.transcriptFile,
  };
}

/** The `screen` answer: the rendered screen as supervision has it, with its classified state. */
export function screenView(name: string, snapshot: ScreenSnapshot, look: LiveLook): Record<string, unknown> {
  const live = liveStateOf(look);
  return {
    job: name,
    state: live.state,
    label: live.label,
    question: live.question,
    classified: { state: look.verdict.state, reason: look.verdict.reason },
    cols: snapshot.cols,
    rows: snapshot.rows,
    cursor: snapshot.cursor,
    lines: [...snapshot.lines],
  };
}
