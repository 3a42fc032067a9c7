/**
 * The run folder: `<runsRoot>/<run-id>/`, private to the user (0700) because logs can hold
 * secrets an agent printed. Run ids sort by start time and never collide, even between
 * runners started in the same millisecond.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { describeFsError, errorCode } from './fs-error.js';
import { makeDirs } from '../util/make-dirs.js';

/** Mode of the runs root and of every run folder. */
export const RUN_FOLDER_MODE = 0o700;

/** A freshly created, empty run folder. */
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
}

// Enough to get past any realistic burst of same-millisecond runners from the same pid.
const MAX_ATTEMPTS = 100;

/** Creates the runs root (and missing parents) and a new run folder inside it, all 0700. */
export async function createRunFolder(
  runsRoot: string,
  clock: Clock,
  options: RunFolderOptions = {},
): Promise<Result<RunFolder, string>> {
  const root = path.resolve(runsRoot);
  const rootReady = await ensurePrivateDir(root);
  if (!rootReady.ok) return rootReady;

  const pid = options.pid ?? process.pid;
  const randomHex = options.randomHex ?? (() => randomBytes(2).toString('hex'));
  const stamp = formatRunStamp(clock.now());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const runId = `${stamp}-${pid}-${randomHex()}`;
    const dir = path.join(root, runId);
    try {
      // Non-recursive on purpose: EEXIST is how two runners learn they picked the same id.
      await mkdir(dir, { mode: RUN_FOLDER_MODE });
    } catch (e: unknown) {
      if (errorCode(e) === 'EEXIST') continue;
      return err(`cannot create run folder ${dir}: ${describeFsError(e)}`);
    }
    try {
      await chmod(dir, RUN_FOLDER_MODE);
    } catch (e: unknown) {
      return err(`cannot make run folder ${dir} private: ${describeFsError(e)}`);
    }
    return ok({ runId, dir });
  }
  return err(`cannot create a run folder in ${root}: ${MAX_ATTEMPTS} names in a row already existed`);
}

/** `Date.toISOString()` without `-` and `:`, so it is a valid file name that sorts by time. */
export function formatRunStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

// mkdir's mode is filtered by the umask, so every folder this creates is chmod-ed explicitly.
async function ensurePrivateDir(dir: string): Promise<Result<void, string>> {
  let firstCreated: string | undefined;
  try {
    firstCreated = await makeDirs(dir, RUN_FOLDER_MODE);
  } catch (e: unknown) {
    return err(`cannot create runs folder ${dir}: ${describeFsError(e)}`);
  }
  const toChmod = [dir];
  if (firstCreated !== undefined) {
    for (let d = path.dirname(dir); d.length >= firstCreated.length && d !== path.dirname(d); d = path.dirname(d)) {
      toChmod.push(d);
    }
  }
  for (const d of toChmod) {
    try {
      await chmod(d, RUN_FOLDER_MODE);
    } catch (e: unknown) {
      return err(`cannot make runs folder ${d} private: ${describeFsError(e)}`);
    }
  }
  return ok(undefined);
}
