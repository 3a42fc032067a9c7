/**
 * Finding and signalling every process that belongs to one job, over Linux's /proc.
 *
 * A job's processes are: its PTY child (a session leader, so its pid is its session id),
 * everything in that session, every descendant of those by parent pid, and every process of
 * the runner's uid whose initial environment carries the job's marker variable. The marker
 * catches `setsid`/`nohup` escapees whose parent died (they are reparented to init and left
 * the session). It is lost only by a process started with a cleared environment (`env -i`);
 * only the job's cgroup (src/session/cgroup.ts) catches that one.
 *
 * Everything here is synchronous: a scan reads a few hundred small files and takes a few
 * milliseconds, and callers want a consistent snapshot. Processes vanishing mid-scan are
 * skipped. The runner itself and its ancestors are never returned or signalled.
 */
import fs from 'node:fs';
import type { Clock } from '../util/clock.js';

/** The fields of /proc/<pid>/stat this module needs. */
interface ProcStat {
  pid: number;
  ppid: number;
  sid: number;
  /** One letter: R, S, D, T, Z (zombie), X (dead), ... */
  state: string;
}

/** An exact `name=value` entry to look for in each process's initial environment. */
export interface ProcessMarker {
  name: string;
  value: string;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

// ENOENT/ESRCH: the process ended between listing and reading; EACCES/EPERM: not ours to read.
function isVanishedOrForbidden(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}

// The command name in field 2 is in parentheses and may itself contain spaces and ')'.
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    if (isVanishedOrForbidden(error)) return undefined;
    throw error;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, ppid, , sid] = fields;
  if (state === undefined || ppid === undefined || sid === undefined) return undefined;
  return { pid, ppid: Number(ppid), sid: Number(sid), state };
}

function listPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name))
    .map(Number);
}

function snapshot(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (stat !== undefined) table.set(pid, stat);
  }
  return table;
}

function isDead(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}

// The runner and the chain of processes above it, which no job stop may ever reach.
function protectedPids(table: Map<number, ProcStat>): Set<number> {
  const result = new Set<number>([0, 1]);
  let pid = process.pid;
  while (pid > 1 && !result.has(pid)) {
    result.add(pid);
    pid = table.get(pid)?.ppid ?? readStat(pid)?.ppid ?? 0;
  }
  return result;
}

// As root every process's environment is readable, so a job that switched uid is still found;
// otherwise only our own processes are read (others' would fail with EACCES anyway).
function hasMarker(pid: number, entry: Buffer, uid: number): boolean {
  try {
    if (uid !== 0 && fs.statSync(`/proc/${pid}`).uid !== uid) return false;
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    let start = 0;
    while (start < environ.length) {
      let end = environ.indexOf(0, start);
      if (end === -1) end = environ.length;
      if (end - start === entry.length && environ.subarray(start, end).equals(entry)) return true;
      start = end + 1;
    }
    return false;
  } catch (error) {
    if (isVanishedOrForbidden(error)) return false;
    throw error;
  }
}

/**
 * Every live process of the job whose PTY child is `rootPid` (see the module comment),
 * sorted ascending. Zombies are left out: they are already dead and cannot be signalled.
 */
export function findJobProcesses(rootPid: number, marker?: ProcessMarker): number[] {
  if (!Number.isInteger(rootPid) || rootPid <= 1) throw new Error(`Internal error: invalid job root pid ${rootPid}`);
  if (marker !== undefined && (marker.name === '' || marker.value === '' || marker.name.includes('='))) {
    throw new Error(`Internal error: invalid job marker ${JSON.stringify(marker.name)}`);
  }
  const table = snapshot();
  const members = new Set<number>();
  for (const stat of table.values()) {
    if (stat.pid === rootPid || stat.sid === rootPid) members.add(stat.pid);
  }
  if (marker !== undefined) {
    const entry = Buffer.from(`${marker.name}=${marker.value}`);
    const uid = process.getuid?.() ?? -1;
    for (const pid of table.keys()) {
      if (!members.has(pid) && hasMarker(pid, entry, uid)) members.add(pid);
    }
  }
  const children = new Map<number, number[]>();
  for (const stat of table.values()) {
    const siblings = children.get(stat.ppid);
    if (siblings === undefined) children.set(stat.ppid, [stat.pid]);
    else siblings.push(stat.pid);
  }
  const queue = [...members];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (!members.has(child)) {
        members.add(child);
        queue.push(child);
      }
    }
  }
  const excluded = protectedPids(table);
  return [...members]
    .filter((pid) => {
      const stat = table.get(pid);
      return stat !== undefined && !isDead(stat) && !excluded.has(pid);
    })
    .sort((a, b) => a - b);
}

