import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ACTIVITY_FLUSH_MS, EVENTS_FILE_NAME, EventsLog, serialiseEvent } from '../../src/logs/events-log.js';
import { EventBus, type RunEvent } from '../../src/run/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 0);

const events: RunEvent[] = [
  {
    type: 'run-started',
    at: T0,
    runId: 'r1',
    runDir: '/runs/r1',
    manifest: '/p/jobs.yaml',
    jobs: [{ name: 'a', argv: ['echo', 'hi'], workdir: '/p', envKeys: ['K'], timeoutMs: null, logFile: 'a.log', transcriptFile: 'a.txt' }],
  },
  { type: 'job-state', at: T0 + 1, job: 'a', phase: 'running', detail: null },
  { type: 'job-output', at: T0 + 2, job: 'a', data: Buffer.from('secret raw bytes\n') },
  { type: 'job-activity', at: T0 + 3, job: 'a', line: 'hi' },
  { type: 'warning', at: T0 + 4, job: null, message: 'careful' },
  {
    type: 'job-finished',
    at: T0 + 5,
    job: 'a',
    result: { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: T0 + 1, finishedAt: T0 + 5 },
  },
  { type: 'run-finished', at: T0 + 6, status: 'succeeded' },
];

test('events.jsonl holds every event but job-output, one JSON object per line, times as ISO strings', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), EVENTS_FILE_NAME);
  const bus = new EventBus();
  const log = EventsLog.create(file, bus);
  for (const event of events) bus.emit(event);
  await log.close();
  bus.emit({ type: 'warning', at: T0 + 7, job: null, message: 'after close' });

  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes('secret raw bytes'));
  assert.ok(text.endsWith('\n'));
  const lines = text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as unknown);
  assert.deepEqual(lines, [
    {
      type: 'run-started',
      at: '2026-01-01T12:00:00.000Z',
      runId: 'r1',
      runDir: '/runs/r1',
      manifest: '/p/jobs.yaml',
      jobs: [{ name: 'a', argv: ['echo', 'hi'], workdir: '/p', envKeys: ['K'], timeoutMs: null, logFile: 'a.log', transcriptFile: 'a.txt' }],
    },
    { type: 'job-state', at: '2026-01-01T12:00:00.001Z', job: 'a', phase: 'running', detail: null },
    { type: 'job-activity', at: '2026-01-01T12:00:00.003Z', job: 'a', line: 'hi' },
    { type: 'warning', at: '2026-01-01T12:00:00.004Z', job: null, message: 'careful' },
    {
      type: 'job-finished',
      at: '2026-01-01T12:00:00.005Z',
      job: 'a',
      result: {
        status: 'succeeded',
        reason: null,
        message: null,
        exitCode: 0,
        signal: null,
        stoppedBy: null,
        startedAt: '2026-01-01T12:00:00.001Z',
        finishedAt: '2026-01-01T12:00:00.005Z',
      },
    },
    { type: 'run-finished', at: '2026-01-01T12:00:00.006Z', status: 'succeeded' },
  ]);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(log.error(), null);
});

test('a line never spans two lines, whatever the strings hold', () => {
  const line = serialiseEvent({ type: 'job-activity', at: T0, job: 'x\ny', line: 'a\r\nb\u2028c' });
  assert.equal(line, '{"type":"job-activity","at":"2026-01-01T12:00:00.000Z","job":"x\\ny","line":"a\\r\\nb\u2028c"}\n');
  assert.equal(serialiseEvent(events[2]!), null);
});

test('an events file that cannot be created is an error value', { timeout: 20_000 }, async () => {
  const opened = await EventsLog.open(path.join(tempDir(), 'missing', EVENTS_FILE_NAME), new EventBus());
  assert.equal(opened.ok, false);
  assert.match(!opened.ok ? opened.error : '', /ENOENT/);
});

test('activity lines are gathered: written together once their time is up, or at once before the next decision, in order', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), EVENTS_FILE_NAME);
  const bus = new EventBus();
  const clock = new FakeClock(T0);
  const opened = await EventsLog.open(file, bus, { clock });
  assert.ok(opened.ok);
  const log = opened.value;
  const activity = (n: number): RunEvent => ({ type: 'job-activity', at: T0 + n, job: `j${n % 3}`, line: `line ${n}` });
  const typesAndLines = (): string[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const e = JSON.parse(l) as { type: string; line?: string; message?: string };
        return `${e.type}:${e.line ?? e.message ?? ''}`;
      });

  for (let n = 1; n <= 3; n++) bus.emit(activity(n));
  clock.advance(ACTIVITY_FLUSH_MS - 1);
  assert.equal(log.bytesWritten(), 0, 'activity lines wait for their time');
  clock.advance(1);
  const afterTimer = log.bytesWritten();
  assert.ok(afterTimer > 0, 'their time is up: all three go out');
  await waitFor('the gathered lines in the file', () => typesAndLines().length === 3, 5_000);

  bus.emit(activity(4));
  bus.emit(activity(5));
  assert.equal(log.bytesWritten(), afterTimer);
  bus.emit({ type: 'warning', at: T0 + 6, job: null, message: 'now' });
  assert.ok(log.bytesWritten() > afterTimer, 'a decision takes the gathered lines with it');
  bus.emit(activity(7));
  await log.close();
  assert.deepEqual(typesAndLines(), ['job-activity:line 1', 'job-activity:line 2', 'job-activity:line 3', 'job-activity:line 4', 'job-activity:line 5', 'warning:now', 'job-activity:line 7']);
});
