import { terminalOf, type BuiltinRule, type LaunchPlan, type LaunchProblem } from '../agents/adapter.js';
import type { SendSpec } from '../session/policies/spec.js';
import { adapterFor } from '../agents/registry.js';
import type { JobSpec, Manifest } from '../manifest/model.js';
import type { RerunOf, ShardStamp } from '../shard/shard-stamp.js';
import { closestMatch } from '../manifest/did-you-mean.js';
import { err, ok, type Result } from '../util/result.js';

/** One job as it will be started: the adapter's launch plan and the child's environment. */
export interface JobPlan {
  job: JobSpec;
  launch: Result<LaunchPlan, LaunchProblem>;
  interruptFirst: boolean;
  /** How deny rules decline this agent's prompts. */
  decline: SendSpec;
  /** The adapter's rules for the agent's own screens, checked after the job's (listed by --dry-run). */
  builtinRules: BuiltinRule[];
  /** The child's complete environment (runner's env, then TERM, the adapter's and the job's). */
  env: Record<string, string>;
  /** Names of the variables the job and adapter set (values never leave the process). */
  envKeys: string[];
  /** `codex-run resume`: the first attempt resumes this session (it must report the same id). */
  resumeSessionId?: string;
  /** The adapter's extra `--dry-run` lines for this job; absent: none. */
  agentLines?: Array<{ label: string; text: string }>;
}

/** What a run will do, before anything is started. */
export interface RunPlan {
  manifest: Manifest;
  jobs: JobPlan[];
  concurrency: number;
  /** `codex-run resume`: the run and job this run continues (written to the report). */
  resumedFrom?: ResumedFrom;
  /** `--shard I/N`: this run is one shard of a plan (written to the report as `shard`). */
  shard?: ShardStamp;
  /** `--rerun-failed`: the run whose failed jobs this run runs again. */
  rerunOf?: RerunOf;
}

/** Where a resumed run comes from: the old run, its job, and the agent session continued. */
export interface ResumedFrom {
  runId: string;
  job: string;
  sessionId: string;
}

export interface PlanOptions {
  /** `--job NAME` selections; empty or undefined runs every job. */
  only?: readonly string[];
  /** The runner's environment. */
  env: Record<string, string | undefined>;
  /** Overrides the manifest's concurrency. */
  concurrency?: number;
}

/** Terminal type given to agents unless the job sets its own TERM. */
const DEFAULT_TERM = 'xterm-256color';

/** Selects and plans the jobs to run. A `--job` name that does not exist is a usage error. */
export function planRun(manifest: Manifest, options: PlanOptions): Result<RunPlan, string> {
  const names = manifest.jobs.map((job) => job.name);
  const only = options.only ?? [];
  for (const wanted of only) {
    if (!names.includes(wanted)) {
      const guess = closestMatch(wanted, names);
      const hint = guess === null ? '' : ` Did you mean '${guess}'?`;
      return err(`--job '${wanted}': no job of that name in ${manifest.file}.${hint} Jobs: ${names.join(', ')}`);
    }
  }
  const selected = only.length === 0 ? manifest.jobs : manifest.jobs.filter((job) => only.includes(job.name));
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) {
    if (value !== undefined) base[key] = value;
  }
  base['TERM'] = DEFAULT_TERM;
  const jobs = selected.map((job): JobPlan => {
    const adapter = adapterFor(job.agent);
    const launch = adapter.plan(job, { ...base, ...job.env });
    const adapterEnv = launch.ok ? launch.value.env : {};
    const { interruptFirst, decline } = terminalOf(adapter, job);
    return {
      job,
      launch,
      interruptFirst,
      decline,
      builtinRules: adapter.builtinRules?.(job, job.supervision.answers.length) ?? [],
      env: { ...base, ...adapterEnv, ...job.env },
      envKeys: [...new Set([...Object.keys(adapterEnv), ...Object.keys(job.env)])].sort(),
      ...(adapter.describe === undefined ? {} : { agentLines: adapter.describe(job) }),
    };
  });
  const concurrency = Math.max(1, options.concurrency ?? manifest.concurrency);
  return ok({ manifest, jobs, concurrency });
}
