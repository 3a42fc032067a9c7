/**
 * `--rehearse`: one scripted model server on 127.0.0.1 for the whole run and, for every codex
 * job, a private CODEX_HOME (inside the run folder) whose provider points at the job's own
 * script on that server. The user's ~/.codex and API keys are never used.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobSpec } from '../manifest/model.js';
import { userTexts } from './request-body.js';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { createRehearsalHome, REHEARSAL_MODEL, type RehearsalHome } from './codex-home.js';
import { startModelServer, type ModelServer } from './model-server.js';
import type { Turn } from './script.js';

/** Where the run folder records each codex job's rehearsal CODEX_HOME (kept after the run, for `codex-run resume`). */
export const REHEARSAL_HOMES_FILE = 'codex-homes.json';

/** What a codex job without a `rehearsal:` script is told. */
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
    .filter((job) => job.agent === 'codex' && job.rehearsal === null)
    .map((job) => {
      const where = `${path.relative(process.cwd(), job.location.file) || job.location.file}:${job.location.line}:${job.location.col}`;
      return {
        job: job.name,
        message: `${where}: no 'rehearsal:' script: the scripted model will only reply with one message (no command run, no file changed), so this job succeeding says little; add 'rehearsal:' steps (run, patch, say) to rehearse what it will do`,
      };
    });
}

/** Where the run folder keeps what the scripted model was asked, per job. */
export const REHEARSAL_LOG_FILE = 'rehearsal.json';

/**
 * Writes `rehearsal.json` in the run folder: for each codex job, every request the model got
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
        turns: request.turns,
        userMessages: userTexts(request.body),
      })),
    ]),
  );
  await writeFile(path.join(runDir, REHEARSAL_LOG_FILE), `${JSON.stringify(log, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** A rehearsal in progress. */
export interface Rehearsal {
  readonly server: ModelServer;
  /** The codex child's environment for `job` (its private CODEX_HOME; API keys removed). */
  envFor(job: string, base: Readonly<Record<string, string>>): Record<string, string>;
  /** Stops the server (ending stalled replies), writes rehearsal.json, removes the homes; resolves with a problem to warn about, or null. */
  dispose(): Promise<string | null>;
}

/** Starts the model server and creates a home per codex job in `parentDir` (the run folder). */
export async function startRehearsal(
  jobs: readonly JobSpec[],
  options: { parentDir: string; clock: Clock; reuseHomes?: Readonly<Record<string, string>> },
): Promise<Result<Rehearsal, string>> {
  const codexJobs = jobs.filter((job) => job.agent === 'codex');
  const scripts = new Map(codexJobs.map((job) => [job.name, job.rehearsal ?? DEFAULT_REHEARSAL_SCRIPT]));
  let server: ModelServer;
  try {
    server = await startModelServer({ scripts, clock: options.clock });
  } catch (error) {
    return err(`could not start the rehearsal model server on 127.0.0.1: ${(error as Error).message}`);
  }
  const homes = new Map<string, RehearsalHome>();
  const dispose = async (): Promise<string | null> => {
    await server.close();
    let problem: string | null = null;
    try {
      await writeRequestLog(server, codexJobs, options.parentDir);
    } catch (error) {
      problem = `could not write ${REHEARSAL_LOG_FILE}: ${(error as Error).message}`;
    }
    // The homes stay in the run folder (0700) with their sessions, so `codex-run resume` can
    // continue a rehearsed job by its session id; the run folder's removal removes them.
    return problem;
  };
  try {
    for (const job of codexJobs) {
      const home = await createRehearsalHome({
        baseUrl: server.baseUrl(job.name),
        workdirs: [job.workdir],
        model: REHEARSAL_MODEL,
        parentDir: options.parentDir,
        ...(options.reuseHomes?.[job.name] !== undefined ? { existingDir: options.reuseHomes[job.name] } : {}),
      });
      homes.set(job.name, home);
    }
    const index = Object.fromEntries([...homes].map(([name, home]) => [name, home.dir]));
    await writeFile(path.join(options.parentDir, REHEARSAL_HOMES_FILE), `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    await dispose();
    return err(`could not create the rehearsal CODEX_HOME: ${(error as Error).message}`);
  }
  return ok({
    server,
    envFor(job, base) {
      const home = homes.get(job);
      return home === undefined ? { ...base } : home.childEnv(base);
    },
    dispose,
  });
}
