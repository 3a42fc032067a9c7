/**
 * What a run folder carries so a job's agent session can be continued on another machine
 * (`codex-run resume --from`): per job, a `<job>.agent/` folder (0700) beside its log with
 *
 *   handoff.json     this record (0600)
 *   sessions/...     the agent's own session files (exportSession of its adapter; no secrets)
 *   workdir.patch    the job's work tree against the commit it started from (`git apply`-able)
 *
 * rewritten after every attempt of a job that has a session id, so a shard stopped at any
 * point leaves the latest state.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';

/** The suffix of a job's hand-off folder: `<job file base>.agent`. */
export const HANDOFF_DIR_SUFFIX = '.agent';
export const HANDOFF_FILE = 'handoff.json';
export const PATCH_FILE = 'workdir.patch';

/** The record in `handoff.json`. */
export interface Handoff {
  version: 1;
  job: string;
  agent: string;
  runId: string;
  sessionId: string;
  /** When it was written (ISO); the newest wins when a folder holds several for a job. */
  exportedAt: string;
  /** The run was a rehearsal (`--rehearse`): the session lived in a private home and talked to the scripted model, so it is resumed the same way. */
  rehearsal: boolean;
  /** The session files, relative to the hand-off folder ('/'-separated). */
  sessionFiles: string[];
  /** The job's repository state; null when its folder is in no git repository. */
  workdir: {
    /** The commit the job started from: a checkout elsewhere must be at it. */
    base: string;
    /** The job's folder inside its repository ('' for the top). */
    relative: string;
    /** The patch file in the hand-off folder. */
    patch: string;
    /** Where the job ran, for messages only. */
    path: string;
  } | null;
}

/** A hand-off found on disk: its folder (and the run folder it is in) and its record. */
export interface FoundHandoff {
  dir: string;
  runDir: string;
  handoff: Handoff;
}

/** How deep below the given folder hand-offs are looked for (a merged folder, a downloaded artifacts tree: shards/<artifact>/<run>/<job>.agent). */
const MAX_DEPTH = 5;

function isHandoff(value: unknown): value is Handoff {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v['version'] === 1 && typeof v['job'] === 'string' && typeof v['sessionId'] === 'string' && Array.isArray(v['sessionFiles']) && typeof v['exportedAt'] === 'string' && typeof v['rehearsal'] === 'boolean';
}

/**
 * The hand-off of `job` under `folder` (a shard's output, a run folder, a merged folder or any
 * folder above them), the newest when there are several (a rerun); an error naming what was found otherwise.
 */
export async function findHandoff(folder: string, job: string): Promise<Result<FoundHandoff, string>> {
  try {
    if (!(await stat(folder)).isDirectory()) return err(`${folder} is not a folder`);
  } catch {
    return err(`${folder} does not exist`);
  }
  const found: FoundHandoff[] = [];
  const others = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = path.join(dir, entry.name);
      if (entry.name.endsWith(HANDOFF_DIR_SUFFIX)) {
        const record = await readFile(path.join(child, HANDOFF_FILE), 'utf8').then((t) => JSON.parse(t) as unknown).catch(() => null);
        if (isHandoff(record)) {
          if (record.job === job) found.push({ dir: child, runDir: dir, handoff: record });
          else others.add(record.job);
        }
        continue;
      }
      // A rehearsal's private agent home and a job's worktree hold no hand-offs.
      if (depth < MAX_DEPTH && !entry.name.startsWith('codex-home-') && entry.name !== 'worktrees') await walk(child, depth + 1);
    }
  };
  await walk(folder, 0);
  if (found.length === 0) {
    const seen = [...others].sort();
    return err(`no hand-off of job "${job}" under ${folder}${seen.length > 0 ? ` (found: ${seen.join(', ')})` : ' (no <job>.agent/handoff.json at all: was it a run of this codex-run, and did the job report a session id?)'}`);
  }
  found.sort((a, b) => a.handoff.exportedAt.localeCompare(b.handoff.exportedAt));
  return ok(found.at(-1)!);
}
