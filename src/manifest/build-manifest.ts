import type { Env } from './interpolate.js';
import { mergeFields, resolveFields, type ResolvedJobFields } from './job-fields.js';
import type { Diagnostic, JobSpec, Manifest } from './model.js';
import { scheduleOf, scheduleOnlyProblems } from './schedule-fields.js';
import { supervisionOf } from './supervision-fields.js';
import { codexOf } from './codex-fields.js';
import { genericSpecOf } from '../agents/generic/options.js';
import { claudeField } from './claude-fields.js';
import { geminiOf } from './gemini-fields.js';
import { jobProblems } from './job-checks.js';
import { rehearsalStepProblems } from './rehearsal-step-checks.js';
import { adapterFor } from '../agents/registry.js';
import { workspaceOf, workspaceProblems, type WorkspaceSpec } from './workspace-fields.js';
import { budgetOf, completionOf, completionProblems, type WrittenBudget } from './completion-fields.js';
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
  /** The current time, for checks on fire times (default: Date.now()). */
  now?: number;
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
  /** Jobs whose own fields (and the defaults') passed, so their merged fields are whole. */
  const whole = new Set<string>();
  for (const name of source.keysAt(['jobs'])) {
    const jobData = asRecord(jobsData[name]);
    if (jobData === null) continue;
    const own = await resolveFields(jobData, ['jobs', name], context, input.rejected);
    diagnostics.push(...own.diagnostics);
    const fields = mergeFields(defaults.fields, own.fields);
    merged.push([name, fields]);
    if (own.diagnostics.length === 0 && defaults.diagnostics.length === 0) whole.add(name);
    if (own.diagnostics.length === 0) diagnostics.push(...completionProblems(source, name, fields, Object.keys(jobData)));
    if (own.diagnostics.length === 0 && defaults.diagnostics.length === 0 && fields.rehearsal !== undefined) {
      const ownScript = jobData['rehearsal'] !== undefined;
      const written = ownScript ? jobData['rehearsal'] : defaultsData?.['rehearsal'];
      diagnostics.push(...rehearsalStepProblems(source, name, fields.agent ?? 'codex', fields.rehearsal, written, ownScript));
    }
  }
  diagnostics.push(...scheduleOnlyProblems(source, root));
  // Entries the schema rejected already have their diagnostic; the others are still checked.
  const runNotify = Array.isArray(root['notify']) && !input.rejected.some((bad) => bad[0] === 'notify' && bad.length === 1)
    ? resolveNotify(root['notify'] as WrittenNotify[], { ...context, path: ['notify'] }, (i) => input.rejected.some((bad) => bad[0] === 'notify' && bad[1] === String(i)))
    : null;
  if (runNotify?.ok === false) diagnostics.push(...runNotify.error);
  diagnostics.push(...jobProblems(source, root));
  // Workspace checks that need the whole job and the disk, once each job's own fields passed.
  if (input.rejected.length === 0) {
    for (const [name, fields] of merged) if (whole.has(name)) diagnostics.push(...(await workspaceProblems(source, name, fields.workdir ?? dir, workspaceOf(fields))));
  }
  const budgetData = asRecord(root['budget']);
  let runBudget: { budget?: NonNullable<Manifest['budget']> } = {};
  if (budgetData !== null && !input.rejected.some((bad) => bad[0] === 'budget')) {
    const budget = budgetOf(budgetData as WrittenBudget, source, ['budget']);
    if (budget.ok) runBudget = { budget: budget.value };
    else diagnostics.push(...budget.error);
  }

  if (diagnostics.length > 0 || input.rejected.length > 0) return { manifest: null, diagnostics };
  const jobs = merged.map(([name, fields]) => toJobSpec(name, fields, dir, source));
  const warnings = await sharedWorkdirs(jobs, new Map(merged), source, input.now ?? Date.now());
  const concurrency = typeof root['concurrency'] === 'number' ? root['concurrency'] : Math.min(jobs.length, MAX_DEFAULT_CONCURRENCY);
  const redactRawLog = typeof root['redactRawLog'] === 'boolean' ? { redactRawLog: root['redactRawLog'] } : {};
  const notify = runNotify?.ok === true && runNotify.value.length > 0 ? { notify: runNotify.value } : {};
  const manifest: Manifest = { file: source.file, dir, version: 1, concurrency, jobs, ...redactRawLog, ...runBudget, ...notify };
  if (warnings.length > 0) manifest.warnings = { diagnostics: warnings, sources: new Map([[source.file, source.text]]) };
  return { manifest, diagnostics };
}

