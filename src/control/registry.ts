/**
 * The registry of live runs: each live run's folder holds `live.json` (0600, the folder is
 * 0700) with the runner's pid, process start time, boot id and control socket path, written
 * once its socket listens and removed when the run ends. The runs root itself gets nothing
 * new, so tools and tests that list it see only run folders. Listing live runs reads the
 * run folders' `live.json` files.
 *
 * A runner killed with SIGKILL leaves its entry behind: readers check the recorded process
 * (pid + start time + boot id; a reused pid has another start time) and treat a mismatch as
 * a dead run; with `clean` its entry and socket file are removed so the registry heals.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic-write.js';
import { err, ok, type Result } from '../util/result.js';
import { isSameProcessAlive, type ProcessIdentity } from './process-identity.js';
import { listRunIds } from './run-ids.js';

/** The registry entry's file name inside a run folder. */
export const LIVE_FILE_NAME = 'live.json';

/** One live run as registered. */
export interface LiveEntry extends ProcessIdentity {
  v: 1;
  runId: string;
  runDir: string;
  manifest: string;
  /** Absolute path of the run's control socket. */
  socket: string;
  /** Epoch ms. */
  startedAt: number;
}

/** A registered run as a reader finds it. */
export interface FoundEntry {
  entry: LiveEntry;
  /** False: the recorded runner is gone (killed, crashed) and its entry was stale. */
  alive: boolean;
}

/** Registers a live run; returns the function that removes the entry. */
export async function registerRun(entry: LiveEntry): Promise<Result<() => Promise<void>, string>> {
  const file = path.join(entry.runDir, LIVE_FILE_NAME);
  const written = await writeFileAtomic(file, `${JSON.stringify(entry)}\n`);
  if (!written.ok) return err(written.error);
  return ok(() => rm(file, { force: true }).catch(() => undefined));
}

function parseEntry(text: string): LiveEntry | null {
  try {
    const v = JSON.parse(text) as Partial<LiveEntry>;
    if (v.v !== 1 || typeof v.runId !== 'string' || typeof v.socket !== 'string' || typeof v.pid !== 'number' || typeof v.runDir !== 'string') return null;
    return {
      v: 1,
      runId: v.runId,
      runDir: v.runDir,
      manifest: typeof v.manifest === 'string' ? v.manifest : '',
      socket: v.socket,
      startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0,
      pid: v.pid,
      startTime: typeof v.startTime === 'string' ? v.startTime : null,
      bootId: typeof v.bootId === 'string' ? v.bootId : null,
    };
  } catch {
    return null;
  }
}

/** The registry entry of one run folder, checked against its recorded process; null when it has none. */
export async function readRegistered(runDir: string, options: { clean?: boolean } = {}): Promise<FoundEntry | null> {
  const file = path.join(runDir, LIVE_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const entry = parseEntry(text);
  if (entry === null) return null;
  const alive = isSameProcessAlive(entry);
  if (!alive && options.clean === true) {
    await rm(file, { force: true }).catch(() => undefined);
    await rm(entry.socket, { force: true }).catch(() => undefined);
  }
  return { entry, alive };
}

/** Every registered run in the runs root, oldest first. With `clean`, entries of dead runs are removed. */
export async function listRegistered(runsRoot: string, options: { clean?: boolean } = {}): Promise<FoundEntry[]> {
  const found: FoundEntry[] = [];
  for (const runId of await listRunIds(runsRoot)) {
    const entry = await readRegistered(path.join(runsRoot, runId), options);
    if (entry !== null) found.push(entry);
  }
  return found;
}
