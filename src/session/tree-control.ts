import { createJobCgroup, launcherPath, type JobCgroup } from './cgroup.js';
import { signalProcesses } from './process-tree.js';
import { ProcessScanner } from './process-scan.js';
import { jobMembers } from './proc-table.js';

/** Marks every process of a job through its environment, so escapees can still be found. */
export interface JobMarker {
  name: string;
  value: string;
}

/**
 * Which guarantee holds for a job's processes, as written in report.json:
 * - `cgroup`: the job runs in its own cgroup; every process it starts is found and killed,
 *   whatever it does (double fork, setsid, `env -i`, another uid).
 * - `session+marker`: its terminal's session, their descendants and anything carrying the
 *   job's marker variable; a process that leaves the session and clears its environment escapes.
 */
export type ContainmentKind = 'cgroup' | 'session+marker';

/** The kernel's grouping for one job attempt, when there is one (src/session/cgroup.ts). */
export interface JobContainment {
  readonly kind: ContainmentKind;
  /** The cgroup directory, or null. */
  readonly cgroup: string | null;
  /** Why there is no cgroup (for the record), or null. */
  readonly fallbackReason: string | null;
  /** The argv to spawn: through the launcher that joins the cgroup before exec, or unchanged. */
  launch(file: string, args: string[]): { file: string; args: string[] };
  /** Pids in the group now. */
  members(): number[];
  /** SIGKILL to the whole group at once (cgroup.kill). */
  killAll(): void;
  /** Removes the group once the job is gone (off the main thread for a cgroup); an error message when it cannot. */
  release(): string | null | Promise<string | null>;
}

/**
 * Finding and signalling a job's processes, injected into the session so unit tests with a
 * fake PTY never signal real pids.
 */
export interface TreeControl {
  /** The job's live processes, from a scan that started after the call (see process-scan.ts). */
  find(rootPid: number, marker: JobMarker): Promise<number[]>;
  signal(pids: number[], signal: NodeJS.Signals): number;
  /** Sets up the kernel's grouping for one attempt, before its spawn; absent: session+marker only. */
  contain?(): JobContainment;
}

/** Containment by the session and marker scan alone. */
export function sessionContainment(fallbackReason: string | null): JobContainment {
  return {
    kind: 'session+marker',
    cgroup: null,
    fallbackReason,
    launch: (file, args) => ({ file, args }),
    members: () => [],
    killAll: () => undefined,
    release: () => null,
  };
}

/** Containment in a cgroup the launcher joins before exec. */
export function cgroupContainment(group: JobCgroup, launcher: string): JobContainment {
  return {
    kind: 'cgroup',
    cgroup: group.path,
    fallbackReason: null,
    launch: (file, args) => ({ file: '/bin/sh', args: [launcher, group.path, file, ...args] }),
    members: () => group.members(),
    killAll: () => group.kill(),
    release: () => group.removeLater(),
  };
}

/**
 * The real thing, over /proc, with a cgroup per job attempt where the system allows it. Jobs
 * share one scanner, so a burst of stops or exits costs one /proc read, off the main thread.
 */
export function createProcTreeControl(scanner: ProcessScanner = new ProcessScanner()): TreeControl {
  // Start times of the processes scans returned: a pid is signalled only while it is the same
  // process. Forgotten once a scan no longer shows them or they got SIGKILL, so it stays small.
  const startTimes = new Map<number, string>();
  return {
    find: async (rootPid, marker) => {
      const table = await scanner.scan([marker.name]);
      const rows = jobMembers(table, rootPid, marker);
      if (startTimes.size > 0) {
        const live = new Set(table.rows.map((row) => row.pid));
        for (const pid of startTimes.keys()) if (!live.has(pid)) startTimes.delete(pid);
      }
      for (const row of rows) startTimes.set(row.pid, row.startTime);
      return rows.map((row) => row.pid);
    },
    signal: (pids, signal) => {
      const signalled = signalProcesses(pids, signal, startTimes);
      if (signal === 'SIGKILL') for (const pid of pids) startTimes.delete(pid);
      return signalled;
    },
    contain: procContain,
  };
}

function procContain(): JobContainment {
  const group = createJobCgroup();
  const launcher = launcherPath();
  if (!group.ok || launcher === null) return sessionContainment(group.ok ? 'the cgroup launcher is missing' : group.error);
  return cgroupContainment(group.value, launcher);
}

/** The default tree control of a run (one shared scanner per runner process). */
export const procTreeControl: TreeControl = {
  find: (rootPid, marker) => shared().find(rootPid, marker),
  signal: (pids, signal) => shared().signal(pids, signal),
  contain: procContain,
};

let sharedControl: TreeControl | null = null;
function shared(): TreeControl {
  sharedControl ??= createProcTreeControl();
  return sharedControl;
}
