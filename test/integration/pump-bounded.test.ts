// The native pump's bounded mode (issue 16): with the log and the transcript written by the
// pump, Node gets only what the screen budget lets through and the tails of floods, while
// every counter, both files, the rules, OSC signals, attach and headless monitors still work.
// Real pump, real PTY, real files, real supervision; the node-pty path is run for comparison.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AgentMonitor, LaunchPlan } from '../../src/agents/adapter.js';
import { JobFiles, jobFileNames } from '../../src/logs/job-files.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { floodJobSpec } from '../helpers/job-spec.js';
import { EventBus } from '../../src/run/events.js';
import { JobSession } from '../../src/session/job-session.js';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { burstShare, SCREEN_BUDGET } from '../../src/session/screen-budget.js';
import { probePump, defaultPumpBinary } from '../../src/session/pty-backend.js';
import { createPumpFactory } from '../../src/session/pump-host.js';
import { nodePtyFactory } from '../../src/session/pty-host.js';
import type { PtyFactory } from '../../src/session/pty.js';
import { procTreeControl } from '../../src/session/tree-control.js';
import { systemClock } from '../../src/util/clock.js';
import { ok } from '../../src/util/result.js';
import { killTree } from '../helpers/kill-tree.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

type Backend = 'native' | 'js';

function factoryFor(backend: Backend): PtyFactory {
  return backend === 'native' ? createPumpFactory({ binary: defaultPumpBinary() }) : nodePtyFactory;
}

function job(answers: Array<Record<string, unknown>> = []): JobSpec {
  return floodJobSpec(answers);
}

/** A monitor that records what reaches it (OSC 7501, titles, lines). */
function recordingMonitor(wantsLines: boolean) {
  const seen = { oscs: [] as string[], titles: [] as string[], lines: [] as string[] };
  const monitor: AgentMonitor = {
    oscIdents: [7501],
    wantsLines,
    prepare: () => ok(undefined),
    onOsc: (_ident, payload) => seen.oscs.push(payload),
    onLine: (line) => seen.lines.push(line),
    onScreen: () => undefined,
    onTitle: (title) => seen.titles.push(title),
    finish: () => Promise.resolve(null),
    dispose: () => undefined,
  };
  return { seen, monitor };
}

interface RunOptions {
  backend: Backend;
  args: string[];
  answers?: Array<Record<string, unknown>>;
  wantsLines?: boolean;
  /** Another program than the flood fixture. */
  command?: [string, ...string[]];
  /**
   * Keeps the main thread busy this long right after the start (as a runner spawning 200 jobs
   * is): the job's first output comes before Node hears of its pid.
   */
  busyAfterStartMs?: number;
  /** The job's share of the run's screen burst (src/session/screen-budget.ts); absent: one job's full burst. */
  screenBurstBytes?: number;
  /** Called once the job runs (e.g. to attach). */
  running?: (session: JobSession, bus: EventBus, supervision: JobSupervision, files: JobFiles) => void;
}

async function runFlood(t: { after(fn: () => void): void }, o: RunOptions) {
  const dir = tempDir();
  const names = jobFileNames('flood');
  const opened = await JobFiles.open(dir, names, { clock: systemClock });
  assert.ok(opened.ok);
  const files = opened.value;
  const bus = new EventBus();
  const { seen, monitor } = recordingMonitor(o.wantsLines === true);
  const [file, ...args] = o.command ?? [process.execPath, fixture('flood-prompt.js'), ...o.args];
  const launch: LaunchPlan = { file, args, env: {}, monitor: () => monitor };
  let session: JobSession | null = null;
  const supervision = new JobSupervision({
    job: job(o.answers),
    cols: 120,
    rows: 40,
    clock: systemClock,
    bus,
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: (data) => session?.write(data), stop: (cause, options) => session?.stop(cause, options) },
    ...(o.screenBurstBytes !== undefined ? { screenBurstBytes: o.screenBurstBytes } : {}),
  });
  session = new JobSession({
    job: job(o.answers),
    launch: ok(launch),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    interruptFirst: false,
    sink: files,
    observer: supervision,
    bus,
    clock: systemClock,
    ptyFactory: factoryFor(o.backend),
    tree: procTreeControl,
    marker: { name: 'CODEX_RUN_JOB_TOKEN', value: `pump-bounded-${process.pid}` },
    graceMs: 1000,
    cols: 120,
    rows: 40,
  });
  const done = session.start();
  if (o.busyAfterStartMs !== undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, o.busyAfterStartMs);
  const pid = session.pid;
  t.after(() => {
    if (pid !== null) killTree(pid);
  });
  o.running?.(session, bus, supervision, files);
  const result = await done;
  await files.close();
  return {
    result,
    session,
    supervision,
    seen,
    files,
    log: readFileSync(path.join(dir, names.logFile)),
    transcript: readFileSync(path.join(dir, names.transcriptFile), 'utf8'),
  };
}

