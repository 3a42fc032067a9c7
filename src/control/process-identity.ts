/**
 * "Is this recorded process still the same process?": a pid alone is not enough, because
 * pids are reused. A process is identified by its pid, its start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot) and the boot id. Where /proc is missing,
 * only the pid is checked.
 */
import { readFileSync } from 'node:fs';

/** What identifies a process across pid reuse and reboots. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot, or null where /proc is missing. */
  startTime: string | null;
  /** The kernel's boot id, or null where it cannot be read. */
  bootId: string | null;
}

/** The start time of `pid` from /proc, or null when the process or /proc is missing. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** The identity of a running process (this one by default). */
export function identityOf(pid: number = process.pid): ProcessIdentity {
  return { pid, startTime: startTimeOf(pid), bootId: bootId() };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the recorded process is still running: same boot, same pid, same start time. */
export function isSameProcessAlive(recorded: ProcessIdentity): boolean {
  if (!Number.isInteger(recorded.pid) || recorded.pid <= 0) return false;
  const now = identityOf(recorded.pid);
  if (recorded.bootId !== null && now.bootId !== null && recorded.bootId !== now.bootId) return false;
  if (recorded.startTime !== null) return now.startTime === recorded.startTime;
  return pidExists(recorded.pid);
}
