import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

/** Where the compiled UI modules are, next to this compiled test. */
const LIVE_DISPLAY = new URL('../../src/ui/live-display.js', import.meta.url).href;
const EVENTS = new URL('../../src/run/events.js', import.meta.url).href;
const CLOCK = new URL('../../src/util/clock.js', import.meta.url).href;

/** How long a child may take to finish and exit on its own. */
const EXIT_DEADLINE_MS = 10_000;

/**
 * A child that shows a short run with the real clock (so the elapsed tick, the activity throttle
 * and listr2's spinner are real timers), waits for done() and then simply returns: it must exit
 * by itself. `end` is `finished` (run-finished) or `stopped` (stop() without run-finished).
 */
function childSource(mode: string, end: 'finished' | 'stopped'): string {
  return `
    import { EventBus } from ${JSON.stringify(EVENTS)};
    import { startDisplay } from ${JSON.stringify(LIVE_DISPLAY)};
    import { systemClock } from ${JSON.stringify(CLOCK)};
    const bus = new EventBus();
    const display = startDisplay(bus, { mode: ${JSON.stringify(mode)}, stream: process.stdout, clock: systemClock, color: false });
    const now = () => Date.now();
    const plan = (name) => ({ name, argv: ['x'], workdir: '/', envKeys: [], timeoutMs: null, logFile: name + '.log', transcriptFile: name + '.txt' });
    bus.emit({ type: 'run-started', at: now(), runId: 'r', runDir: '/tmp/r', manifest: '/tmp/jobs.yaml', jobs: [plan('lint'), plan('slow')] });
    bus.emit({ type: 'job-state', at: now(), job: 'lint', phase: 'running', detail: null });
    bus.emit({ type: 'job-state', at: now(), job: 'slow', phase: 'running', detail: null });
    bus.emit({ type: 'job-activity', at: now(), job: 'lint', line: 'one' });
    bus.emit({ type: 'job-activity', at: now(), job: 'lint', line: 'two' });
    bus.emit({ type: 'job-activity', at: now(), job: 'slow', line: 'thinking' });
    bus.emit({ type: 'job-activity', at: now(), job: 'slow', line: 'still thinking' });
    bus.emit({ type: 'warning', at: now(), job: null, message: 'careful' });
    // Let listr2 load and draw a few frames before the run ends.
    await new Promise((resolve) => setTimeout(resolve, 300));
    bus.emit({ type: 'job-finished', at: now(), job: 'lint', result: { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: now() - 1000, finishedAt: now() } });
    ${end === 'finished' ? "bus.emit({ type: 'run-finished', at: now(), status: 'failed' }); await display.done();" : 'await display.stop();'}
    process.stdout.write('DONE\\n');
  `;
}

/** Runs the child and waits for it to exit on its own; kills it by pid (and fails) at the deadline. */
function runChild(source: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit by itself within ${EXIT_DEADLINE_MS} ms; stdout so far:\n${stdout}\nstderr:\n${stderr}`));
    }, EXIT_DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

for (const mode of ['rich', 'plain', 'quiet', 'silent']) {
  test(`${mode} mode: done() leaves nothing running, the process exits by itself`, { timeout: 120_000 }, async () => {
    const child = await runChild(childSource(mode, 'finished'));
    assert.equal(child.stderr, '');
    assert.equal(child.signal, null);
    assert.equal(child.code, 0, 'exit code 13 would mean done() never resolved');
    assert.ok(child.stdout.endsWith('DONE\n'), `stdout was:\n${child.stdout}`);
    if (mode === 'rich' || mode === 'plain') assert.match(child.stdout, /lint: succeeded|lint\s+succeeded/);
    if (mode === 'quiet') assert.match(child.stdout, /warning: careful/);
    if (mode === 'silent') assert.equal(child.stdout, 'DONE\n');
    // The child waits 300 ms on purpose; a leftover 10 s throttle timer would show here (a re-arming tick would hit the deadline).
    assert.ok(child.ms < 8_000, `took ${child.ms} ms`);
  });
}

test('rich mode: stop() without run-finished also leaves nothing running', { timeout: 120_000 }, async () => {
  const child = await runChild(childSource('rich', 'stopped'));
  assert.equal(child.stderr, '');
  assert.equal(child.code, 0);
  assert.match(child.stdout, /slow\s+unfinished/);
  assert.ok(child.stdout.endsWith('DONE\n'), `stdout was:\n${child.stdout}`);
});
