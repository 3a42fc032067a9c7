/**
 * Where a run's control socket lives: `<run folder>/control.sock`, private because the run
 * folder is 0700. A Unix socket path must fit in 108 bytes (sun_path); a run folder deep
 * enough to exceed that gets its socket in a private per-user folder under the temporary
 * directory instead (`<tmp>/codex-run-<uid>/<run-id>.sock`, 0700 and owned by the user,
 * checked), and the registry records the path either way.
 */
import { lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePrivateDir } from '../logs/private-dir.js';
import { err, ok, type Result } from '../util/result.js';

export const SOCKET_FILE_NAME = 'control.sock';

/** sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 100;

/** The socket path for a run folder, creating the fallback folder when needed. */
export async function socketPathFor(runDir: string, runId: string): Promise<Result<string, string>> {
  const inRun = path.join(runDir, SOCKET_FILE_NAME);
  if (Buffer.byteLength(inRun) <= MAX_SOCKET_PATH_BYTES) return ok(inRun);
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(tmpdir(), `codex-run-${uid}`);
  const made = await ensurePrivateDir(dir, 'socket folder');
  if (!made.ok) return err(made.error);
  try {
    const st = await lstat(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return err(`${dir} is not a private folder of this user; cannot place the control socket there`);
  } catch (e: unknown) {
    return err(`cannot check ${dir}: ${String(e)}`);
  }
  const fallback = path.join(dir, `${runId}.sock`);
  if (Buffer.byteLength(fallback) > MAX_SOCKET_PATH_BYTES) return err(`the control socket path ${fallback} is too long`);
  return ok(fallback);
}
