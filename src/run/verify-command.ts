/**
 * A job's `verify` command: run after an agent turn that ended well, in the job's folder, as
 * its own process without a terminal (argv via spawn, no shell unless the user wrote a string,
 * which the manifest already turned into `/bin/sh -c`). Its output (stdout and stderr
 * interleaved) goes to `<job>.verify-<n>.log` in the run folder, created 0600. It runs in its
 * own process group, so a time-out kills the whole group (TERM, then KILL after a grace).
 *
 *   running ──exit──▶ done
 *      │ timeout
 *      ▼
 *   terminating (TERM to the group) ──exit──▶ done
 *      │ grace over
 *      ▼
 *   killing (KILL to the group) ──exit──▶ done
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { VerifySpec } from '../manifest/completion-fields.js';
import { openSecureFile } from '../logs/secure-file.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/** How one verify run ended. */
export interface VerifyOutcome {
  /** Exit code, or null when it was killed or could not start. */
  exitCode: number | null;
  passed: boolean;
  /** The log file's path relative to the run folder. */
  logFile: string;
  /** The end of its output (at most {@link TAIL_LINES} lines, {@link TAIL_CHARS} characters). */
  tail: string;
  /** Why it did not pass besides its exit code: a time-out or a start failure. */
  problem: string | null;
}

export const TAIL_LINES = 40;
export const TAIL_CHARS = 4000;
const KILL_GRACE_MS = 2000;

export interface VerifyRunOptions {
  verify: VerifySpec;
  cwd: string;
  env: Record<string, string>;
  /** Absolute path of the log file to create. */
  logPath: string;
  /** `logPath` relative to the run folder, for the report. */
  logFile: string;
  clock: Clock;
}

type VerifyState =
  | { kind: 'running'; timer: TimerHandle }
  | { kind: 'terminating'; timer: TimerHandle }
  | { kind: 'killing' }
  | { kind: 'done' };

/** Runs the verify command once; never rejects (a start failure is a failed run with a problem). */
export async function runVerify(o: VerifyRunOptions): Promise<VerifyOutcome> {
  const opened = await openSecureFile(o.logPath);
  if (!opened.ok) return { exitCode: null, passed: false, logFile: o.logFile, tail: '', problem: opened.error };
  const fd = opened.value;
  const [file, ...args] = o.verify.command;
  if (file === undefined) throw new Error('Internal error: empty verify command');
  const ended = await new Promise<{ code: number | null; problem: string | null }>((resolve) => {
    let state: VerifyState;
    let problem: string | null = null;
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', fd, fd], detached: true });
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const onTimeout = (): void => {
      const s = state;
      switch (s.kind) {
        case 'running':
          problem = `verify timed out after ${Math.round(o.verify.timeoutMs / 1000)}s; its process group was stopped`;
          signalGroup('SIGTERM');
          state = { kind: 'terminating', timer: o.clock.setTimeout(onTimeout, KILL_GRACE_MS) };
          return;
        case 'terminating':
          signalGroup('SIGKILL');
          state = { kind: 'killing' };
          return;
        case 'killing':
        case 'done':
          return;
        default:
          unreachable(s);
      }
    };
    state = { kind: 'running', timer: o.clock.setTimeout(onTimeout, o.verify.timeoutMs) };
    const finish = (code: number | null, why: string | null): void => {
      if (state.kind === 'done') return;
      if (state.kind === 'running' || state.kind === 'terminating') o.clock.clearTimeout(state.timer);
      state = { kind: 'done' };
      // Whatever the command left running in its group goes with it.
      signalGroup('SIGKILL');
      resolve({ code, problem: problem ?? why });
    };
    child.on('error', (error) => finish(null, `verify could not start ${JSON.stringify(file)}: ${error.message}`));
    child.on('exit', (code, signal) => finish(code, signal === null ? null : `verify was killed by ${signal}`));
  });
  fs.closeSync(fd);
  const tail = await readTail(o.logPath);
  const passed = ended.code === 0 && ended.problem === null;
  return { exitCode: ended.code, passed, logFile: o.logFile, tail, problem: ended.problem };
}

// The last lines of the log, bounded in characters too (a single huge line stays bounded).
async function readTail(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return '';
  }
  const lines = text.replace(/\s+$/, '').split('\n');
  const last = lines.slice(-TAIL_LINES).join('\n');
  return last.length > TAIL_CHARS ? `…${last.slice(-(TAIL_CHARS - 1))}` : last;
}
