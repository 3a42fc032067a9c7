import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { EventBus, type JobPlanInfo, type JobResult } from '../../src/run/events.js';
import { startDisplay } from '../../src/ui/live-display.js';
import { FakeClock } from '../helpers/fake-clock.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const CURSOR_SHOW = '\u001b[?25h';
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

function plan(name: string): JobPlanInfo {
  return { name, argv: ['/bin/true'], workdir: '/w', envKeys: [], timeoutMs: null, logFile: `${name}.log`, transcriptFile: `${name}.txt` };
}

function result(partial: Partial<JobResult>): JobResult {
  return { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: null, finishedAt: 0, ...partial };
}

/** A terminal-like stream (isTTY, columns, rows) that records everything written to it. */
function fakeTerminal(columns: number): { stream: PassThrough; text: () => string; waitFor: (re: RegExp, ms?: number) => Promise<void> } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns, rows: 30 });
  let text = '';
  const waiters: Array<() => void> = [];
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  // Resolves once the stripped output matches, or fails with the output so far at the deadline.
  const waitFor = (re: RegExp, ms = 5_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${text.replace(ANSI, '')}`)), ms);
      const check = (): void => {
        if (re.test(text.replace(ANSI, ''))) {
          clearTimeout(deadline);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { stream, text: () => text, waitFor };
}

// The latest frame listr2 drew: what follows its last erase (which ends by moving to column 1).
function latestFrame(raw: string): string {
  return raw.slice(raw.lastIndexOf('\u001b[G') + 3).replace(ANSI, '');
}

// The final frame: the latest one before the cursor is shown again.
function finalFrame(raw: string): string {
  return latestFrame(raw.slice(0, raw.lastIndexOf(CURSOR_SHOW)));
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

test('rich mode draws a live row per job with ticking elapsed time and final statuses', { timeout: 120_000 }, async (t) => {
  const sigintListeners = process.listenerCount('SIGINT');
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const term = fakeTerminal(100);
  const display = startDisplay(bus, { mode: 'rich', stream: term.stream, clock, color: false });
  // A failed assertion must not leave listr2's spinner running (the test process would hang).
  t.after(() => display.stop());

  bus.emit({
    type: 'run-started',
    at: T0,
    runId: 'r1',
    runDir: '/w/runs/r1',
    manifest: '/w/jobs.yaml',
    jobs: ['lint', 'fix-tests', 'later', 'not-chosen'].map(plan),
  });
  for (const job of ['lint', 'fix-tests', 'later', 'not-chosen']) bus.emit({ type: 'job-state', at: T0, job, phase: 'pending', detail: null });
  bus.emit({ type: 'job-state', at: T0, job: 'lint', phase: 'running', detail: null });
  bus.emit({ type: 'job-state', at: T0, job: 'fix-tests', phase: 'running', detail: null });
  bus.emit({ type: 'job-output', at: T0, job: 'lint', data: Buffer.from('\u001b[2Jraw') });
  bus.emit({ type: 'job-activity', at: T0, job: 'lint', line: 'building \u001b[1mpackages\u001b[0m' });

  await term.waitFor(/lint\s+running 0s[\s\S]*› building packages/);
  await term.waitFor(/later\s+pending/);
  clock.advance(3_000);
  await term.waitFor(/lint\s+running 3s/);
  const live = latestFrame(term.text());
  assert.match(live, /◼ later\s+pending/, `queued jobs show the waiting square, not a spinner:\n${live}`);
  assert.doesNotMatch(live, /◼ lint/);
  assert.doesNotMatch(term.text(), /raw/, 'job-output bytes never reach the display');
  assert.equal(process.listenerCount('SIGINT'), sigintListeners, 'signals belong to the run: listr2 registers no SIGINT handler');

  bus.emit({ type: 'warning', at: clock.now(), job: 'lint', message: 'slow disk' });
  await term.waitFor(/warning: lint: slow disk/);
  bus.emit({ type: 'job-finished', at: clock.now(), job: 'lint', result: result({ startedAt: T0, finishedAt: T0 + 3_000 }) });
  bus.emit({
    type: 'job-finished',
    at: clock.now(),
    job: 'fix-tests',
    result: result({ status: 'failed', reason: 'exit-non-zero', exitCode: 1, message: '2 tests failed', startedAt: T0, finishedAt: T0 + 2_500 }),
  });
  bus.emit({
    type: 'job-finished',
    at: clock.now(),
    job: 'not-chosen',
    result: result({ status: 'skipped', reason: 'not-selected', exitCode: null, finishedAt: T0 }),
  });
  bus.emit({ type: 'run-finished', at: clock.now(), status: 'interrupted' });
  await withDeadline(display.done(), 5_000, 'done()');

  const frame = finalFrame(term.text());
  assert.match(frame, /✔ lint\s+succeeded in 3\.0s/);
  assert.match(frame, /✖ fix-tests\s+failed \(exit 1\) in 2\.5s: 2 tests failed/);
  assert.match(frame, /↓ not-chosen\s+skipped \(not-selected\)/);
  assert.match(frame, /later\s+unfinished/);
  const after = term.text().slice(term.text().lastIndexOf(CURSOR_SHOW) + CURSOR_SHOW.length);
  assert.equal(after, 'warning: lint: slow disk\n', 'all warnings are printed once the list stops');

  term.stream.write('after\n');
  assert.ok(term.text().endsWith('after\n'), 'listr2 gave the stream back');
  assert.equal(clock.timerCount, 0, 'the elapsed-time tick is cleared');
});

test('rich rows are cut to the terminal width', { timeout: 120_000 }, async (t) => {
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const term = fakeTerminal(40);
  const display = startDisplay(bus, { mode: 'rich', stream: term.stream, clock, color: false });
  // A failed assertion must not leave listr2's spinner running (the test process would hang).
  t.after(() => display.stop());
  bus.emit({ type: 'run-started', at: T0, runId: 'r2', runDir: '/w/runs/r2', manifest: '/w/jobs.yaml', jobs: [plan('wide')] });
  bus.emit({ type: 'job-state', at: T0, job: 'wide', phase: 'running', detail: null });
  bus.emit({ type: 'job-activity', at: T0, job: 'wide', line: 'x'.repeat(200) });
  await term.waitFor(/wide\s+running 0s[\s\S]*› x+…/);
  bus.emit({ type: 'run-finished', at: T0, status: 'interrupted' });
  await withDeadline(display.done(), 5_000, 'done()');
  const lines = term.text().replace(ANSI, '').split('\n');
  const longest = Math.max(...lines.map((l) => Array.from(l).length));
  assert.ok(longest <= 40, `a line of ${longest} columns was drawn on a 40-column terminal`);
  // Cut by us to one line (40 - 6 reserved for listr2's indent and icon), not wrapped by the terminal writer.
  assert.ok(lines.some((l) => /^ {2}› x{33}…$/.test(l)), `no single cut activity line in:\n${lines.join('\n')}`);
});

test('rich mode without run-started draws nothing; stop() still resolves', { timeout: 120_000 }, async () => {
  const bus = new EventBus();
  const term = fakeTerminal(80);
  const display = startDisplay(bus, { mode: 'rich', stream: term.stream, clock: new FakeClock(T0), color: false });
  bus.emit({ type: 'job-state', at: T0, job: 'ghost', phase: 'running', detail: null });
  await withDeadline(display.stop(), 5_000, 'stop()');
  assert.equal(term.text(), '');
});

test('rich mode shows what a blocked job is asked under its row, until it moves on', { timeout: 20_000 }, async (t) => {
  const clock = new FakeClock(T0);
  const bus = new EventBus();
  const term = fakeTerminal(120);
  const display = startDisplay(bus, { mode: 'rich', stream: term.stream, clock, color: false });
  t.after(() => display.stop());
  bus.emit({ type: 'run-started', at: T0, runId: 'r1', runDir: '/w/runs/r1', manifest: '/w/jobs.yaml', jobs: [plan('deploy')] });
  bus.emit({ type: 'job-state', at: T0, job: 'deploy', phase: 'running', detail: null });
  bus.emit({ type: 'job-activity', at: T0, job: 'deploy', line: 'compiling' });
  await term.waitFor(/compiling/);
  const question = { text: 'Would you like to run the following command?', options: [{ label: 'Yes, proceed', keys: ['y'] }, { label: 'No', keys: ['\x1b'] }] };
  bus.emit({ type: 'job-intervention', at: T0, job: 'deploy', intervention: { at: T0, kind: 'blocked', rule: null, excerpt: [], sent: null, question } });
  bus.emit({ type: 'job-state', at: T0, job: 'deploy', phase: 'running', detail: 'waiting for input' });
  await term.waitFor(/deploy +running 0s \(waiting for input\)\n.*\? Would you like to run the following command\? \[Yes, proceed \| No\]/);
  bus.emit({ type: 'job-state', at: T0 + 1000, job: 'deploy', phase: 'running', detail: 'working' });
  bus.emit({ type: 'job-activity', at: T0 + 1000, job: 'deploy', line: 'running the command' });
  await term.waitFor(/running 0s \(working\)\n.*running the command/);
  assert.doesNotMatch(latestFrame(term.text()), /Would you like/);
  bus.emit({ type: 'job-finished', at: T0 + 2000, job: 'deploy', result: result({ startedAt: T0, finishedAt: T0 + 2000 }) });
  bus.emit({ type: 'run-finished', at: T0 + 2000, status: 'succeeded' });
  await withDeadline(display.done(), 10_000, 'display.done()');
});
