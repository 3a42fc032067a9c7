/**
 * The worker thread of the shared process scanner (src/session/process-scan.ts): reads /proc
 * into a table on request, so the runner's main thread never blocks on it.
 */
import { parentPort } from 'node:worker_threads';
import { readProcTable } from './proc-table.js';

/** A request: read the table, looking for these marker variables. */
export interface ScanRequest {
  id: number;
  markerNames: string[];
  runnerPid: number;
}

const port = parentPort;
if (port === null) throw new Error('Internal error: proc-scan-worker.js runs only as a worker thread');
port.on('message', (request: ScanRequest) => {
  try {
    port.postMessage({ id: request.id, table: readProcTable(request.markerNames, request.runnerPid) });
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
