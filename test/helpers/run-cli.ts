import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the built CLI (bin/codex-run.js) as a user would, without a TTY. */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): { child: ChildProcess; result: Promise<CliResult>; stdout: () => string } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'codex-run.js'), ...args], {
    cwd: options.cwd,
    // GITHUB_STEP_SUMMARY cleared: test runs must not append their reports to a real CI job summary.
    env: { ...process.env, CI: 'true', NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout };
}

/** Runs the built CLI to completion, failing the test if it takes longer than the deadline. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; deadlineMs?: number },
): Promise<CliResult> {
  const { child, result } = startCli(args, options);
  const deadline = options.deadlineMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`codex-run ${args.join(' ')} did not finish within ${deadline} ms`));
    }, deadline);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
