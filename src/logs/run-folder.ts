/**
 * The run folder: `<runsRoot>/<run-id>/`, private to the user (0700) because logs can hold
 * secrets an agent printed. Run ids sort by start time and never collide, even between
 * runners started in the same millisecond.
 *
 * A run folder never appears without its first report: it is made under a hidden temporary
 * name in the same parent (`.<run-id>.partial`), filled by the caller's `prepare` (which
 * writes report.json), then renamed to its final name. A runner killed at any moment leaves
 * either a complete run folder or a hidden partial one, never a run folder with no report.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { describeFsError, errorCode } from './fs-error.js';
import { ensurePrivateDir, PRIVATE_DIR_MODE } from './private-dir.js';

/** Mode of the runs root (when codex-run creates it) and of every run folder. */
export const RUN_FOLDER_MODE = PRIVATE_DIR_MODE;

/** A freshly created run folder (empty, or holding what `prepare` wrote). */
export interface RunFolder {
  /** e.g. `20261123T213705.123Z-4242-9f3a`: lexical order is start-time order. */
  runId: string;
  /** Absolute path of the folder. */
  dir: string;
}

/** Seams for tests; production code passes none. */
export interface RunFolderOptions {
  pid?: number;
  /** Four lowercase hex digits; random by default. */
  randomHex?: () => string;
  /**
   * Fills the folder while it still has its temporary name (`dir`); `finalDir` is where it
   * will be. An error leaves nothing behind and is returned.
   */
  prepare?: (dir: string, folder: RunFolder) => Promise<Result<void, string>>;
}

// Enough to get past any realistic burst of same-millisecond runners from the same pid.
const MAX_ATTEMPTS = 100;

/** The hidden name a run folder has until its first report is in it. */
export function partialRunFolderName(runId: string): string {
  return `.${runId}.partial`;
}

/** Creates the runs root (and missing parents) and a new run folder inside it, all 0700. */
export async function createRunFolder(
  runsRoot: string,
  clock: Clock,
  options: RunFolderOptions = {},
): Promise<Result<RunFolder, string>> {
  const root = path.resolve(runsRoot);
  const rootReady = await ensurePrivateDir(root, 'runs folder');
  if (!rootReady.ok) return rootReady;

  const pid = options.pid ?? process.pid;
  const randomHex = options.randomHex ?? (() => randomBytes(2).toString('hex'));
  const stamp = formatRunStamp(clock.now());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const runId = `${stamp}-${pid}-${randomHex()}`;
    const dir = path.join(root, runId);
    if (await exists(dir)) continue;
    const partial = path.join(root, partialRunFolderName(runId));
    try {
      // Non-recursive on purpose: EEXIST is how two runners learn they picked the same id.
      await mkdir(partial, { mode: RUN_FOLDER_MODE });
    } catch (e: unknown) {
      if (errorCode(e) === 'EEXIST') continue;
      return err(`cannot create run folder ${dir}: ${describeFsError(e)}`);
    }
    const fail = async (message: string): Promise<Result<RunFolder, string>> => {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      return err(message);
    };
    try {
      await chmod(partial, RUN_FOLDER_MODE);
    } catch (e: unknown) {
      return fail(`cannot make run folder ${dir} private: ${describeFsError(e)}`);
    }
    const folder = { runId, dir };
    if (options.prepare !== undefined) {
      const prepared = await options.prepare(partial, folder);
      if (!prepared.ok) return fail(prepared.error);
    }
    // The partial name is ours alone and the final name was free a moment ago; a runner that
    // took it meanwhile has a non-empty folder there, which rename refuses (ENOTEMPTY/EEXIST).
    try {
      if (await exists(dir)) {
        await rm(partial, { recursive: true, force: true });
        continue;
      }
      await rename(partial, dir);
    } catch (e: unknown) {
      const code = errorCode(e);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        await rm(partial, { recursive: true, force: true }).catch(() => undefined);
        continue;
      }
      return fail(`cannot create run folder ${dir}: ${describeFsError(e)}`);
    }
    return ok(folder);
  }
  return err(`cannot create a run folder in ${root}: ${MAX_ATTEMPTS} names in a row already existed`);
}

/** `Date.toISOString()` without `-` and `:`, so it is a valid file name that sorts by time. */
export function formatRunStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}
