import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EventBus, type RunEvent } from '../../src/run/events.js';
import { REPORT_FILE_NAME, renderJsonReport } from '../../src/report/json-report.js';
import { MAX_SIZE_INTERVAL_MS, REWRITE_CHARS_PER_SECOND, ReportWriter } from '../../src/report/report-writer.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function started(clock: FakeClock, jobs = ['a', 'b']): RunEvent {
  return {
    type: 'run-started',
    at: clock.now(),
    runId: 'run-1',
    runDir: '/runs/run-1',
    manifest: '/p/jobs.yaml',
    jobs: jobs.map((name) => ({ name, argv: ['true'], workdir: '/p', envKeys: [], timeoutMs: null, logFile: `${name}.log`, transcriptFile: `${name}.txt` })),
  };
}

function readReport(file: string): unknown {
  const report: unknown = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
  return report;
}

test('a burst of 1000 events is coalesced into few writes and flush writes the final state', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock });
  bus.emit(started(clock));
  for (let i = 0; i < 1000; i++) bus.emit({ type: 'job-activity', at: clock.now() + i, job: i % 2 ? 'a' : 'b', line: `line ${i}` });

  // The first write started with run-started; the rest waits for it (and for the interval).
  await waitFor('the first write', () => writer.stats().writes === 1);
  const first = readReport(file) as { jobs: { lastLine: string | null }[] };
  assert.deepEqual(first.jobs.map((j) => j.lastLine), [null, null]);
  assert.equal(clock.timerCount, 1, 'one write owed, waiting for the interval');

  bus.emit({ type: 'run-finished', at: clock.now() + 2000, status: 'succeeded' });
  await writer.flush();
  assert.equal(writer.stats().writes, 2);
  assert.equal(clock.timerCount, 0);
  const final = readReport(file) as { status: string; jobs: { lastLine: string | null }[] };
  assert.equal(final.status, 'succeeded');
  assert.deepEqual(final.jobs.map((j) => j.lastLine), ['line 999', 'line 998']);
  assert.equal(readFileSync(file, 'utf8'), renderJsonReport(writer.record()!));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), [REPORT_FILE_NAME], 'no temporary file is left behind');
  await writer.close();
});

test('writes are spaced by the interval: an owed write starts when the clock reaches it', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock, minIntervalMs: 500 });
  bus.emit(started(clock));
  await waitFor('the first write', () => writer.stats().writes === 1);
  clock.advance(100);
  bus.emit({ type: 'job-state', at: clock.now(), job: 'a', phase: 'running', detail: null });
  bus.emit({ type: 'job-state', at: clock.now(), job: 'b', phase: 'running', detail: null });
  clock.advance(399);
  assert.equal(writer.stats().writes, 1);
  assert.equal((readReport(file) as { jobs: { status: string }[] }).jobs[0]!.status, 'pending');
  clock.advance(1);
  await waitFor('the owed write', () => writer.stats().writes === 2);
  assert.deepEqual((readReport(file) as { jobs: { status: string }[] }).jobs.map((j) => j.status), ['running', 'running']);
  await writer.flush();
  assert.equal(writer.stats().writes, 2, 'flush with nothing new writes nothing');
  await writer.close();
});

test('activity lines alone are written at most once a second; a state change brings the owed write forward (issue 16)', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock });
  bus.emit(started(clock));
  await waitFor('the first write', () => writer.stats().writes === 1);
  // Quiet jobs printing a line now and then: each line is a job-activity event.
  for (let t = 0; t < 3000; t += 100) {
    bus.emit({ type: 'job-activity', at: clock.now(), job: t % 200 === 0 ? 'a' : 'b', line: `tick ${t}` });
    await waitFor('no write in flight', () => writer.stateTag() !== 'writing', 5000, 2);
    clock.advance(100);
  }
  await waitFor('the writes in flight', () => writer.stateTag() !== 'writing');
  // 3 s of activity lines: about 3 writes, not 15 (one per 200 ms).
  assert.ok(writer.stats().writes <= 5, `${writer.stats().writes} writes for 3 s of activity lines`);
  assert.ok(writer.stats().writes >= 3, `${writer.stats().writes}: the lines still reach the report`);
  const before = writer.stats().writes;
  bus.emit({ type: 'job-activity', at: clock.now(), job: 'a', line: 'last line' });
  await waitFor('the last write done', () => writer.stateTag() !== 'writing');
  clock.advance(50);
  bus.emit({ type: 'job-state', at: clock.now(), job: 'a', phase: 'running', detail: 'waiting for input' });
  clock.advance(400);
  await waitFor('the state change written within the 200 ms interval', () => writer.stats().writes > before);
  const report = readReport(file) as { jobs: { detail: string | null; lastLine: string | null }[] };
  assert.equal(report.jobs[0]!.detail, 'waiting for input');
  assert.equal(report.jobs[0]!.lastLine, 'last line');
  await writer.close();
});