const nativeProblem = probePump(defaultPumpBinary());

test('the pump is built (bounded mode needs it)', { timeout: 10_000 }, () => {
  assert.equal(nativeProblem, null);
});

test('native: a 50 MiB flood reaches Node as bounded bytes; counters, log and screen stay exact', { timeout: 180_000 }, async (t) => {
  const run = await runFlood(t, { backend: 'native', args: ['50', 'no-prompt'] });
  assert.equal(run.result.status, 'succeeded', run.result.message ?? '');
  const total = run.log.length;
  assert.ok(total > 50 * 1024 * 1024, `log of ${total} bytes`);
  assert.equal(run.session.bytes, total, 'every byte is counted, skipped or not');
  assert.equal(run.supervision.screenWork().outputBytes, total, 'supervision counts every byte (output cap, progress)');
  assert.ok(run.session.delivered < total / 10, `Node got ${run.session.delivered} of ${total} bytes`);
  assert.ok(run.supervision.screenWork().gaps > 0, 'tails were sent');
  assert.equal(run.files.stats().log.written, total);
  assert.match(run.log.toString('latin1').slice(-200), /flood done\r\n$/);
  // The job's last line (live display, report) is its last line, though Node saw only tails.
  assert.equal(run.files.lastLine(), 'flood done');
});

test('native and js write the same log and transcript for a flood', { timeout: 180_000 }, async (t) => {
  const native = await runFlood(t, { backend: 'native', args: ['6', 'no-prompt'] });
  const js = await runFlood(t, { backend: 'js', args: ['6', 'no-prompt'] });
  assert.equal(native.result.status, 'succeeded');
  assert.equal(js.result.status, 'succeeded');
  assert.ok(native.log.equals(js.log), 'byte-exact logs');
  assert.equal(native.transcript, js.transcript);
  assert.ok(native.session.delivered < native.session.bytes, 'the native run was bounded');
  assert.equal(js.session.delivered, js.session.bytes, 'node-pty delivers every byte');
});

for (const backend of ['native', 'js'] as const) {
  test(`${backend}: a prompt after a flood is answered by a rule${backend === 'native' ? '; OSC 7501 and the title inside the flood reach the monitor' : ''}`, { timeout: 120_000 }, async (t) => {
    const run = await runFlood(t, { backend, args: ['20'], answers: [{ match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } }] });
    assert.equal(run.result.status, 'succeeded', run.result.message ?? '');
    assert.match(run.log.toString('latin1'), /answered y/);
    if (backend === 'native') {
      // Kept from the skipped part of the flood (the JS path loses them when the screen skips them).
      assert.deepEqual(run.seen.oscs, ['state=busy;n=42']);
      assert.ok(run.seen.titles.includes('flood-title-42'), `titles seen: ${JSON.stringify(run.seen.titles)}`);
      assert.ok(run.session.delivered < run.session.bytes / 4, 'bounded');
    }
  });
}

