import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './paths.js';

/** The slice of node-pty's public API these tests use (node-pty is imported directly only here and in src/session/pty-host.ts). */
interface Terminal {
  readonly pid: number;
  onData(listener: (data: string) => void): void;
  onExit(listener: (exit: { exitCode: number; signal?: number }) => void): void;
  /** Closes the master side (the terminal goes away, as on an ssh drop) and sends SIGHUP. */
  destroy(): void;
  kill(signal?: string): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
}

interface NodePty {
  spawn(file: string, args: string[], options: { cols: number; rows: number; cwd: string; env: Record<string, string>; name?: string }): Terminal;
}

/** The built CLI running in a real terminal, as a person at a keyboard runs it. */
export interface CliInTerminal {
  readonly pid: number;
  /** Everything the CLI drew so far. */
  output(): string;
  /** Resolves when the CLI exits: its exit code, and the signal that ended it (0 for none). */
  readonly exited: Promise<{ exitCode: number; signal: number }>;
  /** Closes the terminal under the CLI (the master side), which hangs it up: SIGHUP, then EIO on writes. */
  hangUp(): void;
  /** Types into the terminal, as a person at the keyboard. */
  write(data: string): void;
  /** Resizes the terminal, as a person dragging its window (the CLI gets SIGWINCH). */
  resize(cols: number, rows: number): void;
}

/** Starts bin/codex-run.js in a new pseudo-terminal (rich display: no CI variable). */
export function startCliInTerminal(args: string[], options: { cwd: string; env?: Record<string, string> }): CliInTerminal {
  return startInTerminal([path.join(repoRoot, 'bin', 'codex-run.js'), ...args], options);
}

/** Starts `node <args>` in a new pseudo-terminal whose stdin, stdout and stderr are that terminal. */
export function startInTerminal(args: string[], options: { cwd: string; env?: Record<string, string> }): CliInTerminal {
  const require = createRequire(import.meta.url);
  const pty = require('node-pty') as NodePty;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'CI' && key !== 'GITHUB_STEP_SUMMARY') env[key] = value;
  const term = pty.spawn(process.execPath, args, {
    cols: 100,
    rows: 30,
    cwd: options.cwd,
    name: 'xterm-256color',
    env: { ...env, TERM: 'xterm-256color', NO_COLOR: '1', ...options.env },
  });
  let output = '';
  term.onData((data) => (output += data));
  const exited = new Promise<{ exitCode: number; signal: number }>((resolve) => {
    term.onExit(({ exitCode, signal }) => resolve({ exitCode, signal: signal ?? 0 }));
  });
  return { pid: term.pid, output: () => output, exited, hangUp: () => term.destroy(), write: (data) => term.write(data), resize: (cols, rows) => term.resize(cols, rows) };
}
