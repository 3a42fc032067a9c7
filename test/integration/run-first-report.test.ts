import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { EventBus } from '../../src/run/events.js';
import { planRun } from '../../src/run/plan.js';
import { startRun } from '../../src/run/start-run.js';
import { systemClock } from '../../src/util/clock.js';
import { err } from '../../src/util/result.js';
import { fakePtyFactory } from '../helpers/fake-pty.js';
import { startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

test('report.json is in the run folder from the moment the folder has its name', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  const manifestFile = path.join(dir, 'jobs.yaml');
  writeFileSync(manifestFile, 'version: 1\njobs:\n  lint:\n    agent: command\n    command: [echo, hi]\n');
  const loaded = await loadManifest(manifestFile, { env: process.env });
  assert.ok(loaded.ok);
  const plan = planRun(loaded.value, { env: process.env });
  assert.ok(plan.ok);
  const runsRoot = path.join(dir, 'runs');
  let atRehearsal: { names: string[]; report: unknown } | null = null;
  const started = await startRun(plan.value, {
    runsRoot,
    bus: new EventBus(),
    clock: systemClock,
    graceMs: 100,
    ptyFactory: fakePtyFactory().factory,
    // Called after the folder exists and before run-started: what a runner killed here leaves.
    rehearsal: async (_jobs, { parentDir }) => {
      const report = path.join(parentDir, 'report.json');
      atRehearsal = { names: readdirSync(runsRoot), report: existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null };
      return err('stop here');
    },
  });
  assert.ok(started.ok);
  await started.value.finished;
  const seen = atRehearsal as { names: string[]; report: { status: string; jobs: Array<{ name: string; status: string }> } | null } | null;
  assert.ok(seen !== null);
  assert.deepEqual(seen.names, [started.value.runId], 'no partial folder is left next to the run folder');
  assert.ok(seen.report !== null, 'report.json was missing while the run folder existed');
  assert.equal(seen.report.status, 'running');
  assert.deepEqual(seen.report.jobs.map((j) => [j.name, j.status]), [['lint', 'pending']]);
});

test('a runner SIGKILLed as soon as its run folder appears leaves a valid report.json in it', { timeout: 60_000 }, async (t) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  wait:\n    agent: command\n    command: [sleep, "5"]\n');
    const runsRoot = path.join(dir, '.codex-run', 'runs');
    const cli = startCli(['run', 'jobs.yaml'], { cwd: dir });
    t.after(() => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    });
    const runDir = await waitFor(
      'a run folder',
      () => {
        const names = existsSync(runsRoot) ? readdirSync(runsRoot).filter((n) => !n.startsWith('.')) : [];
        return names[0] === undefined ? null : path.join(runsRoot, names[0]);
      },
      15_000,
      1,
    );
    cli.child.kill('SIGKILL');
    await cli.result;
    const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { status: string; runDir: string };
    assert.equal(report.runDir, runDir);
    assert.equal(report.status, 'running');
  }
});
