// The native pump's quiet word ('q', protocol 4; issue 16, answer latency): the reply to
// codex-run's input is followed by a 'q' once the output pauses, so the screen shows it at once
// instead of after its own millisecond timer; output not following input gets none. Real
// pump, real PTY, real child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobFiles, jobFileNames } from '../../src/logs/job-files.js';
import { EventBus } from '../../src/run/events.js';
import { JobSession } from '../../src/session/job-session.js';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { createPumpFactory } from '../../src/session/pump-host.js';
import { procTreeControl } from '../../src/session/tree-control.js';
import { ok } from '../../src/util/result.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ANSWER_CONTINUE, floodJobSpec } from '../helpers/job-spec.js';
import { killTree } from '../helpers/kill-tree.js';
import { tempDir } from '../helpers/temp-dir.js';
import { defaultPumpBinary, probePump } from '../../src/session/pty-backend.js';
import type { PtyExit } from '../../src/session/pty.js';
import { fixture } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

test('native: the reply to our input is followed by a quiet word; output before any input, or long after it, is not', { timeout: 30_000 }, async (t) => {
  assert.equal(probePump(defaultPumpBinary()), null, 'the pump is built');
  const factory = createPumpFactory({ binary: defaultPumpBinary() });
  const pty = factory({
    file: process.execPath,
    args: [fixture('quiet-reply.js')],
    cwd: os.tmpdir(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    cols: 80,
    rows: 24,
  });
  t.after(() => {
    try {
      process.kill(pty.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  assert.ok(pty.onQuiet !== undefined, 'the pump says when output goes quiet');
  // What came, in order: each line seen, and 'q' for each quiet word.
  const events: string[] = [];
  let pending = '';
  pty.onQuiet(() => events.push('q'));
  pty.onData((chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    events.push(...lines.map((line) => line.replace(/\r+$/, '')));
  });
  let exit: PtyExit | null = null;
  pty.onExit((e) => {
    exit = e;
  });
  await waitFor('the banner', () => events.includes('banner 2'));
  assert.deepEqual(events, ['banner 1', 'banner 2'], 'no quiet word before any input');
  pty.write('x');
  await waitFor('the quiet word after the reply', () => events.at(-1) === 'q' && events.includes('got x'));
  assert.deepEqual(events, ['banner 1', 'banner 2', 'got x', 'q']);
  pty.write('y');
  await waitFor('the quiet word after the second reply', () => events.filter((e) => e === 'q').length === 2);
  assert.deepEqual(events.slice(2), ['got x', 'q', 'got y', 'q']);
  // Past the input window: "late" and "later" come without one (the pipe keeps the order, so a
  // quiet word for "late" would be before "later").
  pty.write('l');
  await waitFor('the exit', () => exit);
  assert.deepEqual(events.slice(6), ['late', 'later']);
  assert.deepEqual(exit, { exitCode: 0, signal: null });
});

test("native: a question right after an answer is answered on the pump's quiet word alone (the screen's own timers never fire here)", { timeout: 60_000 }, async (t) => {
  const clock = new FakeClock();
  const dir = tempDir();
  const names = jobFileNames('asks');
  const opened = await JobFiles.open(dir, names, { clock });
  assert.ok(opened.ok);
  const files = opened.value;
  const bus = new EventBus();
  const spec = floodJobSpec([ANSWER_CONTINUE]);
  let session: JobSession | null = null;
  const supervision = new JobSupervision({
    job: spec,
    cols: 80,
    rows: 24,
    clock,
    bus,
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: (data) => session?.write(data), stop: (cause, options) => session?.stop(cause, options) },
  });
  session = new JobSession({
    job: spec,
    launch: ok({ file: process.execPath, args: [fixture('ask-thrice.js')], env: {} }),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    interruptFirst: false,
    sink: files,
    observer: supervision,
    bus,
    clock,
    ptyFactory: createPumpFactory({ binary: defaultPumpBinary() }),
    tree: procTreeControl,
    marker: { name: 'CODEX_RUN_JOB_TOKEN', value: `pump-quiet-${process.pid}` },
    graceMs: 1000,
    cols: 80,
    rows: 24,
  });
  const done = session.start();
  const pid = session.pid;
  t.after(() => {
    if (pid !== null) killTree(pid);
  });
  // The first question is shown on the screen's leading edge; the next two come within its
  // throttle window, where only a quiet edge shows them: the fake clock never fires its timer.
  await waitFor('three answers', () => /answered y[\s\S]*answered y[\s\S]*answered y/.test(readFileSync(path.join(dir, names.logFile), 'latin1')), 20_000);
  const result = await done;
  assert.equal(result.status, 'succeeded', result.message ?? '');
  await files.close();
});
