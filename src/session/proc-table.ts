/**
 * One read of Linux's /proc into a plain table, and the pure question "which rows belong to
 * this job" asked of it. Reading is the expensive part (a stat file per process, and the
 * environment of each of ours); asking is cheap. So one table can answer for every job that
 * asks at about the same time (src/session/process-scan.ts shares it), and the read can run
 * in a worker thread (src/session/proc-scan-worker.ts): the table is plain data.
 *
 * A job's processes are: its PTY child (a session leader, so its pid is its session id),
 * everything in that session, every descendant of those by parent pid, and every process
 * whose initial environment carries the job's marker variable. The marker catches
 * `setsid`/`nohup` escapees whose parent died (they are reparented to init and left the
 * session). The runner itself and its ancestors are never members.
 */
import fs from 'node:fs';

/** One process as /proc showed it. */
export interface ProcRow {
  pid: number;
  ppid: number;
  sid: number;
  /** One letter: R, S, D, T, Z (zombie), X (dead), ... */
  state: string;
  /** Field 22 of the stat file (clock ticks after boot), as text: with the pid, who the process is. */
  startTime: string;
  /** The `name=value` entries of its initial environment whose name was asked for (usually none or one). */
  markers: string[];
}

/** An exact `name=value` entry to look for in each process's initial environment. */
export interface ProcessMarker {
  name: string;
  value: string;
}

/** Every process at one moment, and who asked the read to run (for the runner's ancestry). */
export interface ProcTable {
  rows: ProcRow[];
  /** The runner's pid: the reader may be a worker thread of it, which has the same pid. */
  runnerPid: number;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

// ENOENT/ESRCH: the process ended between listing and reading; EACCES/EPERM: not ours to read.
export function isVanishedOrForbidden(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}

/** The fields of /proc/<pid>/stat this module needs, or undefined when the process is gone. */
export function readStatRow(pid: number): Omit<ProcRow, 'markers'> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    if (isVanishedOrForbidden(error)) return undefined;
    throw error;
  }
  // The command name in field 2 is in parentheses and may itself contain spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, ppid, , sid] = fields;
  const startTime = fields[19];
  if (state === undefined || ppid === undefined || sid === undefined || startTime === undefined) return undefined;
  return { pid, ppid: Number(ppid), sid: Number(sid), state, startTime };
}

// The entries of a NUL-separated environment that start with one of the prefixes (`NAME=`).
function markerEntries(pid: number, prefixes: readonly Buffer[]): string[] {
  let environ: Buffer;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`);
  } catch (error) {
    if (isVanishedOrForbidden(error)) return [];
    throw error;
  }
  const found: string[] = [];
  let start = 0;
  while (start < environ.length) {
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    for (const prefix of prefixes) {
      if (end - start > prefix.length && environ.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0) {
        found.push(environ.toString('utf8', start, end));
      }
    }
    start = end + 1;
  }
  return found;
}

/**
 * Reads every process once: its stat, and, for each of `markerNames`, the matching entries of
 * its initial environment. Without root, other users' environments cannot be read (EACCES)
 * and are skipped; as root every one is read, so a job that switched uid is still found.
 * Processes vanishing mid-read are skipped.
 */
export function readProcTable(markerNames: readonly string[], runnerPid: number = process.pid): ProcTable {
  const prefixes = markerNames.map((name) => Buffer.from(`${name}=`));
  const rows: ProcRow[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const first = name.charCodeAt(0);
    if (first < 0x30 || first > 0x39 || !/^[0-9]+$/.test(name)) continue;
    const stat = readStatRow(Number(name));
    if (stat === undefined) continue;
    rows.push({ ...stat, markers: prefixes.length === 0 || isDeadState(stat.state) ? [] : markerEntries(stat.pid, prefixes) });
  }
  return { rows, runnerPid };
}

function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X';
}

// The runner and the chain of processes above it, which no job stop may ever reach.
function protectedPids(byPid: Map<number, ProcRow>, runnerPid: number): Set<number> {
  const result = new Set<number>([0, 1]);
  let pid = runnerPid;
  while (pid > 1 && !result.has(pid)) {
    result.add(pid);
    pid = byPid.get(pid)?.ppid ?? readStatRow(pid)?.ppid ?? 0;
  }
  return result;
}

/** Rejects a root pid or marker that can only come from a bug. */
export function checkJobQuery(rootPid: number, marker: ProcessMarker | undefined): void {
  if (!Number.isInteger(rootPid) || rootPid <= 1) throw new Error(`Internal error: invalid job root pid ${rootPid}`);
  if (marker !== undefined && (marker.name === '' || marker.value === '' || marker.name.includes('='))) {
    throw new Error(`Internal error: invalid job marker ${JSON.stringify(marker.name)}`);
  }
}

/**
 * The live processes of the job whose PTY child is `rootPid` in `table` (see the module
 * comment), sorted ascending by pid. Zombies are left out: they cannot be signalled.
 */
export function jobMembers(table: ProcTable, rootPid: number, marker?: ProcessMarker): ProcRow[] {
  checkJobQuery(rootPid, marker);
  const byPid = new Map<number, ProcRow>();
  for (const row of table.rows) byPid.set(row.pid, row);
  const members = new Set<number>();
  const entry = marker === undefined ? null : `${marker.name}=${marker.value}`;
  for (const row of table.rows) {
    if (row.pid === rootPid || row.sid === rootPid || (entry !== null && row.markers.includes(entry))) members.add(row.pid);
  }
  const children = new Map<number, number[]>();
  for (const row of table.rows) {
    const siblings = children.get(row.ppid);
    if (siblings === undefined) children.set(row.ppid, [row.pid]);
    else siblings.push(row.pid);
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
  const excluded = protectedPids(byPid, table.runnerPid);
  const result: ProcRow[] = [];
  for (const pid of members) {
    const row = byPid.get(pid);
    if (row !== undefined && !isDeadState(row.state) && !excluded.has(pid)) result.push(row);
  }
  return result.sort((a, b) => a.pid - b.pid);
}
