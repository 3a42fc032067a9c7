/**
 * One run at a time per working directory, across processes: a scheduled job and a manual
 * `codex-run run` must not edit the same checkout at once.
 *
 * The lock is `<runs root>/locks/<sha256 of the workdir, 16 hex>.lock` holding JSON with the
 * owner's pid, its start time and the boot id. It is created complete and atomically by
 * hard-linking a fully written temporary file into place (link fails with EEXIST when the lock
 * exists), so a reader never sees a half written lock. A lock whose process is no longer the
 * same process (gone, or its pid reused after a reboot or a container restart: another start
 * time or boot id, see src/util/process-identity.ts), or whose content is unreadable, is stale
 * and is taken over. Residual race, accepted: two processes that find the same stale lock at
 * the same instant could both take it over; the inode check narrows that window to a few
 * system calls.
 *
 * File-system calls here are synchronous on purpose: they touch tiny files, and keeping
 * check-and-take in one tick keeps the in-process bookkeeping free of interleavings.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { identifyProcess, matchProcess } from '../util/process-identity.js';

/** Who holds a workdir lock, as written in the lock file. */
export interface LockHolder {
  pid: number;
  /** What holds it, for messages: `jobs.yaml#nightly-deps` or `manual run`. */
  owner: string;
  /** When it was taken (ms since the epoch). */
  since: number;
  /** Random per acquisition, so a release never removes a lock someone else has taken since. */
  token: string;
  /** The holder's start time and boot id (src/util/process-identity.ts); null in locks written by older versions. */
  startTime: string | null;
  bootId: string | null;
}

/** A held lock. */
export interface WorkdirLock {
  /** What is locked: the canonical workdir (or, for the scheduler's lock, the schedule root). */
  readonly workdir: string;
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void;
}

/** The outcome of one attempt to take a workdir lock. */
export type LockAttempt =
  | {
      kind: 'acquired';
      lock: WorkdirLock;
      /** The stale lock that was taken over (pid null when its content was unreadable), or null. */
      recovered: { pid: number | null } | null;
    }
  | { kind: 'busy'; holder: LockHolder; inProcess: boolean }
  | { kind: 'failed'; message: string };

export interface LockOptions {
  /** Written into the lock; default process.pid. */
  pid?: number;
  /** Timestamp written into the lock. */
  now: number;
  /** Liveness test for stale detection, for tests; default: the holder's pid, start time and boot id still match a live process. */
  isAlive?: (pid: number) => boolean;
}

/** The canonical form of a workdir: absolute, symlinks resolved when it exists. */
export function canonicalWorkdir(workdir: string): string {
  const absolute = path.resolve(workdir);
  try {
    return fs.realpathSync(absolute);
  } catch {
    return absolute;
  }
}

export function lockFilePath(runsRoot: string, workdir: string): string {
  const digest = createHash('sha256').update(canonicalWorkdir(workdir)).digest('hex').slice(0, 16);
  return path.join(runsRoot, 'locks', `${digest}.lock`);
}

/** True while the process that wrote `holder` is still alive: same pid, start time and boot. */
export function isHolderAlive(holder: LockHolder): boolean {
  return matchProcess({ pid: holder.pid, startTime: holder.startTime, bootId: holder.bootId }) !== 'gone';
}

function holderAlive(holder: LockHolder, isAlive: ((pid: number) => boolean) | undefined): boolean {
  return isAlive === undefined ? isHolderAlive(holder) : isAlive(holder.pid);
}

/** True while a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tries once to take the lock of `workdir`; never waits. */
export function acquireWorkdirLock(runsRoot: string, workdir: string, owner: string, options: LockOptions): LockAttempt {
  return acquireLockFile(lockFilePath(runsRoot, workdir), canonicalWorkdir(workdir), owner, options);
}

/**
 * Tries once to take the lock file `file` (its folder is created 0700 when missing); never
 * waits. `subject` is what it locks, for the held lock and messages. Also used for the
 * scheduler's own lock (src/schedule/schedule-lock.ts).
 */
