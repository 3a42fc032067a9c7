import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { EventBus, type JobPlanInfo, type JobResult, type RunEvent } from '../../src/run/events.js';
import { startDisplay } from '../../src/ui/live-display.js';
import type { DisplayMode } from '../../src/ui/display-mode.js';
import { FakeClock } from '../helpers/fake-clock.js';

// Line timestamps are local time; pin the zone so the expected lines are exact.
process.env['TZ'] = 'UTC';

const T0 = Date.UTC(2026, 0, 1, 12, 1, 0);

function plan(name: string): JobPlanInfo {
  return { name, argv: ['/bin/true'], workdir: '/w', envKeys: [], timeoutMs: null, logFile: `${name}.log`, transcriptFile: `${name}.txt` };
}

function result(partial: Partial<JobResult>): JobResult {
  return { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: null, finishedAt: 0, ...partial };
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * A scripted run: each step sets the fake clock to T0 + `at` ms (firing due timers on the way)
 * and emits its event with that timestamp.
 */
type Step = { at: number; event: (at: number) => RunEvent };

const SCRIPT: Step[] = [
  {
    at: 0,
    event: (at) => ({ type: 'run-started', at, runId: 'r1', runDir: '/w/.codex-run/runs/r1', manifest: '/w/jobs.yaml', jobs: [plan('lint'), plan('fix-tests')] }),
  },
  { at: 0, event: (at) => ({ type: 'job-state', at, job: 'lint', phase: 'pending', detail: null }) },
  { at: 0, event: (at) => ({ type: 'job-state', at, job: 'fix-tests', phase: 'pending', detail: null }) },
  { at: 0, event: (at) => ({ type: 'job-state', at, job: 'lint', phase: 'starting', detail: null }) },
  { at: 500, event: (at) => ({ type: 'job-state', at, job: 'lint', phase: 'running', detail: null }) },
  { at: 1_000, event: (at) => ({ type: 'job-output', at, job: 'lint', data: Buffer.from('raw bytes\n') }) },
  { at: 1_000, event: (at) => ({ type: 'job-activity', at, job: 'lint', line: 'compiling a.ts' }) },
  { at: 2_000, event: (at) => ({ type: 'job-activity', at, job: 'lint', line: 'compiling b.ts' }) },
  { at: 3_000, event: (at) => ({ type: 'job-activity', at, job: 'lint', line: 'compiling \u001b[1mc.ts\u001b[0m' }) },
  // The window that opened at 1s ends at 11s and lets out the newest line.
  { at: 12_000, event: (at) => ({ type: 'job-activity', at, job: 'lint', line: 'linting' }) },
  { at: 13_000, event: (at) => ({ type: 'job-state', at, job: 'fix-tests', phase: 'running', detail: null }) },
  // Dropped: the job finishes before its window ends.
  { at: 14_000, event: (at) => ({ type: 'job-finished', at, job: 'lint', result: result({ startedAt: T0 + 500, finishedAt: at }) }) },
  { at: 15_000, event: (at) => ({ type: 'warning', at, job: null, message: 'disk almost full' }) },
  { at: 16_000, event: (at) => ({ type: 'job-state', at, job: 'fix-tests', phase: 'stopping', detail: 'timeout' }) },
  {
    at: 17_200,
    event: (at) => ({
      type: 'job-finished',
      at,
      job: 'fix-tests',
      result: result({ status: 'failed', reason: 'exit-non-zero', exitCode: 1, message: '2 tests failed\nsee the log', startedAt: T0 + 13_000, finishedAt: at }),
    }),
  },
  { at: 18_000, event: (at) => ({ type: 'run-finished', at, status: 'failed' }) },
];

const PLAIN_EXPECTED = [
  '[12:01:00] run r1 started: 2 jobs, run folder /w/.codex-run/runs/r1',
  '[12:01:00] lint: running',
  '[12:01:01] lint: > compiling a.ts',
  '[12:01:11] lint: > compiling c.ts',
  '[12:01:13] fix-tests: running',
  '[12:01:14] lint: succeeded in 13.5s',
  '[12:01:15] warning: disk almost full',
  '[12:01:16] fix-tests: stopping (timeout)',
  '[12:01:17] fix-tests: failed (exit 1) in 4.2s: 2 tests failed see the log',
  '[12:01:18] run failed in 18.0s',
  '',
].join('\n');

async function play(mode: DisplayMode): Promise<{ text: string; clock: FakeClock; bus: EventBus; more: () => string }> {
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const out = capture();
  const display = startDisplay(bus, { mode, stream: out.stream, clock, color: false });
  for (const step of SCRIPT) {
    clock.setTime(T0 + step.at);
    bus.emit(step.event(T0 + step.at));
  }
  await display.done();
  return { text: out.text(), clock, bus, more: out.text };
}

// Compares exactly; on a mismatch prints the actual text in a copy-pastable form.
function assertLines(actual: string, expected: string): void {
  if (actual !== expected) process.stderr.write(`--- actual output ---\n${actual}--- end ---\n`);
  assert.equal(actual, expected);
}

test('plain mode prints one timestamped line per event worth telling, activity throttled per job', async () => {
  const { text, clock } = await play('plain');
  assertLines(text, PLAIN_EXPECTED);
  assert.equal(clock.timerCount, 0, 'no throttle timer is left after done()');
});

test('after done() the display no longer listens', async () => {
  const { text, bus, more } = await play('plain');
  bus.emit({ type: 'warning', at: T0, job: null, message: 'late' });
  assert.equal(more(), text);
});

test('quiet mode prints only warnings', async () => {
  const { text } = await play('quiet');
  assertLines(text, '[12:01:15] warning: disk almost full\n');
});

test('silent mode prints nothing and still finishes', async () => {
  const { text, clock } = await play('silent');
  assertLines(text, '');
  assert.equal(clock.timerCount, 0);
});

test('colour on paints statuses and timestamps without changing the words', async () => {
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const out = capture();
  const display = startDisplay(bus, { mode: 'plain', stream: out.stream, clock, color: true });
  for (const step of SCRIPT) {
    clock.setTime(T0 + step.at);
    bus.emit(step.event(T0 + step.at));
  }
  await display.done();
  assert.match(out.text(), /lint: \u001b\[32msucceeded\u001b\[39m in 13\.5s/);
  assert.match(out.text(), /fix-tests: \u001b\[31mfailed\u001b\[39m \(exit 1\)/);
  assertLines(out.text().replace(/\u001b\[[0-9;]*m/g, ''), PLAIN_EXPECTED);
});

test('stop() ends the display without run-finished and clears its timers', async () => {
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const out = capture();
  const display = startDisplay(bus, { mode: 'plain', stream: out.stream, clock, color: false });
  for (const step of SCRIPT.slice(0, 8)) {
    clock.setTime(T0 + step.at);
    bus.emit(step.event(T0 + step.at));
  }
  assert.equal(clock.timerCount, 1, 'a throttle window is open');
  await display.stop();
  await display.done();
  assert.equal(clock.timerCount, 0);
  clock.advance(60_000);
  bus.emit({ type: 'warning', at: clock.now(), job: null, message: 'after stop' });
  assert.doesNotMatch(out.text(), /compiling b\.ts|after stop/);
});

test('a failure inside the display ends it with an internal error but never breaks the bus', async () => {
  const bus = new EventBus();
  const broken = { write: () => { throw new Error('disk gone'); } } as unknown as NodeJS.WritableStream;
  const display = startDisplay(bus, { mode: 'plain', stream: broken, clock: new FakeClock(T0), color: false });
  const seenByOthers: string[] = [];
  bus.on((event) => seenByOthers.push(event.type));
  for (const step of SCRIPT.slice(0, 5)) bus.emit(step.event(T0 + step.at));
  assert.deepEqual(seenByOthers, ['run-started', 'job-state', 'job-state', 'job-state', 'job-state']);
  await assert.rejects(display.done(), /^Error: Internal error: the live display failed: disk gone$/);
});

test('listeners registered after the display still receive run-finished', async () => {
  for (const mode of ['rich', 'plain', 'quiet', 'silent'] as const) {
    const bus = new EventBus();
    const display = startDisplay(bus, { mode, stream: capture().stream, clock: new FakeClock(T0), color: false });
    const seen: string[] = [];
    bus.on((event) => seen.push(event.type));
    bus.emit({ type: 'run-started', at: T0, runId: 'r', runDir: '/r', manifest: '/m', jobs: [] });
    bus.emit({ type: 'run-finished', at: T0, status: 'succeeded' });
    await display.done();
    assert.deepEqual(seen, ['run-started', 'run-finished'], `mode ${mode}`);
  }
});
