import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { EventBus } from '../../src/run/events.js';
import { planRun } from '../../src/run/plan.js';
import { startRun } from '../../src/run/start-run.js';
import { systemClock } from '../../src/util/clock.js';
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
