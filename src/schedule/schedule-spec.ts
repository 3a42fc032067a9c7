/**
 * The scheduling fields of a job (`schedule`, `overlap`, `catchUp`, `jitter`): their
 * validated model and the validator the manifest layer calls for them.
 */
import { describeValue, quote } from '../manifest/describe-value.js';
import { DURATION_EXAMPLES, parseDuration } from '../manifest/duration.js';
import { err, ok, type Result } from '../util/result.js';
import { cronProblem, resolveTimeZone } from './cron.js';
import { isKnownTimeZone } from './zoned-time.js';

/** What to do when a job's fire time comes while its previous run (or another run in its workdir) is still going. */
export type OverlapPolicy = 'skip' | 'queue' | 'replace';

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'queue', 'replace'];

/** A validated, defaults-applied schedule of one job. */
export interface ScheduleSpec {
  /** The cron expression as written: 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA zone the expression is read in; null means the machine's local zone. */
  timezone: string | null;
  /** Default `skip`. */
  overlap: OverlapPolicy;
  /** Run once at start-up when a fire time was missed while the scheduler was down. Default false. */
  catchUp: boolean;
  /** Upper bound of a random delay added to each fire, in ms. Default 0. */
  jitterMs: number;
}

/** One problem with a scheduling field; `field` is a path such as `schedule.timezone`. */
export interface ScheduleProblem {
  field: string;
  message: string;
}

/** The raw values of the scheduling fields of one job, as parsed from YAML. */
export interface RawScheduleFields {
  schedule?: unknown;
  overlap?: unknown;
  catchUp?: unknown;
  jitter?: unknown;
}

/** Longest accepted jitter: one day. A longer random delay would cross into the next fire of a daily job. */
export const MAX_JITTER_MS = 24 * 3_600_000;

/** The fields that only mean something next to a `schedule`. */
const SCHEDULE_ONLY_FIELDS = ['overlap', 'catchUp', 'jitter'] as const;

/** When a job fires: the `schedule` field, validated. */
export interface ScheduleTiming {
  /** The cron expression, trimmed. */
  cron: string;
  timezone: string | null;
}

/**
 * Validates and defaults the scheduling fields of one job. ok(null) means the job has no
 * `schedule`; every problem is collected before failing, each naming the field it is about.
 */
export function validateSchedule(raw: RawScheduleFields): Result<ScheduleSpec | null, ScheduleProblem[]> {
  const problems: ScheduleProblem[] = [];
  if (raw.schedule === undefined) {
    for (const field of SCHEDULE_ONLY_FIELDS) {
      if (raw[field] !== undefined) problems.push({ field, message: `\`${field}\` only applies to a job with a \`schedule\`` });
    }
    return problems.length === 0 ? ok(null) : err(problems);
  }
  const timing = collect(parseScheduleTiming(raw.schedule), problems);
  const overlap = collect(parseOverlap(raw.overlap), problems);
  const catchUp = collect(parseCatchUp(raw.catchUp), problems);
  const jitterMs = collect(parseJitter(raw.jitter), problems);
  if (timing === null || overlap === null || catchUp === null || jitterMs === null) return err(problems);
  return ok(scheduleSpecOf(timing, { overlap, catchUp, jitterMs }));
}

/** A schedule spec from its timing and whichever policies were written; the rest take their defaults. */
export function scheduleSpecOf(
  timing: ScheduleTiming,
  policies: { overlap?: OverlapPolicy | undefined; catchUp?: boolean | undefined; jitterMs?: number | undefined },
): ScheduleSpec {
  return {
    cron: timing.cron,
    timezone: timing.timezone,
    overlap: policies.overlap ?? 'skip',
    catchUp: policies.catchUp ?? false,
    jitterMs: policies.jitterMs ?? 0,
  };
}

