/**
 * The one owner of the `git` program: every git call in codex-run goes through {@link git} (or
 * {@link gitToFile}), with argv (never a shell), and returns a value, never throws.
 *
 * Safety for running git in a user's repository on their behalf:
 * - `core.hooksPath=/dev/null`: codex-run's own operations (worktree add, commit) run none of
 *   the user's hooks (a post-checkout hook per worktree, a pre-commit that formats the tree);
 * - `core.fsmonitor=false`: no fsmonitor daemon or hook program is started by a status or add;
 * - the caller's GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, ... are dropped (codex-run started from a
 *   git hook must not act on that hook's repository), GIT_TERMINAL_PROMPT=0 and LC_ALL=C (messages
 *   are parsed and quoted, never localised).
 */
import { execFile, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { err, ok, type Result } from '../util/result.js';

/** Why a git call failed: git is missing, or it exited non-zero (with its stderr). */
export interface GitError {
  reason: 'git-missing' | 'git-failed';
  /** `git worktree add ...: fatal: ...`, one line, for reports. */
  message: string;
  exitCode: number | null;
}

export interface GitCall {
  cwd: string;
  /** Variables on top of the cleaned environment (GIT_INDEX_FILE for a temporary index, identities). */
  env?: Record<string, string>;
  /** Bytes for git's stdin. */
  input?: string;
}

/** Config every call gets (see the module comment). */
const SAFETY_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.quotePath=false'];

/** Variables that would point git at another repository, index or config than the one asked for. */
const DROPPED_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX'];

/** Largest output read into memory (a patch goes to a file instead: {@link gitToFile}). */
const MAX_BUFFER = 64 * 1024 * 1024;

function gitEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !DROPPED_VARIABLES.includes(key)) env[key] = value;
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

function describe(args: readonly string[], stderr: string, fallback: string): string {
  const said = stderr.trim().split('\n').filter((line) => line.trim() !== '').slice(-2).join(' / ');
  return `git ${args.slice(0, 2).join(' ')}: ${said === '' ? fallback : said}`;
}

/** Runs `git <args>` in `call.cwd`; resolves with its stdout as bytes. */
export function git(args: readonly string[], call: GitCall): Promise<Result<Buffer, GitError>> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      [...SAFETY_CONFIG, ...args],
      { cwd: call.cwd, env: gitEnv(call.env), encoding: 'buffer', maxBuffer: MAX_BUFFER, windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) return resolve(ok(stdout));
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && (error as { path?: string }).path === 'git') {
          return resolve(err({ reason: 'git-missing', message: 'git is not installed (no `git` on PATH)', exitCode: null }));
        }
        const exitCode = typeof code === 'number' ? code : null;
        resolve(err({ reason: 'git-failed', message: describe(args, stderr.toString('utf8'), error.message), exitCode }));
      },
    );
    if (call.input !== undefined) child.stdin?.end(call.input);
  });
}

/** `git <args>` with its stdout as text, the final newline removed. */
export async function gitText(args: readonly string[], call: GitCall): Promise<Result<string, GitError>> {
  const out = await git(args, call);
  return out.ok ? ok(out.value.toString('utf8').replace(/\n$/, '')) : out;
}

/** Runs `git <args>` with its stdout written to a new file (0600, exclusive): patches can be large. */
export async function gitToFile(args: readonly string[], call: GitCall, file: string): Promise<Result<void, GitError>> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    return err({ reason: 'git-failed', message: `cannot create ${file}: ${(error as Error).message}`, exitCode: null });
  }
  try {
    return await new Promise((resolve) => {
      const child = spawn('git', [...SAFETY_CONFIG, ...args], { cwd: call.cwd, env: gitEnv(call.env), stdio: ['ignore', handle.fd, 'pipe'] });
      const stderr: Buffer[] = [];
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) =>
        resolve(err({ reason: error.code === 'ENOENT' ? 'git-missing' : 'git-failed', message: `git: ${error.message}`, exitCode: null })),
      );
      child.on('close', (code) => {
        if (code === 0) resolve(ok(undefined));
        else resolve(err({ reason: 'git-failed', message: describe(args, Buffer.concat(stderr).toString('utf8'), `exit ${code}`), exitCode: code }));
      });
    });
  } finally {
    await handle.close();
  }
}
