/**
 * The registry of live runs: `<runsRoot>/.live/<run-id>.json` (0600 in a 0700 folder), one
 * file per running runner, written when its control socket listens and removed when the run
 * ends. A runner killed with SIGKILL leaves its file behind: readers check the recorded
 * process (pid + start time + boot id) and treat a mismatch as a dead run, removing its
 * entry (and its socket file) so the registry heals.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic-write.js';
import { ensurePrivateDir } from '../logs/private-dir.js';
import { err, ok, type Result } from '../util/result.js';
import { isSameProcessAlive, type ProcessIdentity } from './process-identity.js';

/** The registry folder's name inside the runs root. */
export const LIVE_DIR_NAME = '.live';

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

export function liveDir(runsRoot: string): string {
  return path.join(runsRoot, LIVE_DIR_NAME);
}

function entryFile(runsRoot: string, runId: string): string {
  return path.join(liveDir(runsRoot), `${runId}.json`);
}

/** Registers a live run; returns the function that removes the entry. */
export async function registerRun(runsRoot: string, entry: LiveEntry): Promise<Result<() => Promise<void>, string>> {
  const dir = await ensurePrivateDir(liveDir(runsRoot), 'live-runs folder');
  if (!dir.ok) return err(dir.error);
  const file = entryFile(runsRoot, entry.runId);
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

/**
 * Every registered run, oldest first, each checked against its recorded process. With
 * `clean`, entries of dead runs are removed along with their socket files.
 */
export async function listRegistered(runsRoot: string, options: { clean?: boolean } = {}): Promise<FoundEntry[]> {
  let names: string[];
  try {
    names = await readdir(liveDir(runsRoot));
  } catch {
    return [];
  }
  const found: FoundEntry[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(liveDir(runsRoot), name);
    const entry = parseEntry(await readFile(file, 'utf8').catch(() => ''));
    if (entry === null) continue;
    const alive = isSameProcessAlive(entry);
    if (!alive && options.clean === true) {
      await rm(file, { force: true }).catch(() => undefined);
      await rm(entry.socket, { force: true }).catch(() => undefined);
    }
    found.push({ entry, alive });
  }
  return found;
}