/** The `schedule` value: cron text, or `{ cron, timezone }`; the cron is checked in its zone. */
export function parseScheduleTiming(value: unknown): Result<ScheduleTiming, ScheduleProblem[]> {
  const problems: ScheduleProblem[] = [];
  const where = readWhere(value, problems);
  if (where === null) return err(problems);
  const problem = cronProblem(where.cron, resolveTimeZone(where));
  if (problem !== null) problems.push({ field: where.cronField, message: `invalid cron expression ${quote(where.cron)}: ${problem}` });
  return problems.length > 0 ? err(problems) : ok({ cron: where.cron.trim(), timezone: where.timezone });
}

/** The `overlap` value; absent means `skip`. */
export function parseOverlap(value: unknown): Result<OverlapPolicy, ScheduleProblem[]> {
  if (value === undefined) return ok('skip');
  const found = OVERLAP_POLICIES.find((policy) => policy === value);
  if (found !== undefined) return ok(found);
  return err([{ field: 'overlap', message: `expected skip, queue or replace, found ${describeValue(value)}` }]);
}

/** The `catchUp` value; absent means false. */
export function parseCatchUp(value: unknown): Result<boolean, ScheduleProblem[]> {
  if (value === undefined) return ok(false);
  if (typeof value === 'boolean') return ok(value);
  return err([{ field: 'catchUp', message: `expected true or false, found ${describeValue(value)}` }]);
}

/** The `jitter` value in ms (a duration of at most a day); absent means 0. */
export function parseJitter(value: unknown): Result<number, ScheduleProblem[]> {
  const problem = (message: string): Result<number, ScheduleProblem[]> => err([{ field: 'jitter', message }]);
  if (value === undefined) return ok(0);
  if (typeof value !== 'string') return problem(`expected ${DURATION_EXAMPLES}, found ${describeValue(value)}`);
  const parsed = parseDuration(value);
  if (!parsed.ok) return problem(parsed.error);
  if (parsed.value > MAX_JITTER_MS) return problem(`expected at most 24h, found ${quote(value)}`);
  return ok(parsed.value);
}

// The value of a result, or null after moving its problems into `problems`.
function collect<T>(result: Result<T, ScheduleProblem[]>, problems: ScheduleProblem[]): T | null {
  if (result.ok) return result.value;
  problems.push(...result.error);
  return null;
}

interface Where {
  cron: string;
  timezone: string | null;
  /** Which field the cron text came from, for messages. */
  cronField: string;
}

// `schedule` is either the cron text or `{ cron, timezone }`.
function readWhere(value: unknown, problems: ScheduleProblem[]): Where | null {
  if (typeof value === 'string') return { cron: value, timezone: null, cronField: 'schedule' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({
      field: 'schedule',
      message: `expected a cron expression such as "0 2 * * 1-5" or { cron, timezone }, found ${describeValue(value)}`,
    });
    return null;
  }
  const record = value as Record<string, unknown>;
  let usable = true;
  for (const key of Object.keys(record)) {
    if (key !== 'cron' && key !== 'timezone') {
      problems.push({ field: `schedule.${key}`, message: `unknown field \`${key}\`; expected \`cron\` or \`timezone\`` });
    }
  }
  const cron = record['cron'];
  if (typeof cron !== 'string') {
    problems.push({ field: 'schedule.cron', message: `expected a cron expression such as "0 2 * * 1-5", found ${describeValue(cron)}` });
    usable = false;
  }
  const timezone = record['timezone'];
  if (timezone !== undefined && timezone !== null) {
    if (typeof timezone !== 'string') {
      problems.push({ field: 'schedule.timezone', message: `expected an IANA time zone such as "Europe/Berlin", found ${describeValue(timezone)}` });
      usable = false;
    } else if (!isKnownTimeZone(timezone)) {
      problems.push({ field: 'schedule.timezone', message: `unknown time zone ${quote(timezone)}; expected an IANA name such as "Europe/Berlin" or "UTC"` });
      usable = false;
    }
  }
  if (!usable || typeof cron !== 'string') return null;
  return { cron, timezone: typeof timezone === 'string' ? timezone : null, cronField: 'schedule.cron' };
}
