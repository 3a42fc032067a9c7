/**
 * The open-file budget of a run: how many jobs fit at once under the runner's open-file limit
 * (`ulimit -n`). Every running job holds a few descriptors in the runner (its log, transcript and
 * timing files, plus its terminal: three pump sockets on the native backend, the PTY master and
 * slave with CODEX_RUN_PTY=js). `concurrency: 100` under `ulimit -n 256` would run out of them a
 * third of the way in; instead the run starts fewer jobs at once (the rest queue as usual) and
 * says so once. Linux only (/proc/self); elsewhere the run keeps its concurrency.
 */
import fs from 'node:fs';
import type { PtyBackendKind } from '../session/pty-backend.js';

/**
 * Descriptors one running job holds in the runner, by PTY backend: what a running job was
 * measured to hold (native 6: 3 sockets + 3 files; js 5: ptmx + pts + 3 files) plus 2 for
 * what a job opens for a moment (spawn pipes, its workspace snapshot, /proc reads).
 * test/integration/fd-budget.test.ts checks them against a real run. `injected`: a PTY factory
 * handed in by a library caller (tests), counted as the larger.
 */
export const FDS_PER_JOB: Readonly<Record<PtyBackendKind | 'injected', number>> = { native: 8, js: 7, injected: 8 };

/**
 * Descriptors kept free for the runner itself (reports, notifications, the control socket, git
 * and /proc reads): 32, or a quarter of a smaller limit (a limit of 64 keeps 16).
 */
export const FD_HEADROOM = 32;

function headroom(limit: number): number {
  return Math.min(FD_HEADROOM, Math.floor(limit / 4));
}

/** The runner's open-file numbers, read at run start. */
export interface FdUsage {
  /** The soft limit (`ulimit -n`), or null when unlimited. */
  limit: number | null;
  /** Descriptors open now. */
  open: number;
}

/** How many jobs run at once, and the one warning when fewer than asked. */
export interface FdBudget {
  requested: number;
  effective: number;
  /** Null when the requested concurrency fits. */
  warning: string | null;
}

/** The soft "Max open files" and the open descriptors of this process; null off Linux or when /proc cannot be read. */
export function readFdUsage(procSelf = '/proc/self'): FdUsage | null {
  try {
    const limits = fs.readFileSync(`${procSelf}/limits`, 'utf8');
    const limit = parseOpenFileLimit(limits);
    if (limit === undefined) return null;
    // readdirSync opens the folder itself for the listing: not counted.
    const open = Math.max(0, fs.readdirSync(`${procSelf}/fd`).length - 1);
    return { limit, open };
  } catch {
    return null;
  }
}

/** The soft limit from /proc/<pid>/limits text: a number, null for "unlimited", undefined when the line is missing. */
export function parseOpenFileLimit(limits: string): number | null | undefined {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (line === null) return undefined;
  const soft = line[1] ?? '';
  if (soft === 'unlimited') return null;
  const n = Number(soft);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The concurrency that fits `usage`: at most `requested`, at least 1. */
export function fitConcurrency(requested: number, usage: FdUsage | null, perJob: number): FdBudget {
  if (usage === null || usage.limit === null) return { requested, effective: requested, warning: null };
  const free = usage.limit - usage.open - headroom(usage.limit);
  const fits = Math.max(1, Math.floor(free / perJob));
  if (fits >= requested) return { requested, effective: requested, warning: null };
  // Enough for the requested jobs, rounded up to a power of two people type.
  const wanted = usage.open + FD_HEADROOM + requested * perJob;
  const advice = 2 ** Math.ceil(Math.log2(Math.max(wanted, 1024)));
  return {
    requested,
    effective: fits,
    warning:
      `concurrency ${requested} lowered to ${fits}: the open-file limit is ${usage.limit} (ulimit -n) and each running job needs about ${perJob}; ` +
      `raise it with 'ulimit -n ${advice}'`,
  };
}

/** The errno code when `message` reports that descriptors ran out (EMFILE: this process, ENFILE: the system), else null. */
export function tooManyFilesCode(message: string): 'EMFILE' | 'ENFILE' | null {
  const found = /\b(EMFILE|ENFILE)\b|too many open files/i.exec(message);
  if (found === null) return null;
  return found[1] === 'ENFILE' || /file table overflow|in system/i.test(message) ? 'ENFILE' : 'EMFILE';
}

/**
 * A job's start failure worded by its cause when descriptors ran out ("too many open files
 * (EMFILE): ..."), or null when they did not. Some failures do not name their errno (node-pty's
 * "forkpty failed"): then `usage`, read right after the failure, shows the runner with fewer
 * descriptors free than a job needs.
 */
export function explainStartFailure(message: string, usage: FdUsage | null, perJob: number): string | null {
  if (message.startsWith('too many open files (')) return message;
  const code = tooManyFilesCode(message);
  const limit = usage?.limit ?? null;
  if (code === 'ENFILE') return `too many open files (ENFILE): ${message}; the system-wide open-file table is full`;
  if (code === 'EMFILE') return `too many open files (EMFILE): ${message}; the open-file limit is ${limit ?? 'unknown'} (ulimit -n)`;
  if (usage === null || limit === null || limit - usage.open >= perJob) return null;
  return `too many open files (EMFILE): ${message}; the runner holds ${usage.open} of the ${limit} descriptors its open-file limit (ulimit -n) allows`;
}
