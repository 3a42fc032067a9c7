import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { EventBus } from '../../src/run/events.js';
import { planRun } from '../../src/run/plan.js';
import { startRun } from '../../src/run/start-run.js';
import { ptyFactoryFor, resolvePtyBackend } from '../../src/session/pty-backend.js';
import { burstShare, SCREEN_BUDGET } from '../../src/session/screen-budget.js';
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

test("each job's PTY gets its share of the run's screen burst, by the jobs that run at once", { timeout: 120_000 }, async () => {
  const spawnBursts = async (jobs: number, concurrency: number): Promise<Array<number | undefined>> => {
    const dir = tempDir();
    const manifestFile = path.join(dir, 'jobs.yaml');
    let yaml = `version: 1\nconcurrency: ${concurrency}\njobs:\n`;
    for (let i = 0; i < jobs; i++) yaml += `  job-${i}:\n    agent: command\n    command: [echo, "job ${i}"]\n`;
    writeFileSync(manifestFile, yaml);
    const loaded = await loadManifest(manifestFile, { env: process.env });
    assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.error));
    const plan = planRun(loaded.value, { env: process.env });
    assert.ok(plan.ok);
    const backend = resolvePtyBackend();
    assert.ok(backend.ok);
    const real = await ptyFactoryFor(backend.value);
    const bursts: Array<number | undefined> = [];
    const started = await startRun(plan.value, {
      runsRoot: path.join(dir, 'runs'),
      bus: new EventBus(),
      clock: systemClock,
      graceMs: 200,
      ptyFactory: (options) => {
        bursts.push(options.burstBytes);
        return real(options);
      },
    });
    assert.ok(started.ok);
    const outcome = await started.value.finished;
    assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome.results));
    return bursts;
  };
  // Ten jobs, eight at once: each gets an eighth of the run's burst.
  assert.deepEqual(await spawnBursts(10, 8), Array.from({ length: 10 }, () => burstShare(8)));
  assert.equal(burstShare(8), 8 * 1024);
  // Two jobs (a concurrency above the jobs counts only the jobs): a full burst each.
  assert.deepEqual(await spawnBursts(2, 16), [SCREEN_BUDGET.burstBytes, SCREEN_BUDGET.burstBytes]);
});
