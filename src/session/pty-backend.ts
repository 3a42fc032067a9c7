/**
 * Which PTY backend runs the jobs:
 * - `native`: `codex-run-pump` (native/pump/, built at install by scripts/build-pump.mjs)
 *   owns each terminal; see pump-host.ts.
 * - `js`: node-pty inside this process (pty-host.ts), the fallback when the pump could not
 *   be built.
 * The choice is `native` when the pump binary exists and answers its probe, else `js`;
 * `CODEX_RUN_PTY=js|native` forces one, and forcing `native` without a working pump is an
 * error (never a silent fallback).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../util/result.js';
import type { PtyFactory } from './pty.js';

export type PtyBackendKind = 'native' | 'js';

export interface PtyBackend {
  kind: PtyBackendKind;
  /** The pump binary for `native`, null for `js`. */
  binary: string | null;
  /** Why this backend, for `doctor` (e.g. "CODEX_RUN_PTY=js", "the pump is not built: ..."). */
  why: string;
}

/** The environment variable that forces a backend. */
export const PTY_BACKEND_VARIABLE = 'CODEX_RUN_PTY';

/** What the pump's `--probe` prints; a different answer is a binary of another version. */
export const PUMP_PROBE_ANSWER = 'codex-run-pump 5';

/** Where the build script puts the pump: native/pump/build/ of the package (dist/src/session/ is three levels down). */
export function defaultPumpBinary(): string {
  return fileURLToPath(new URL('../../../native/pump/build/codex-run-pump', import.meta.url));
}

/** The script that builds the pump, as a full path (an installed package has it under node_modules/codex-run). */
function buildPumpScript(): string {
  return fileURLToPath(new URL('../../../scripts/build-pump.mjs', import.meta.url));
}

export interface ResolveOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** The pump binary to use; default {@link defaultPumpBinary}. */
  binary?: string;
}

const probed = new Map<string, string | null>();

/** Null when `binary` is a working pump of this version, else why not. Cached per path. */
export function probePump(binary: string): string | null {
  const cached = probed.get(binary);
  if (cached !== undefined) return cached;
  let problem: string | null;
  try {
    fs.accessSync(binary, fs.constants.X_OK);
    const answer = spawnSync(binary, ['--probe'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    problem = judgeProbe(binary, answer.error, answer.status, answer.stdout);
  } catch {
    problem = `the pump is not built (${binary} is missing; run \`node ${buildPumpScript()}\`, which needs a C compiler)`;
  }
  probed.set(binary, problem);
  return problem;
}

/** The backend to use, or why the forced one cannot be used (a located, user-facing message). */
export function resolvePtyBackend(options: ResolveOptions = {}): Result<PtyBackend, string> {
  const env = options.env ?? process.env;
  const binary = options.binary ?? defaultPumpBinary();
  const forced = env[PTY_BACKEND_VARIABLE];
  if (forced === 'js') return ok({ kind: 'js', binary: null, why: `${PTY_BACKEND_VARIABLE}=js` });
  if (forced !== undefined && forced !== '' && forced !== 'native') {
    return err(`${PTY_BACKEND_VARIABLE}=${forced} is not a PTY backend: use 'native' or 'js'`);
  }
  const problem = probePump(binary);
  if (forced === 'native') {
    return problem === null ? ok({ kind: 'native', binary, why: `${PTY_BACKEND_VARIABLE}=native` }) : err(`${PTY_BACKEND_VARIABLE}=native, but ${problem}`);
  }
  return problem === null
    ? ok({ kind: 'native', binary, why: `the pump is built (${binary})` })
    : ok({ kind: 'js', binary: null, why: `falling back to node-pty: ${problem}` });
}

/**
 * The factory for a resolved backend (loads only that backend's module). `spawner`: the native
 * pumps are started by one spawner process (pump-spawner.ts), for a runner; their pids are
 * then known only once {@link PtyProcess.started} resolved.
 */
export async function ptyFactoryFor(backend: PtyBackend, options: { spawner?: boolean } = {}): Promise<PtyFactory> {
  if (backend.kind === 'native' && backend.binary !== null) {
    const { createPumpFactory } = await import('./pump-host.js');
    return createPumpFactory({ binary: backend.binary, spawner: options.spawner === true });
  }
  return (await import('./pty-host.js')).nodePtyFactory;
}

function judgeProbe(binary: string, error: Error | undefined, status: number | null, stdout: string): string | null {
  if (error !== undefined) return `${binary} does not run: ${error.message}`;
  return status === 0 && stdout.trim() === PUMP_PROBE_ANSWER ? null : `${binary} is not a codex-run-pump of this version (answered ${JSON.stringify(stdout.trim())}; expected ${JSON.stringify(PUMP_PROBE_ANSWER)}); rebuild it with \`node ${buildPumpScript()}\``;
}

/**
 * Probes the pump in a child process without blocking, filling the cache {@link probePump}
 * reads: `codex-run run` starts it before loading the run's modules, so the probe (a fork and
 * an exec, 2-15 ms on a loaded machine) overlaps that work instead of delaying run-started.
 * Resolves when the answer is cached (never rejects); a probe still running when
 * {@link resolvePtyBackend} is called is simply made again, synchronously.
 */
export function probePumpInBackground(options: ResolveOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const binary = options.binary ?? defaultPumpBinary();
  if (env[PTY_BACKEND_VARIABLE] === 'js' || probed.has(binary)) return Promise.resolve();
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    return Promise.resolve(); // probePump says why, without a child
  }
  // Only a probe that ran to a plain exit is cached; anything odder (it could not start, it hung,
  // a signal ended it) is left to probePump, which then says why exactly as it always has.
  return new Promise((resolve) => {
    const child = spawn(binary, ['--probe'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', () => resolve());
    child.once('close', (status) => {
      if (status !== null && !probed.has(binary)) probed.set(binary, judgeProbe(binary, undefined, status, stdout));
      resolve();
    });
  });
}
