/**
 * The scheduling fields of a job in the manifest (`schedule`, `overlap`, `catchUp`, `jitter`):
 * their field rules for job-fields.ts, the check that needs the whole manifest, and where
 * they land in the job model. The validation itself is src/schedule/schedule-spec.ts; it is
 * imported on first use so that manifests without schedules never load cron-parser.
 */
import type { OverlapPolicy, ScheduleProblem, ScheduleSpec } from '../schedule/schedule-spec.js';
import { err, ok, type Result } from '../util/result.js';
import type { Diagnostic } from './model.js';
import type { FieldContext } from './job-fields.js';
import type { YamlSource } from './yaml-source.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/** The fields that only mean something for a job with a `schedule`. */
const SCHEDULE_ONLY_FIELDS = ['overlap', 'catchUp', 'jitter'] as const;

/**
 * `schedule`: the cron text or `{ cron, timezone }`, checked in its zone. Resolves to a spec
 * with the default policies, which the job's `overlap`/`catchUp`/`jitter` then replace
 * (see {@link scheduleOf}).
 */
export async function resolveSchedule(written: string | Record<string, string>, context: FieldContext): Promise<FieldResult<ScheduleSpec>> {
  const spec = await import('../schedule/schedule-spec.js');
  const timing = spec.parseScheduleTiming(written);
  return timing.ok ? ok(spec.scheduleSpecOf(timing.value, {})) : located(timing, context);
}

/** `overlap`: the schema already holds it to skip, queue or replace. */
export async function resolveOverlap(written: OverlapPolicy, context: FieldContext): Promise<FieldResult<OverlapPolicy>> {
  const { parseOverlap } = await import('../schedule/schedule-spec.js');
  return located(parseOverlap(written), context);
}

/** `catchUp`: true or false. */
export async function resolveCatchUp(written: boolean, context: FieldContext): Promise<FieldResult<boolean>> {
  const { parseCatchUp } = await import('../schedule/schedule-spec.js');
  return located(parseCatchUp(written), context);
}

/** `jitter`: a duration of at most a day, in ms. */
export async function resolveJitter(written: string, context: FieldContext): Promise<FieldResult<number>> {
  const { parseJitter } = await import('../schedule/schedule-spec.js');
  return located(parseJitter(written), context);
}

/** A job's schedule from its defaults-applied fields, or null when it has none. */
export function scheduleOf(fields: {
  schedule?: ScheduleSpec | undefined;
  overlap?: OverlapPolicy | undefined;
  catchUp?: boolean | undefined;
  jitter?: number | undefined;
}): ScheduleSpec | null {
  const base = fields.schedule;
  if (base === undefined) return null;
  return {
    ...base,
    overlap: fields.overlap ?? base.overlap,
    catchUp: fields.catchUp ?? base.catchUp,
    jitterMs: fields.jitter ?? base.jitterMs,
  };
}

/**
 * `overlap`, `catchUp` or `jitter` where no `schedule` applies: written in a job that has no
 * `schedule` of its own or from `defaults:`, or written in `defaults:` when no job is
 * scheduled at all (in `defaults:` they serve only the scheduled jobs). Presence is judged
 * on the written data, so a `schedule` with its own error does not add a second one here.
 */
export function scheduleOnlyProblems(source: YamlSource, root: Record<string, unknown>): Diagnostic[] {
  const defaults = asRecord(root['defaults']);
  const jobs = asRecord(root['jobs']) ?? {};
  const defaultsSchedule = defaults !== null && defaults['schedule'] !== undefined;
  const diagnostics: Diagnostic[] = [];
  let anyScheduled = defaultsSchedule;
  for (const name of source.keysAt(['jobs'])) {
    const job = asRecord(jobs[name]);
    if (job === null) continue;
    if (defaultsSchedule || job['schedule'] !== undefined) {
      anyScheduled = true;
      continue;
    }
    for (const field of SCHEDULE_ONLY_FIELDS) {
      if (job[field] === undefined) continue;
      diagnostics.push(
        source.diagnostic(['jobs', name, field], `'${field}' only applies to a job with a 'schedule', and job '${name}' has none`, {
          part: 'key',
          hint: `add a 'schedule' such as "0 2 * * *" to the job (or to 'defaults:'), or remove '${field}'`,
        }),
      );
    }
  }
  if (defaults !== null && !anyScheduled) {
    for (const field of SCHEDULE_ONLY_FIELDS) {
      if (defaults[field] === undefined) continue;
      diagnostics.push(
        source.diagnostic(['defaults', field], `'${field}' in 'defaults' only applies to jobs with a 'schedule', and no job has one`, {
          part: 'key',
          hint: `add a 'schedule' to the jobs that should run on a timetable, or remove '${field}'`,
        }),
      );
    }
  }
  return diagnostics;
}

// Schedule problems as diagnostics at their own node: `schedule.cron` at the cron value.
function located<T>(result: Result<T, ScheduleProblem[]>, context: FieldContext): FieldResult<T> {
  if (result.ok) return result;
  return err(result.error.map((problem) => context.source.diagnostic([...context.path, ...problem.field.split('.').slice(1)], problem.message)));
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