test('native: an attach mid-flood gets every byte from then on', { timeout: 120_000 }, async (t) => {
  let got = 0;
  let attachedAt = -1;
  let skippedAt = { skipped: 0, gaps: 0 };
  let supervisionOf: (() => { skipped: number; gaps: number }) | null = null;
  let unwatch: (() => void) | null = null;
  const run = await runFlood(t, {
    backend: 'native',
    args: ['30', 'no-prompt'],
    running: (session, bus, supervision) => {
      supervisionOf = () => supervision.screenWork();
      bus.on((event) => {
        if (event.type === 'job-output' && attachedAt >= 0) got += event.data.length;
      });
      void waitFor('the flood to start', () => session.bytes > 2 * 1024 * 1024, 60_000).then(() => {
        unwatch = session.watchOutput();
        attachedAt = session.bytes;
        skippedAt = supervisionOf?.() ?? skippedAt;
      });
    },
  });
  (unwatch as (() => void) | null)?.();
  assert.equal(run.result.status, 'succeeded');
  assert.ok(attachedAt > 0);
  // Every byte after the switch, except what the pump held back when it came (one last tail's gap).
  const end = run.supervision.screenWork();
  const after = run.session.bytes - attachedAt;
  assert.ok(end.gaps - skippedAt.gaps <= 1, `${end.gaps - skippedAt.gaps} gaps after the attach`);
  assert.equal(got + (end.skipped - skippedAt.skipped), after, 'the watcher got every byte after the switch');
  assert.ok(got > after / 2);
  assert.ok(run.session.delivered < run.session.bytes, 'bounded before the attach');
});

test('native: a headless monitor that reads lines gets every line (full output)', { timeout: 120_000 }, async (t) => {
  const run = await runFlood(t, { backend: 'native', args: ['4', 'no-prompt'], wantsLines: true });
  assert.equal(run.result.status, 'succeeded');
  assert.equal(run.session.delivered, run.session.bytes);
  const numbered = run.seen.lines.filter((l) => l.startsWith('+ line '));
  assert.equal(numbered.length, Number(/line (\d+) of/.exec(numbered.at(-1) ?? '')?.[1] ?? -1) + 1, 'no line missing');
  assert.equal(run.seen.lines.at(-1), 'flood done');
});

test('native: a note of codex-run written while the pump has the transcript lands in order with the output', { timeout: 60_000 }, async (t) => {
  let marked = false;
  const go = path.join(tempDir(), 'go');
  const run = await runFlood(t, {
    backend: 'native',
    args: [],
    command: ['/bin/sh', '-c', 'echo before; while [ ! -e "$0" ]; do sleep 0.02; done; sleep 0.3; echo after', go],
    running: (session, _bus, _supervision, files) => {
      void waitFor('the first line', () => session.bytes >= 'before\r\n'.length, 20_000).then(() => {
        files.mark('[codex-run] a note');
        marked = true;
        // The job goes on once the note is sent (the control frame is read before later output).
        writeFileSync(go, '');
      });
    },
  });
  assert.ok(marked);
  assert.equal(run.result.status, 'succeeded', run.result.message ?? '');
  assert.equal(run.transcript, 'before\n\n[codex-run] a note\n\nafter\n');
  assert.equal(run.log.toString(), 'before\r\nafter\r\n', 'the note is never in the byte-exact log');
});

test('native: jobs that print past the budget and exit at once: every byte is counted and the last tail arrives before the exit', { timeout: 120_000 }, async (t) => {
  let bounded = 0;
  for (let i = 0; i < 12; i++) {
    const bytes = 20_000 + i * 9_000;
    const run = await runFlood(t, {
      backend: 'native',
      args: [],
      command: ['/bin/sh', '-c', `head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 79; echo; echo "end of job ${i}"`],
    });
    assert.equal(run.result.status, 'succeeded');
    assert.equal(run.session.bytes, run.log.length, `job ${i}: counted = logged`);
    assert.equal(run.supervision.screenWork().outputBytes, run.log.length);
    assert.match(run.log.toString(), new RegExp(`end of job ${i}\\r\\n$`));
    assert.ok(run.transcript.endsWith(`end of job ${i}\n`), `job ${i}: the transcript is complete`);
    assert.equal(run.files.lastLine(), `end of job ${i}`);
    if (run.session.delivered < run.session.bytes) bounded++;
  }
  assert.ok(bounded > 0, 'some jobs had output skipped');
});