export function acquireLockFile(file: string, subject: string, owner: string, options: LockOptions): LockAttempt {
  const pid = options.pid ?? process.pid;
  const identity = identifyProcess(pid);
  const holder: LockHolder = {
    pid,
    owner,
    since: options.now,
    token: randomBytes(8).toString('hex'),
    startTime: identity.startTime,
    bootId: identity.bootId,
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (tryLink(file, holder)) return { kind: 'acquired', lock: heldLock(subject, file, holder), recovered: null };
    const existing = readLock(file);
    if (existing === null) {
      // Released between our link and our read: one more try decides it.
      return tryLink(file, holder)
        ? { kind: 'acquired', lock: heldLock(subject, file, holder), recovered: null }
        : { kind: 'failed', message: `lock ${file} keeps changing hands` };
    }
    if (existing.holder !== null && holderAlive(existing.holder, options.isAlive)) return { kind: 'busy', holder: existing.holder, inProcess: false };
    if (!removeIfSame(file, existing.ino)) return busyOrFailed(file);
    if (!tryLink(file, holder)) return busyOrFailed(file);
    return {
      kind: 'acquired',
      lock: heldLock(subject, file, holder),
      recovered: { pid: existing.holder?.pid ?? null },
    };
  } catch (cause) {
    return { kind: 'failed', message: `cannot lock ${subject} (${file}): ${(cause as Error).message}` };
  }
}

/**
 * Who holds the lock of `workdir`, when a live process does; null when it is free, stale or
 * unreadable (the scheduler reports its own lock errors). Only looks: a manual run uses it to
 * refuse a workdir a scheduled run is editing.
 */
export function liveLockHolder(runsRoot: string, workdir: string, isAlive?: (pid: number) => boolean): LockHolder | null {
  let holder: LockHolder | null;
  try {
    holder = readLock(lockFilePath(runsRoot, workdir))?.holder ?? null;
  } catch {
    return null;
  }
  return holder !== null && holderAlive(holder, isAlive) ? holder : null;
}

/**
 * The scheduler's view of workdir locks: an in-process map in front of the lock files, so
 * two jobs of the same daemon are told apart from a run in another process.
 */
export class WorkdirLocks {
  private readonly held = new Map<string, WorkdirLock>();

  constructor(
    private readonly runsRoot: string,
    private readonly options: Omit<LockOptions, 'now'> = {},
  ) {}

  tryAcquire(workdir: string, owner: string, now: number): LockAttempt {
    const canonical = canonicalWorkdir(workdir);
    const mine = this.held.get(canonical);
    if (mine !== undefined) return { kind: 'busy', holder: mine.holder, inProcess: true };
    const attempt = acquireWorkdirLock(this.runsRoot, canonical, owner, { ...this.options, now });
    if (attempt.kind !== 'acquired') return attempt;
    const lock = attempt.lock;
    const tracked: WorkdirLock = {
      workdir: lock.workdir,
      file: lock.file,
      holder: lock.holder,
      release: () => {
        if (this.held.get(canonical) === tracked) this.held.delete(canonical);
        lock.release();
      },
    };
    this.held.set(canonical, tracked);
    return { ...attempt, lock: tracked };
  }
}

function heldLock(workdir: string, file: string, holder: LockHolder): WorkdirLock {
  let released = false;
  return {
    workdir,
    file,
    holder,
    release: () => {
      if (released) return;
      released = true;
      const current = readLock(file);
      if (current?.holder?.token === holder.token) removeIfSame(file, current.ino);
    },
  };
}

// Writes the holder to a private temporary file and hard-links it to the lock path: the
// lock appears complete or not at all. False when the lock already exists.
function tryLink(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${holder.pid}.${holder.token}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(holder)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cause;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

// The lock's holder (null when the content is unreadable) and inode, or null when there is no lock.
function readLock(file: string): { holder: LockHolder | null; ino: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw cause;
  }
  try {
    const ino = fs.fstatSync(fd).ino;
    return { holder: parseHolder(fs.readFileSync(fd, 'utf8')), ino };
  } finally {
    fs.closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { pid, owner, since, token, startTime, bootId } = value;
    if (typeof pid !== 'number' || typeof owner !== 'string' || typeof since !== 'number' || typeof token !== 'string') return null;
    return { pid, owner, since, token, startTime: typeof startTime === 'string' ? startTime : null, bootId: typeof bootId === 'string' ? bootId : null };
  } catch {
    return null;
  }
}

// Unlinks the lock only if it is still the file we inspected (same inode). False when it changed.
function removeIfSame(file: string, ino: number): boolean {
  try {
    if (fs.statSync(file).ino !== ino) return false;
    fs.unlinkSync(file);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw cause;
  }
}

function busyOrFailed(file: string): LockAttempt {
  const now = readLock(file);
  if (now?.holder != null) return { kind: 'busy', holder: now.holder, inProcess: false };
  return { kind: 'failed', message: `lock ${file} keeps changing hands` };
}
