/**
 * Background runs (`codex-run start`, `--detach`): the starter spawns the runner as a new
 * process in its own session (setsid, through spawn's `detached`), with stdin and stdout on
 * /dev/null, stderr on a pipe and an IPC channel. The runner says `started` with its run id
 * and folder over IPC once the run folder exists and its control socket listens, then
 * disconnects; the starter prints that and exits 0, leaving the runner alone. If the runner
 * exits first (a bad manifest), the starter relays its stderr and exit code.
 *
 *   spawned ──'started' message──▶ detached (starter exits 0)
 *      └──runner exits──▶ failed (starter relays stderr, exits with the runner's code)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry point (bin/codex-run.js) that background runners are started with. */
export function codexRunBin(): string {
  // Compiled to dist/src/control/: three levels below the package root.
  return fileURLToPath(new URL('../../../bin/codex-run.js', import.meta.url));
}

/** Set in the runner's environment by the starter. */
export const DETACHED_ENV = 'CODEX_RUN_DETACHED';

/** The runner's message to its starter. */
export interface StartedMessage {
  type: 'started';
  runId: string;
  runDir: string;
  pid: number;
}

export type DetachOutcome =
  | { kind: 'started'; message: StartedMessage }
  | { kind: 'failed'; exitCode: number; stderr: string }
  | { kind: 'timeout'; pid: number | null; stderr: string };

/** How long the starter waits for the runner to say it started. */
const START_TIMEOUT_MS = 60_000;

/** Spawns `node <script> ...args` detached and waits until it has started its run (or failed). */
export function startDetached(script: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<DetachOutcome> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { ...options.env, [DETACHED_ENV]: '1' },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: DetachOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Let the runner go: nothing of it keeps the starter's event loop alive.
      child.stderr?.destroy();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', pid: child.pid ?? null, stderr }), START_TIMEOUT_MS);
    child.on('message', (message: unknown) => {
      const m = message as Partial<StartedMessage>;
      if (m.type === 'started' && typeof m.runId === 'string' && typeof m.runDir === 'string') {
        settle({ kind: 'started', message: { type: 'started', runId: m.runId, runDir: m.runDir, pid: child.pid ?? 0 } });
      }
    });
    child.on('error', (e) => settle({ kind: 'failed', exitCode: 1, stderr: `${stderr}codex-run: error: cannot start the background runner: ${e.message}\n` }));
    child.on('exit', (code, signal) => {
      // stderr may still hold the diagnostics: wait for it to end.
      const finish = (): void => settle({ kind: 'failed', exitCode: code ?? (signal !== null ? 1 : 1), stderr });
      if (child.stderr === null || child.stderr.readableEnded) finish();
      else child.stderr.once('end', finish);
    });
  });
}

/** In the runner: whether it was started detached, with a channel to its starter. */
export function isDetachedRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DETACHED_ENV] === '1' && typeof process.send === 'function';
}

/** In the runner: tells the starter the run started, then lets go of the channel. */
export function announceStarted(runId: string, runDir: string): void {
  if (typeof process.send !== 'function') return;
  process.send({ type: 'started', runId, runDir, pid: process.pid } satisfies StartedMessage, () => {
    if (process.connected) process.disconnect();
  });
}
