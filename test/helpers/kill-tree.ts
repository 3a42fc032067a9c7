import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
}

// /proc/<pid>/stat: "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

function allProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((name) => /^\d+$/.test(name)).flatMap((name) => readStat(Number(name)) ?? []);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already, or not ours
  }
}

/**
 * SIGKILLs a process, every process below it and their process groups (a PTY job is the
 * leader of its own group, so its children go too). The tree is frozen with SIGSTOP first,
 * rescanned until no new descendant appears (bounded), so nothing can fork its way out
 * between the scan and the kill. Never touches the calling process or its own group.
 * Without /proc it falls back to the root's process group and the root.
 */
export function killTree(rootPid: number): void {
  const self = readStat(process.pid);
  const found = new Map<number, ProcStat>();
  const root = readStat(rootPid);
  if (root !== null) found.set(rootPid, root);
  signal(rootPid, 'SIGSTOP');
  for (let round = 0; round < 20; round++) {
    let added = false;
    for (const proc of allProcesses()) {
      if (found.has(proc.pid) || !found.has(proc.ppid) || proc.pid === process.pid) continue;
      found.set(proc.pid, proc);
      signal(proc.pid, 'SIGSTOP');
      added = true;
    }
    if (!added) break;
  }
  const groups = new Set<number>([rootPid]);
  for (const proc of found.values()) groups.add(proc.pgid);
  for (const pgid of groups) {
    if (pgid <= 1 || pgid === self?.pgid || pgid === process.pid) continue;
    signal(-pgid, 'SIGKILL');
  }
  for (const pid of found.keys()) signal(pid, 'SIGKILL');
  signal(rootPid, 'SIGKILL');
}
