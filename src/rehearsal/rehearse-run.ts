/**
 * `--rehearse`: one scripted model server on 127.0.0.1 for the whole run and, for every job
 * whose agent can be rehearsed (`AgentAdapter.rehearsal`), a private agent home (inside the run
 * folder) pointing the agent at the job's own script on that server, through the face of the
 * API that agent speaks. The user's own agent config and API keys are never used.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentAdapter, AgentRehearsal, RehearsalHome } from '../agents/adapter.js';
import { adapterFor, AGENTS } from '../agents/registry.js';
import type { JobSpec } from '../manifest/model.js';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { startModelServer, type ModelServer, type ServedJob } from './model-server.js';
import { rehearsalBaseEnv } from './private-env.js';
import { UNSUPPORTED_STEP_HINT, unsupportedStepMessage, unsupportedSteps } from './unsupported-turns.js';
import type { Turn } from './script.js';

/**
 * Where the run folder records each rehearsed job's private agent home (kept after the run, for
 * `codex-run resume`), as a path relative to the run folder so that a copied or downloaded run
 * folder still finds its homes.
 */
export const REHEARSAL_HOMES_FILE = 'agent-homes.json';

/** The name runs before agent-neutral homes used (absolute paths); still read. */
const OLD_REHEARSAL_HOMES_FILE = 'codex-homes.json';

/** The job's kept rehearsal home in run folder `runDir`, or null when none was recorded. */
export async function keptRehearsalHome(runDir: string, job: string): Promise<string | null> {
  for (const file of [REHEARSAL_HOMES_FILE, OLD_REHEARSAL_HOMES_FILE]) {
    try {
      const homes = JSON.parse(await readFile(path.join(runDir, file), 'utf8')) as Record<string, unknown>;
      const home = homes[job];
      if (typeof home === 'string') return path.resolve(runDir, home);
    } catch {
      // Not this file: try the next one.
    }
  }
  return null;
}

/** The rehearsal of a job's agent, or null when its agent runs as it is (e.g. `command`). */
function rehearsalOf(job: JobSpec): AgentRehearsal | null {
  return adapterFor(job.agent).rehearsal ?? null;
}

/** The rehearsal of every registered agent that has one: whose private variables every rehearsed child loses. */
function allRehearsals(): AgentRehearsal[] {
  return Object.values(AGENTS).flatMap((adapter: AgentAdapter) => (adapter.rehearsal === undefined ? [] : [adapter.rehearsal]));
}

/** What an agent job without a `rehearsal:` script is told. */
export const DEFAULT_REHEARSAL_SCRIPT: readonly Turn[] = [
  { kind: 'say', text: 'Rehearsal: this job has no `rehearsal:` script, so the model only says this.' },
];

/**
 * The warning for each codex job that has no `rehearsal:` script (its own or from `defaults:`),
 * located at the job: its rehearsal plays DEFAULT_REHEARSAL_SCRIPT, which runs nothing, so its
 * success says little. Shown when the run starts.
 */
export function missingScriptWarnings(jobs: readonly JobSpec[]): Array<{ job: string; message: string }> {
  return jobs
    .filter((job) => rehearsalOf(job) !== null && job.rehearsal === null)
    .map((job) => {
      const where = `${path.relative(process.cwd(), job.location.file) || job.location.file}:${job.location.line}:${job.location.col}`;
      return {
        job: job.name,
        message: `${where}: no 'rehearsal:' script: the scripted model will only reply with one message (no command run, no file changed), so this job succeeding says little; add 'rehearsal:' steps (run, write, edit, say) to rehearse what it will do`,
      };
    });
}

/** Where the run folder keeps what the scripted model was asked, per job. */
export const REHEARSAL_LOG_FILE = 'rehearsal.json';

/**
 * Writes `rehearsal.json` in the run folder: for each rehearsed job, every request the model got
 * (session id, the user messages in its conversation, the script turns played), so a user can
 * check what the agent sent, and that a resumed session carried its earlier conversation.
 */
