import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';
import { repoRoot } from './paths.js';
import { killTree } from './kill-tree.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Every CLI a test started and that has not closed yet: killed with its whole tree when the
// test ends (pass or fail) and, as a last resort, when the test process exits.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) killCli(child);
});
// The test runner stops a file that overran its --test-timeout with SIGTERM, which skips 'exit'
// handlers: kill what is still running first, then end as SIGTERM would have.
process.once('SIGTERM', () => {
  for (const child of running) killCli(child);
  process.exit(143);
});

/** Kills a CLI started by {@link startCli} and everything it started (its descendants and its process group). */
export function killCli(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  killTree(child.pid);
}

/**
 * Starts the built CLI (bin/codex-run.js) as a user would, without a TTY. It runs in its own
 * process group (detached), and is killed with every process below it when the calling test
 * ends, so a failing or timed-out test never leaves a run behind nor hangs the suite.
 */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): { child: ChildProcess; result: Promise<CliResult>; stdout: () => string } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'codex-run.js'), ...args], {
    cwd: options.cwd,
    // GITHUB_STEP_SUMMARY cleared: test runs must not append their reports to a real CI job summary.
    env: { ...process.env, CI: 'true', NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  after(() => killCli(child));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.on('exit', () => running.delete(child));
  return { child, result, stdout: () => stdout };
}

/**
 * Resolves with `promise`, or rejects once `deadlineMs` passes (calling `onTimeout` first).
 * The timer is always cleared, so nothing fires after the test has moved on.
 */
export async function within<T>(promise: Promise<T>, deadlineMs: number, what: () => string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what()} (deadline ${deadlineMs} ms)`));
    }, deadlineMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the built CLI to completion; past the deadline it kills the CLI's whole tree and fails the test. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; deadlineMs?: number },
): Promise<CliResult> {
  const { child, result } = startCli(args, options);
  const deadline = options.deadlineMs ?? 30_000;
  return within(result, deadline, () => `codex-run ${args.join(' ')} did not finish`, () => killCli(child));
}
