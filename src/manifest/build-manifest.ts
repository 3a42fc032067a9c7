import type { Env } from './interpolate.js';
import { mergeFields, resolveFields, type ResolvedJobFields } from './job-fields.js';
import type { Diagnostic, JobSpec, Manifest } from './model.js';
import { scheduleOf, scheduleOnlyProblems } from './schedule-fields.js';
import { supervisionOf } from './supervision-fields.js';
import { codexOf } from './codex-fields.js';
import { resolveNotify, type WrittenNotify } from './notify-fields.js';
import { DEFAULT_SEND_TIMING } from '../session/policies/send-steps.js';

/** Pause between a typed text answer and its Enter (TUIs take text+Enter at once as a paste). */
const DEFAULT_ENTER_DELAY_MS = DEFAULT_SEND_TIMING.enterDelayMs;
import type { ValuePath, YamlSource } from './yaml-source.js';

/** Jobs at once when the manifest does not say: all of them, but no more than this. */
export const MAX_DEFAULT_CONCURRENCY = 8;

/** What the model is built from: schema-checked data and where the schema found problems. */
export interface BuildInput {
  source: YamlSource;
  /** Parsed manifest data; parts under `rejected` paths did not pass the schema. */
  data: unknown;
  rejected: readonly ValuePath[];
  /** The manifest's folder. */
  dir: string;
  env: Env;
}

/**
 * Runs the checks the schema cannot (variables, folders on disk, durations) on every part the
 * schema accepted, and builds the job model when nothing at all is wrong. Diagnostics are
 * returned either way so the caller can report them together with the schema's.
 */
export async function buildManifest(input: BuildInput): Promise<{ manifest: Manifest | null; diagnostics: Diagnostic[] }> {
  const { source, dir, env } = input;
  const root = asRecord(input.data) ?? {};
  const context = { source, manifestDir: dir, env };
  const diagnostics: Diagnostic[] = [];

  const defaultsData = asRecord(root['defaults']);
  const defaults = defaultsData === null ? { fields: {}, diagnostics: [] } : await resolveFields(defaultsData, ['defaults'], context, input.rejected);
  diagnostics.push(...defaults.diagnostics);

  const jobsData = asRecord(root['jobs']) ?? {};
  const merged: Array<[string, Partial<ResolvedJobFields>]> = [];
  for (const name of source.keysAt(['jobs'])) {
    const jobData = asRecord(jobsData[name]);
    if (jobData === null) continue;
    const own = await resolveFields(jobData, ['jobs', name], context, input.rejected);
    diagnostics.push(...own.diagnostics);
    merged.push([name, mergeFields(defaults.fields, own.fields)]);
  }
  diagnostics.push(...scheduleOnlyProblems(source, root));
  // Entries the schema rejected already have their diagnostic; the others are still checked.
  const runNotify = Array.isArray(root['notify']) && !input.rejected.some((bad) => bad[0] === 'notify' && bad.length === 1)
    ? resolveNotify(root['notify'] as WrittenNotify[], { ...context, path: ['notify'] }, (i) => input.rejected.some((bad) => bad[0] === 'notify' && bad[1] === String(i)))
    : null;
  if (runNotify?.ok === false) diagnostics.push(...runNotify.error);

  if (diagnostics.length > 0 || input.rejected.length > 0) return { manifest: null, diagnostics };
  const jobs = merged.map(([name, fields]) => toJobSpec(name, fields, dir, source));
  const concurrency = typeof root['concurrency'] === 'number' ? root['concurrency'] : Math.min(jobs.length, MAX_DEFAULT_CONCURRENCY);
  const redactRawLog = typeof root['redactRawLog'] === 'boolean' ? { redactRawLog: root['redactRawLog'] } : {};
  const notify = runNotify?.ok === true && runNotify.value.length > 0 ? { notify: runNotify.value } : {};
  return { manifest: { file: source.file, dir, version: 1, concurrency, jobs, ...redactRawLog, ...notify }, diagnostics };
}

// The defaults-applied JobSpec of a job that passed every check.
function toJobSpec(name: string, fields: Partial<ResolvedJobFields>, dir: string, source: YamlSource): JobSpec {
  const agent = fields.agent ?? 'codex';
  const prompt = agent === 'codex' ? fields.prompt : null;
  const command = agent === 'command' ? fields.command : null;
  // The schema's conditional rules require these after defaults apply.
  if (prompt === undefined || command === undefined) throw new Error(`Internal error: job '${name}' passed the schema without its ${agent === 'codex' ? 'prompt' : 'command'}`);
  return {
    name,
    agent,
    prompt,
    command,
    workdir: fields.workdir ?? dir,
    env: fields.env ?? {},
    timeoutMs: fields.timeout ?? null,
    schedule: scheduleOf(fields),
    supervision: supervisionOf(fields),
    enterDelayMs: fields.enterDelay ?? DEFAULT_ENTER_DELAY_MS,
    resume: fields.resume ?? null,
    rehearsal: fields.rehearsal ?? null,
    codex: codexOf(agent, fields.codex),
    location: source.locate(['jobs', name], 'key'),
    ...(fields.secrets !== undefined && fields.secrets.length > 0 ? { secrets: fields.secrets } : {}),
    ...(fields.notify !== undefined && fields.notify.length > 0 ? { notify: fields.notify } : {}),
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