/**
 * Sends `signal` to each pid; returns how many were signalled. Pids that no longer exist
 * (ESRCH) or are not ours (EPERM) are skipped. Passing pid 0 or 1, a negative pid (a process
 * group) or the runner's own pid is a bug and throws.
 */
export function signalProcesses(pids: number[], signal: NodeJS.Signals): number {
  let signalled = 0;
  for (const pid of new Set(pids)) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) {
      throw new Error(`Internal error: refusing to signal pid ${pid}`);
    }
    try {
      process.kill(pid, signal);
      signalled += 1;
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ESRCH' && code !== 'EPERM') throw error;
    }
  }
  return signalled;
}

/** True while `pid` exists and has not exited; a zombie (exited, not yet reaped) counts as dead. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  if (stat !== undefined) return !isDead(stat);
  try {
    process.kill(pid, 0);
    return true; // Exists but /proc is hidden from us (hidepid).
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Options for {@link stopJobTree}. */
export interface StopJobTreeOptions {
  /** How long processes get after SIGTERM before SIGKILL. */
  graceMs: number;
  clock: Clock;
  /** How often to check whether they are gone. Default 25 ms. */
  pollMs?: number;
  /** How long to wait for SIGKILL to take effect, over all kill rounds. Default 2000 ms. */
  killWaitMs?: number;
}

/** What {@link stopJobTree} did. */
export interface StopJobTreeOutcome {
  /** Processes sent SIGTERM. */
  terminated: number;
  /** Processes still alive after the grace period and sent SIGKILL. */
  killed: number;
  /** Processes found alive at the end (normally none; e.g. stuck in uninterruptible I/O). */
  remaining: number[];
}

/**
 * Stops a whole job: SIGTERM (and SIGCONT, so stopped processes can act on it) to every
 * process, wait up to `graceMs` for them to go, then rescan (catching anything started
 * meanwhile) and SIGKILL what is left, rescanning after each kill until nothing is left (a
 * process may fork between a scan and its SIGKILL), for at most `killWaitMs`.
 */
export async function stopJobTree(rootPid: number, marker: ProcessMarker | undefined, options: StopJobTreeOptions): Promise<StopJobTreeOutcome> {
  const pollMs = options.pollMs ?? 25;
  const first = findJobProcesses(rootPid, marker);
  const terminated = signalProcesses(first, 'SIGTERM');
  signalProcesses(first, 'SIGCONT');
  await waitUntilGone(first, options.graceMs, pollMs, options.clock);
  const killDeadline = options.clock.now() + (options.killWaitMs ?? 2000);
  const killedPids = new Set<number>();
  let survivors = findJobProcesses(rootPid, marker);
  while (survivors.length > 0 && options.clock.now() < killDeadline) {
    signalProcesses(survivors, 'SIGKILL');
    for (const pid of survivors) killedPids.add(pid);
    await waitUntilGone(survivors, Math.min(pollMs * 4, killDeadline - options.clock.now()), pollMs, options.clock);
    survivors = findJobProcesses(rootPid, marker);
  }
  return { terminated, killed: killedPids.size, remaining: survivors };
}

// Polls the given pids (cheap) rather than rescanning /proc (reads every environ).
function waitUntilGone(pids: number[], timeoutMs: number, pollMs: number, clock: Clock): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (!pids.some(isAlive) || clock.now() >= deadline) resolve();
      else clock.setTimeout(check, Math.min(pollMs, Math.max(0, deadline - clock.now())));
    };
    check();
  });
}