test('a big report is rewritten less often: at most a megabyte of it a second, the wait capped (issue 16)', { timeout: 30_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock });
  const names = Array.from({ length: 1000 }, (_, i) => `job-${String(i).padStart(4, '0')}`);
  bus.emit(started(clock, names));
  await waitFor('the first write', () => writer.stats().writes === 1);
  const size = readFileSync(file, 'utf8').length;
  const interval = Math.min(MAX_SIZE_INTERVAL_MS, (size * 1000) / REWRITE_CHARS_PER_SECOND);
  assert.ok(interval > 200, `a report of ${size} characters waits ${interval} ms, more than the usual 200`);
  // Jobs ending one after another: every event is a state change.
  clock.advance(10);
  bus.emit({ type: 'job-state', at: clock.now(), job: 'job-0000', phase: 'running', detail: null });
  clock.advance(Math.ceil(interval) - 11);
  assert.equal(writer.stats().writes, 1, 'not rewritten before its size allows');
  clock.advance(1);
  await waitFor('the owed write', () => writer.stats().writes === 2);
  assert.equal((readReport(file) as { jobs: { status: string }[] }).jobs[0]!.status, 'running');
  await writer.close();
});

test('job-output does not cause writes', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock, minIntervalMs: 0 });
  bus.emit(started(clock));
  await writer.flush();
  for (let i = 0; i < 100; i++) bus.emit({ type: 'job-output', at: clock.now(), job: 'a', data: Buffer.from('x') });
  await writer.flush();
  assert.equal(writer.stats().writes, 1);
  await writer.close();
});

test('the file is always whole: a reader polling during many rewrites only ever sees valid reports', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock, minIntervalMs: 0 });
  bus.emit(started(clock, Array.from({ length: 50 }, (_, i) => `job-${i}`)));
  await writer.flush();
  let reads = 0;
  let writing = true;
  const reader = (async () => {
    while (writing) {
      readReport(file);
      reads++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 200; i++) {
    bus.emit({ type: 'job-activity', at: clock.now(), job: `job-${i % 50}`, line: `step ${i} ${'x'.repeat(i)}` });
    await writer.flush();
  }
  writing = false;
  await reader;
  assert.ok(reads > 10, `the reader should have overlapped the writes (${reads} reads)`);
  assert.equal(writer.stats().writes, 201);
  await writer.close();
});

test('write errors are values: reported once, kept in error(), and never thrown', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'missing-folder', REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const errors: string[] = [];
  const writer = new ReportWriter(file, bus, { clock, minIntervalMs: 0, onError: (m) => errors.push(m) });
  bus.emit(started(clock));
  await writer.flush();
  bus.emit({ type: 'warning', at: clock.now(), job: null, message: 'again' });
  await writer.flush();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^cannot write .*missing-folder\/report\.json: ENOENT/);
  assert.equal(writer.error(), errors[0]);
  assert.deepEqual(writer.stats(), { writes: 2, failures: 2, ignoredEvents: 0 });
  await writer.close();
});

test('events before run-started are ignored and counted; close stops listening', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), REPORT_FILE_NAME);
  const clock = new FakeClock();
  const bus = new EventBus();
  const writer = new ReportWriter(file, bus, { clock });
  bus.emit({ type: 'warning', at: clock.now(), job: null, message: 'too early' });
  await writer.flush();
  assert.equal(writer.record(), null);
  assert.deepEqual(writer.stats(), { writes: 0, failures: 0, ignoredEvents: 1 });
  bus.emit(started(clock));
  await writer.close();
  bus.emit({ type: 'run-finished', at: clock.now(), status: 'failed' });
  assert.equal((readReport(file) as { status: string }).status, 'running');
  assert.equal(writer.stats().writes, 1);
});
