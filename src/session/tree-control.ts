import { findJobProcesses, signalProcesses } from './process-tree.js';

/** Marks every process of a job through its environment, so escapees can still be found. */
export interface JobMarker {
  name: string;
  value: string;
}

/**
 * Finding and signalling a job's processes, injected into the session so unit tests with a
 * fake PTY never signal real pids.
 */
export interface TreeControl {
  find(rootPid: number, marker: JobMarker): number[];
  signal(pids: number[], signal: NodeJS.Signals): number;
}

/** The real thing, over /proc. */
export const procTreeControl: TreeControl = {
  find: (rootPid, marker) => findJobProcesses(rootPid, marker),
  signal: (pids, signal) => signalProcesses(pids, signal),
};
