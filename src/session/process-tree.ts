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
 * Everything here is synchronous. A scan reads a few hundred small files (8-60 ms with many
 * processes): jobs of a run share one scan off the main thread (src/session/process-scan.ts).
 * Processes vanishing mid-scan are skipped. The runner itself and its ancestors are never
 * returned or signalled.
 */
import type { Clock } from '../util/clock.js';
import { checkJobQuery, jobMembers, readProcTable, readStatRow, type ProcessMarker } from './proc-table.js';

export type { ProcessMarker } from './proc-table.js';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Every live process of the job whose PTY child is `rootPid` (see src/session/proc-table.ts),
 * sorted ascending, from a fresh read of /proc on this thread. Zombies are left out: they are
 * already dead and cannot be signalled. Jobs of a run ask the shared scanner instead
 * (src/session/process-scan.ts); this is for one-off callers (crashed runs, stopJobTree).
 */
export function findJobProcesses(rootPid: number, marker?: ProcessMarker): number[] {
  checkJobQuery(rootPid, marker);
  const table = readProcTable(marker === undefined ? [] : [marker.name]);
  return jobMembers(table, rootPid, marker).map((row) => row.pid);
}

/**
 * Sends `signal` to each pid; returns how many were signalled. Pids that no longer exist
 * (ESRCH) or are not ours (EPERM) are skipped. Passing pid 0 or 1, a negative pid (a process
 * group) or the runner's own pid is a bug and throws. A pid with an entry in `startTimes` is
 * signalled only while its start time is still that one.
 */
export function signalProcesses(pids: number[], signal: NodeJS.Signals, startTimes?: ReadonlyMap<number, string>): number {
  let signalled = 0;
  for (const pid of new Set(pids)) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) {
      throw new Error(`Internal error: refusing to signal pid ${pid}`);
    }
    // Found by an earlier scan: only the same process (pid and start time), never a reused pid.
    const expected = startTimes?.get(pid);
    if (expected !== undefined && readStatRow(pid)?.startTime !== expected) continue;
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
  const stat = readStatRow(pid);
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X';
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