test('native: a job that prints 1 MiB the moment it starts is bounded from its first bytes (the mode is sent before the pid is known)', { timeout: 120_000 }, async (t) => {
  const text = path.join(tempDir(), 'one-mib.txt');
  writeFileSync(text, `${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_+=.,:;0123456'}\n`.repeat(13_500));
  for (let i = 0; i < 5; i++) {
    const run = await runFlood(t, { backend: 'native', args: [], command: ['/bin/cat', text], busyAfterStartMs: 400 });
    assert.equal(run.result.status, 'succeeded', run.result.message ?? '');
    assert.equal(run.session.bytes, run.log.length, 'every byte is counted');
    assert.ok(run.log.length > 1024 * 1024);
    // The screen's 16 KiB burst and a few tails, not the first part of the output whole.
    assert.ok(run.session.delivered < 256 * 1024, `run ${i}: Node got ${run.session.delivered} of ${run.session.bytes} bytes`);
  }
});

test('native: a flood in steps (lines every 10 ms) gets a tail per tick, not one per step, and the prompt at its end is answered', { timeout: 120_000 }, async (t) => {
  const run = await runFlood(t, {
    backend: 'native',
    args: [],
    command: [process.execPath, fixture('step-flood.js'), '20', '10', '2000'],
    answers: [{ match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } }],
  });
  assert.equal(run.result.status, 'succeeded', run.result.message ?? '');
  assert.match(run.transcript, /answered y/);
  assert.equal(run.session.bytes, run.log.length, 'every byte is counted');
  const { tails, snapshots } = run.supervision.screenWork();
  t.diagnostic(`${tails} tails, ${snapshots} snapshots`);
  // 2 s of ~200 steps, past the 16 KiB burst after ~0.1 s: ~19 ticks of 100 ms. A tail per
  // pause between steps was ~190 (and the screen took each for the end of the flood).
  assert.ok(tails >= 5 && tails <= 60, `${tails} tails in 2 s of steps`);
  assert.ok(snapshots <= 40, `${snapshots} snapshots for the policies`);
});

test("native: the pump runs the job's share of the run's screen burst: a start-up screen past it is held and reaches the screen whole", { timeout: 120_000 }, async (t) => {
  const size = 9000;
  const share = burstShare(21);
  assert.ok(share < size && size < SCREEN_BUDGET.burstBytes, `a screen of ${size} bytes is past a share of ${share} and within a full burst`);
  const answers = [{ match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } }];
  const command: [string, ...string[]] = [process.execPath, fixture('startup-screen.js'), String(size)];
  const shared = await runFlood(t, { backend: 'native', args: [], command, answers, screenBurstBytes: share });
  const alone = await runFlood(t, { backend: 'native', args: [], command, answers });
  for (const [name, run] of [['shared', shared], ['alone', alone]] as const) {
    assert.equal(run.result.status, 'succeeded', `${name}: ${run.result.message ?? ''}`);
    assert.match(run.transcript, /answered y/, name);
    assert.equal(run.session.bytes, run.log.length, `${name}: every byte is counted`);
    // Nothing skipped: the screen got the whole start-up screen either way.
    assert.equal(run.supervision.screenWork().skipped, 0, name);
    assert.equal(run.supervision.screenWork().fed, run.log.length, `${name}: the screen parsed every byte`);
  }
  // With the share, the screen went past the pump's burst: held, then sent whole once quiet.
  assert.ok(shared.supervision.screenWork().tails >= 1, `shared: ${JSON.stringify(shared.supervision.screenWork())}`);
  assert.equal(alone.supervision.screenWork().tails, 0, `alone: ${JSON.stringify(alone.supervision.screenWork())}`);
});
