/**
 * The command channel: a program (argv, no shell) that gets the event JSON on stdin. A try
 * succeeds when it exits 0; cancel() kills it (it is our own child, by its pid).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Channel, Try, TryResult } from './channel.js';

/** Last characters of the program's stderr kept for the failure message. */
const STDERR_TAIL = 300;

export function commandChannel(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Channel {
  return {
    kind: 'command',
    target: path.basename(argv[0] ?? 'command'),
    unavailable: () => (argv.length === 0 ? 'no program given' : null),
    send: (json) => runWithStdin(argv, json, env),
  };
}

/** Runs argv with `input` on stdin; also used by the desktop channel. */
export function runWithStdin(argv: readonly string[], input: string, env: Readonly<Record<string, string | undefined>>): Try {
  let settle!: (result: TryResult) => void;
  let settled = false;
  const done = new Promise<TryResult>((resolve) => {
    settle = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
  });
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], env: env as NodeJS.ProcessEnv });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_TAIL);
  });
  child.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, error: `cannot start ${path.basename(argv[0]!)}: ${error.code ?? error.message}` }));
  child.on('close', (code, signal) => {
    if (code === 0) settle({ ok: true });
    else settle({ ok: false, error: `${signal ?? `exit ${code}`}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}` });
  });
  // A program that does not read its stdin must not fail the write with EPIPE.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input);
  return {
    done,
    cancel: () => {
      settle({ ok: false, error: 'cancelled' });
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
