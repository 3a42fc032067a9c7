import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { EventBus } from '../../src/run/events.js';
import { planRun } from '../../src/run/plan.js';
import { startRun } from '../../src/run/start-run.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { err } from '../../src/util/result.js';
import { fakePtyFactory } from '../helpers/fake-pty.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a rehearsal that cannot start fails every job in a complete report, and nothing is spawned', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const manifestFile = path.join(dir, 'jobs.yaml');
  writeFileSync(manifestFile, 'version: 1\njobs:\n  fix:\n    prompt: "Fix it"\n  lint:\n    agent: command\n    command: [echo, hi]\n');
  const loaded = await loadManifest(manifestFile, { env: process.env });
  assert.ok(loaded.ok);
  const plan = planRun(loaded.value, { env: process.env });
  assert.ok(plan.ok);
  const { factory, spawned } = fakePtyFactory();
  const started = await startRun(plan.value, {
    runsRoot: path.join(dir, 'runs'),
    bus: new EventBus(),
    clock: systemClock,
    graceMs: 100,
    ptyFactory: factory,
    rehearsal: async () => err('could not start the rehearsal model server on 127.0.0.1: EADDRNOTAVAIL'),
  });
  assert.ok(started.ok, 'the run folder exists, so the run itself goes on to record the failure');
  const outcome = await started.value.finished;
  assert.equal(spawned.length, 0);
  assert.equal(outcome.status, 'failed');
  assert.deepEqual(
    outcome.results.map((r) => [r.name, r.result.status, r.result.reason]),
    [
      ['fix', 'failed', 'spawn-failed'],
      ['lint', 'failed', 'spawn-failed'],
    ],
  );
  const report = JSON.parse(readFileSync(path.join(outcome.runDir, 'report.json'), 'utf8')) as { status: string; jobs: Array<{ message: string }> };
  assert.equal(report.status, 'failed');
  assert.match(report.jobs[0]?.message ?? '', /EADDRNOTAVAIL/);
});

/**
 * Node counts timers on the event loop's millisecond clock, so one may fire up to a millisecond
 * before Date.now() says it is due. This clock makes that happen every time (2 ms early).
 */
const earlyClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms - 2)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

test('a wall budget whose timer fires before Date.now() reaches it still stops the job, and the run, naming the budget', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const manifestFile = path.join(dir, 'jobs.yaml');
  const endless = '[node, -e, "setInterval(() => {}, 1000)"]';
  writeFileSync(
    manifestFile,
    `version: 1\nbudget: { wall: 2s }\njobs:\n  capped:\n    agent: command\n    command: ${endless}\n    budget: { wall: 400ms }\n  uncapped:\n    agent: command\n    command: ${endless}\n`,
  );
  const loaded = await loadManifest(manifestFile, { env: process.env });
  assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.error));
  const plan = planRun(loaded.value, { env: process.env });
  assert.ok(plan.ok);
  const started = await startRun(plan.value, { runsRoot: path.join(dir, 'runs'), bus: new EventBus(), clock: earlyClock, graceMs: 200 });
  assert.ok(started.ok);
  // Were no budget to stop them, the endless jobs are interrupted here, so a failure never hangs the suite.
  const run = started.value;
  const deadline = setTimeout(() => run.interrupt(true), 20_000);
  const outcome = await run.finished.finally(() => clearTimeout(deadline));
  const byName = new Map(outcome.results.map((r) => [r.name, r.result]));
  assert.equal(byName.get('capped')?.reason, 'budget-exhausted');
  assert.equal(byName.get('capped')?.message, "the job's wall budget of 400ms is used up");
  assert.equal(byName.get('uncapped')?.reason, 'budget-exhausted');
  assert.equal(byName.get('uncapped')?.message, "the run's wall budget of 2s is used up");
});
