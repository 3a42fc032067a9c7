import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { ProcessScanner } from '../../src/session/process-scan.js';
import { jobMembers, readProcTable } from '../../src/session/proc-table.js';
import { waitFor } from '../helpers/wait-for.js';

function sleeper(env: Record<string, string> = {}): ChildProcess {
  const child = spawn('/bin/sleep', ['60'], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: 'ignore' });
  assert.ok(child.pid !== undefined, 'sleep started');
  return child;
}

test('requests made together share one /proc read, done in the worker thread', { timeout: 20_000 }, async (t) => {
  const scanner = new ProcessScanner();
  t.after(() => scanner.close());
  const tables = await Promise.all(Array.from({ length: 50 }, () => scanner.scan(['CODEX_RUN_JOB_TOKEN'])));
  assert.equal(scanner.scans, 1, 'fifty requests, one read');
  assert.ok(tables.every((table) => table === tables[0]));
  assert.equal(scanner.runsOn, 'worker');
  assert.ok(tables[0]!.rows.some((row) => row.pid === process.pid), 'the table lists this process');
});

test('a request made while a scan runs gets the next scan, which sees a process started just before it', { timeout: 20_000 }, async (t) => {
  const scanner = new ProcessScanner();
  t.after(() => scanner.close());
  const first = scanner.scan();
  await waitFor('the first scan to be running', () => scanner.phase === 'scanning', 10_000);
  const child = sleeper({ CODEX_SCAN_TEST: 'late' });
  t.after(() => child.kill('SIGKILL'));
  const second = scanner.scan(['CODEX_SCAN_TEST']);
  const [a, b] = await Promise.all([first, second]);
  assert.notEqual(a, b);
  assert.equal(scanner.scans, 2);
  const row = b.rows.find((r) => r.pid === child.pid);
  assert.ok(row !== undefined, 'the later scan sees the child');
  assert.deepEqual(row.markers, ['CODEX_SCAN_TEST=late']);
});

test('the worker and the main thread read the same table: a marked process is a member of its job by its marker', { timeout: 20_000 }, async (t) => {
  const child = sleeper({ CODEX_SCAN_TEST: 'job-7' });
  t.after(() => child.kill('SIGKILL'));
  const scanner = new ProcessScanner();
  t.after(() => scanner.close());
  const marker = { name: 'CODEX_SCAN_TEST', value: 'job-7' };
  // Any live pid other than the child's works as the root: the child is found by its marker alone.
  const fromWorker = jobMembers(await scanner.scan([marker.name]), process.pid + 1_000_000, marker).map((r) => r.pid);
  const fromMain = jobMembers(readProcTable([marker.name]), process.pid + 1_000_000, marker).map((r) => r.pid);
  assert.deepEqual(fromWorker, [child.pid]);
  assert.deepEqual(fromMain, [child.pid]);
});

test('when the worker dies, scans run on the main thread and still answer', { timeout: 20_000 }, async (t) => {
  const scanner = new ProcessScanner();
  t.after(() => scanner.close());
  await scanner.scan();
  // What a crash of the worker thread looks like from the scanner.
  await (scanner as unknown as { worker: Worker }).worker.terminate();
  await waitFor('the scanner to notice the worker ended', () => scanner.runsOn === 'main', 10_000);
  const table = await scanner.scan();
  assert.ok(table.rows.some((row) => row.pid === process.pid));
  assert.equal(scanner.scans, 2);
});
