/**
 * Readings of one process from /proc (Linux): CPU time of that process alone (utime + stime,
 * children excluded) and its peak resident set size (VmHWM).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

// CPU times in /proc/<pid>/stat are in clock ticks (almost always 100 per second, but ask).
function clockTicks(): number {
  if (ticksPerSecond !== null) return ticksPerSecond;
  try {
    const parsed = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** User + system CPU time of the process itself in ms, or null once it is gone. */
export function cpuMs(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / clockTicks();
}

/** Peak resident set size so far (VmHWM) in KiB, or null once the process is gone or a zombie. */
export function peakRssKb(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  return match === null ? null : Number(match[1]);
}

/** Sum of {@link cpuMs} over processes; null when any of them is gone. */
export function totalCpuMs(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

/** Sum of {@link peakRssKb} over processes; null when any of them is gone. */
export function totalPeakRssKb(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const kb = peakRssKb(pid);
    if (kb === null) return null;
    total += kb;
  }
  return total;
}
