/**
 * "Is this recorded process still the same process?" A pid alone does not say: pids are
 * reused, and after a reboot or a container restart a lock or a report written before can
 * name a pid (often 1) that now belongs to someone else. A process is identified by its pid,
 * its start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and the boot it runs
 * in (/proc/sys/kernel/random/boot_id). Used by the workdir lock, the schedule lock and the
 * crashed-run recovery, which must never signal a pid whose identity does not match.
 *
 * Where /proc is missing (not Linux) the start time and boot id are null and only the pid is
 * compared, which is what every caller did before.
 */
import fs from 'node:fs';

/** Who a process is, as recorded in a lock or a report. */
export interface ProcessIdentity {
  pid: number;
  /** Clock ticks after boot at which the process started (decimal string: it can exceed 2^53 in theory), or null when unknown. */
  startTime: string | null;
  /** The kernel's boot id when the identity was taken, or null when unknown. */
  bootId: string | null;
}

/** What is known now about a recorded process. */
export type ProcessMatch =
  /** The same process is alive. */
  | 'same'
  /** It has ended: no such pid, a zombie, another start time or another boot. */
  | 'gone'
  /** The pid exists but its start time cannot be read (no /proc, or hidden): treat as alive, never signal it. */
  | 'unverified';

let cachedBootId: string | null | undefined;

/** This boot's id, or null when the kernel does not tell. */
export function currentBootId(): string | null {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    const text = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    cachedBootId = text === '' ? null : text;
  } catch {
    cachedBootId = null;
  }
  return cachedBootId;
}

/** The state letter and start time of `pid` from /proc, or null when there is no such process (or no /proc). */
function readStat(pid: number): { state: string; startTime: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2 (the command) is in parentheses and may contain spaces and ')'; fields after it start at 3.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !/^[0-9]+$/.test(startTime)) return null;
  return { state, startTime };
}

/** The start time of `pid` (field 22 of its stat), or null when unknown. */
export function processStartTime(pid: number): string | null {
  return readStat(pid)?.startTime ?? null;
}

/** The identity of a live process now (the runner's own with no argument). */
export function identifyProcess(pid: number = process.pid): ProcessIdentity {
  return { pid, startTime: processStartTime(pid), bootId: currentBootId() };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the recorded process is still running. A different boot id, a different start time
 * or a zombie means it is gone even though the pid exists. A record without a start time (an
 * older one) or a process whose start time cannot be read is 'unverified' while the pid exists.
 */
export function matchProcess(recorded: ProcessIdentity): ProcessMatch {
  const { pid } = recorded;
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  const bootId = currentBootId();
  if (recorded.bootId !== null && bootId !== null && recorded.bootId !== bootId) return 'gone';
  const stat = readStat(pid);
  if (stat === null) return pidExists(pid) ? 'unverified' : 'gone';
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  if (recorded.startTime === null) return 'unverified';
  return recorded.startTime === stat.startTime ? 'same' : 'gone';
}

/** Reads an identity back from parsed JSON (a lock file, a report); null when it does not have the shape. */
export function parseProcessIdentity(value: unknown): ProcessIdentity | null {
  if (typeof value !== 'object' || value === null) return null;
  const { pid, startTime, bootId } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
  const optional = (v: unknown): string | null | undefined => (v === undefined || v === null ? null : typeof v === 'string' ? v : undefined);
  const start = optional(startTime);
  const boot = optional(bootId);
  if (start === undefined || boot === undefined) return null;
  return { pid, startTime: start, bootId: boot };
}
