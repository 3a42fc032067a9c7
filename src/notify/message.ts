/**
 * The notification a person gets: one readable line (`text`, which Slack shows, and
 * `content`, which Discord shows) and the structured fields a script reads. Pure.
 */
import type { JobResult, JobStatus } from '../run/events.js';
import { describeQuestion, type QuestionInfo } from '../ui/question-text.js';
import { describeOutcome } from '../ui/outcome.js';
import { sanitizeLine, truncate } from '../ui/text.js';
import { isoTime } from '../logs/iso-time.js';
import type { NotifyEvent } from './spec.js';

/** Discord refuses `content` over 2000 characters; Slack is happy with less too. */
const TEXT_MAX = 1900;

/** The run a notification is about. */
export interface RunInfo {
  id: string;
  dir: string;
  manifest: string;
}

/** The JSON body of a notification (webhook body, command stdin). */
export interface NotificationBody {
  /** Slack's field: one readable line. */
  text: string;
  /** Discord's field: the same line. */
  content: string;
  event: NotifyEvent;
  at: string;
  run: RunInfo & { status?: string };
  job: { name: string; status: JobStatus | null; reason: string | null; message: string | null } | null;
  /** blocked: what the agent asks. */
  question?: QuestionInfo;
  /** run-finished: how many jobs ended how. */
  summary?: Partial<Record<JobStatus, number>>;
}

/** What happened, as the notifier saw it on the bus. */
export type NotifyOccasion =
  | { event: 'blocked'; at: number; job: string; question: QuestionInfo | null }
  | { event: 'failed' | 'finished' | 'usage-limit'; at: number; job: string; result: JobResult }
  /** A job parked on the usage limit until its reset (src/run/job-runner.ts); `why` says until when. */
  | { event: 'usage-limit'; at: number; job: string; parked: string }
  | { event: 'run-finished'; at: number; status: string; results: ReadonlyArray<{ name: string; status: JobStatus }> };

/** The body for one occasion. */
export function notificationBody(run: RunInfo, occasion: NotifyOccasion): NotificationBody {
  const base = { event: occasion.event, at: isoTime(occasion.at) };
  let line: string;
  let body: Omit<NotificationBody, 'text' | 'content'>;
  switch (occasion.event) {
    case 'blocked': {
      const asks = occasion.question === null ? '' : `: ${describeQuestion(occasion.question)}`;
      line = `codex-run: ${occasion.job} is waiting for input${asks}`;
      body = { ...base, run, job: { name: occasion.job, status: null, reason: 'waiting-for-input', message: null }, ...(occasion.question === null ? {} : { question: occasion.question }) };
      break;
    }
    case 'failed':
    case 'finished':
    case 'usage-limit': {
      if ('parked' in occasion) {
        line = `codex-run: ${occasion.job} hit the usage limit and waits for its reset: ${occasion.parked}`;
        body = { ...base, run, job: { name: occasion.job, status: null, reason: 'usage-limit', message: occasion.parked } };
        break;
      }
      const { result } = occasion;
      const what = occasion.event === 'usage-limit' ? 'hit the usage limit' : describeOutcome(result);
      line = `codex-run: ${occasion.job} ${what}`;
      body = { ...base, run, job: { name: occasion.job, status: result.status, reason: result.reason, message: result.message } };
      break;
    }
    case 'run-finished': {
      const summary: Partial<Record<JobStatus, number>> = {};
      for (const r of occasion.results) summary[r.status] = (summary[r.status] ?? 0) + 1;
      const counts = Object.entries(summary).map(([status, n]) => `${n} ${status}`).join(', ');
      const n = occasion.results.length;
      line = `codex-run: run ${run.id} ${occasion.status}: ${n} job${n === 1 ? '' : 's'}${counts === '' ? '' : ` (${counts})`}`;
      body = { ...base, run: { ...run, status: occasion.status }, job: null, summary };
      break;
    }
    default: {
      const never: never = occasion;
      return never;
    }
  }
  const text = truncate(sanitizeLine(line), TEXT_MAX);
  return { text, content: text, ...body };
}