async function writeRequestLog(server: ModelServer, jobs: readonly JobSpec[], runDir: string): Promise<void> {
  const log = Object.fromEntries(
    jobs.map((job) => [
      job.name,
      server.requests(job.name).map((request) => ({
        seq: request.seq,
        at: new Date(request.at).toISOString(),
        kind: request.kind,
        outcome: request.outcome,
        sessionId: request.sessionId,
        path: request.path,
        turns: request.turns,
        userMessages: (rehearsalOf(job)?.face.userTexts(request.body)) ?? [],
      })),
    ]),
  );
  await writeFile(path.join(runDir, REHEARSAL_LOG_FILE), `${JSON.stringify(log, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** A rehearsal in progress. */
export interface Rehearsal {
  readonly server: ModelServer;
  /**
   * The agent child's environment for `job`: its private home's variables over `base` without
   * the credentials and endpoints of every agent and without proxies (rehearsalBaseEnv).
   */
  envFor(job: string, base: Readonly<Record<string, string>>): Record<string, string>;
  /** Stops the server (ending stalled replies), writes rehearsal.json, removes the homes; resolves with a problem to warn about, or null. */
  dispose(): Promise<string | null>;
}

/**
 * Script turns an agent's face cannot play (e.g. codex's `patch` format for another agent),
 * located at the job: refused before anything starts (a fallback: manifest validation already
 * refuses them, located at the step, see manifest/rehearsal-step-checks.ts).
 */
export function unsupportedTurnProblems(jobs: readonly JobSpec[]): string[] {
  const problems: string[] = [];
  for (const job of jobs) {
    for (const { index, kind } of unsupportedSteps(job.agent, job.rehearsal ?? [])) {
      const where = `${path.relative(process.cwd(), job.location.file) || job.location.file}:${job.location.line}:${job.location.col}`;
      problems.push(`${where}: ${unsupportedStepMessage(job.name, job.agent, index, kind)}; ${UNSUPPORTED_STEP_HINT}`);
    }
  }
  return problems;
}

/** Starts the model server and creates a private home per rehearsed job in `parentDir` (the run folder). */
export async function startRehearsal(
  jobs: readonly JobSpec[],
  options: {
    parentDir: string;
    clock: Clock;
    reuseHomes?: Readonly<Record<string, string>>;
    /** Per job: the script turns its session already played in earlier runs (`codex-run resume`), not played again. */
    skipTurns?: Readonly<Record<string, number>>;
  },
): Promise<Result<Rehearsal, string>> {
  const unsupported = unsupportedTurnProblems(jobs);
  if (unsupported.length > 0) return err(unsupported.join('\n'));
  const rehearsed = jobs.flatMap((job) => {
    const rehearsal = rehearsalOf(job);
    return rehearsal === null ? [] : [{ job, rehearsal }];
  });
  const served = new Map<string, ServedJob>(
    rehearsed.map(({ job, rehearsal }) => [job.name, { turns: job.rehearsal ?? DEFAULT_REHEARSAL_SCRIPT, face: rehearsal.face, workdir: job.workdir, startAt: options.skipTurns?.[job.name] ?? 0 }]),
  );
  let server: ModelServer;
  try {
    server = await startModelServer({ jobs: served, clock: options.clock });
  } catch (error) {
    return err(`could not start the rehearsal model server on 127.0.0.1: ${(error as Error).message}`);
  }
  const homes = new Map<string, RehearsalHome>();
  const dispose = async (): Promise<string | null> => {
    await server.close();
    let problem: string | null = null;
    try {
      await writeRequestLog(server, rehearsed.map(({ job }) => job), options.parentDir);
    } catch (error) {
      problem = `could not write ${REHEARSAL_LOG_FILE}: ${(error as Error).message}`;
    }
    // The homes stay in the run folder (0700) with their sessions, so `codex-run resume` can
    // continue a rehearsed job by its session id; the run folder's removal removes them.
    return problem;
  };
  try {
    for (const { job, rehearsal } of rehearsed) {
      const existingDir = options.reuseHomes?.[job.name];
      const home = await rehearsal.createHome({
        baseUrl: server.baseUrl(job.name),
        job,
        parentDir: options.parentDir,
        ...(existingDir !== undefined ? { existingDir } : {}),
      });
      homes.set(job.name, home);
    }
    const index = Object.fromEntries([...homes].map(([name, home]) => [name, path.relative(options.parentDir, home.dir) || '.']));
    await writeFile(path.join(options.parentDir, REHEARSAL_HOMES_FILE), `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    await dispose();
    return err(`could not create a rehearsal agent home: ${(error as Error).message}`);
  }
  return ok({
    server,
    envFor(job, base) {
      const home = homes.get(job);
      return home === undefined ? { ...base } : home.childEnv(rehearsalBaseEnv(base, allRehearsals()));
    },
    dispose,
  });
}