/**
 * Scheduled jobs that share a workdir share its lock, so at a common fire time only one can run.
 * Their `overlap` defaults to `queue` (the other runs when the first is done, instead of being
 * skipped every time), and pairs whose fire times coincide get a warning at the later job.
 */
async function sharedWorkdirs(
  jobs: JobSpec[],
  fields: ReadonlyMap<string, Partial<ResolvedJobFields>>,
  source: YamlSource,
  now: number,
): Promise<Diagnostic[]> {
  const scheduled = jobs.flatMap((job) => (job.schedule === null ? [] : [{ job: job.name, workdir: job.workdir, spec: job.schedule }]));
  if (scheduled.length < 2) return [];
  const shared = await import('../schedule/shared-workdirs.js');
  for (const group of shared.sameWorkdirGroups(scheduled)) {
    for (const entry of group) {
      if (fields.get(entry.job)?.overlap === undefined) entry.spec.overlap = 'queue';
    }
  }
  return shared.coincidingFires(scheduled, now).map((fire) => ({
    ...source.diagnostic(['jobs', fire.second.job, 'schedule'], shared.describeSharedFire(fire, new Date(fire.at).toISOString()), {
      part: 'key',
      hint: 'give them different workdirs or fire times; or keep overlap: queue (the default for scheduled jobs that share a workdir) so neither is lost',
    }),
    severity: 'warning' as const,
  }));
}

/** The fields that make a job's `completion`; a job with none of them keeps the defaults implicitly. */
const COMPLETION_KEYS = ['verify', 'until', 'maxTurns', 'continuePrompt', 'budget', 'limits', 'retry'] as const;

// The defaults-applied JobSpec of a job that passed every check.
function toJobSpec(name: string, fields: Partial<ResolvedJobFields>, dir: string, source: YamlSource): JobSpec {
  const agent = fields.agent ?? 'codex';
  // Every agent but `command` is given a prompt; `command` is given an argv.
  const prompt = agent !== 'command' ? fields.prompt : null;
  const command = agent === 'command' ? fields.command : null;
  // The schema's conditional rules require these after defaults apply.
  if (prompt === undefined || command === undefined) throw new Error(`Internal error: job '${name}' passed the schema without its ${agent === 'command' ? 'command' : 'prompt'}`);
  // Limits the manifest leaves unset come from the agent's adapter (`none` sets "no limit").
  const limits = adapterFor(agent).defaults;
  const timeoutDefaulted = fields.timeout === undefined && limits.timeoutMs !== null;
  const idleKillDefaulted = fields.idle?.['kill'] === undefined && limits.idleKillMs !== null;
  return {
    name,
    agent,
    prompt,
    command,
    workdir: fields.workdir ?? dir,
    env: fields.env ?? {},
    timeoutMs: fields.timeout === undefined ? limits.timeoutMs : fields.timeout,
    agentDefaults: {
      timeout: timeoutDefaulted,
      idleKill: idleKillDefaulted,
      noDefaults: limits.timeoutMs === null && limits.idleKillMs === null ? limits.why : null,
    },
    schedule: scheduleOf(fields),
    supervision: supervisionOf(fields, limits.idleKillMs),
    enterDelayMs: fields.enterDelay ?? DEFAULT_ENTER_DELAY_MS,
    resume: fields.resume ?? null,
    rehearsal: fields.rehearsal ?? null,
    codex: codexOf(agent, fields.codex),
    ...(agent === 'generic' ? { generic: genericSpecOf(fields.generic) } : {}),
    ...claudeField(agent, fields.claude),
    ...(agent === 'gemini' ? { gemini: geminiOf(fields.gemini) } : {}),
    ...(COMPLETION_KEYS.some((key) => fields[key] !== undefined) ? { completion: completionOf(fields) } : {}),
    location: source.locate(['jobs', name], 'key'),
    ...(fields.secrets !== undefined && fields.secrets.length > 0 ? { secrets: fields.secrets } : {}),
    ...workspaceField(fields),
    ...(fields.notify !== undefined && fields.notify.length > 0 ? { notify: fields.notify } : {}),
    ...(fields.shardGroup !== undefined ? { shardGroup: fields.shardGroup } : {}),
  };
}

// `workspace` only when the manifest says anything about it, so jobs without it keep their shape.
function workspaceField(fields: Partial<ResolvedJobFields>): { workspace?: WorkspaceSpec } {
  const workspace = workspaceOf(fields);
  return workspace === undefined ? {} : { workspace };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

