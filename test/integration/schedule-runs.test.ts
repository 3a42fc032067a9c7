import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ScheduledManifests } from '../../src/schedule/scheduled-manifests.js';
import { ScheduledRuns } from '../../src/schedule/scheduled-runs.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Report {
  status: string;
  finishedAt: string | null;
  jobs: Array<{ name: string; status: string; stoppedBy: string | null }>;
}

function readReport(runDir: string): Report | null {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  } catch {
    return null;
  }
}

// The run folder of the only run in `outDir`, once its report says the job is running.
async function runningDir(outDir: string, job: string): Promise<string> {
  return waitFor(`job ${job} running`, () => {
    const entries = existsSync(outDir) ? readdirSync(outDir) : [];
    const found = entries.find((entry) => readReport(path.join(outDir, entry))?.jobs.some((j) => j.name === job && j.status === 'running'));
    return found === undefined ? null : path.join(outDir, found);
  });
}

test('a fire becomes a normal run of the manifest’s last valid model, even after the file stops validating', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-scheduled-runs-');
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, 'version: 1\njobs:\n  tick: { agent: command, command: [echo, version-one], schedule: "0 2 * * *" }\n');
  const manifests = new ScheduledManifests({ outDir: path.join(dir, 'out'), cwd: dir });
  const first = await manifests.load(file);
  assert.deepEqual(first.ok && first.value.map((j) => [j.job, j.spec.cron, j.workdir]), [['tick', '0 2 * * *', dir]]);

  writeFileSync(file, 'version: 1\njobs:\n  tick: { agent: command, command: [echo, version-two], schedule: "0 2 * * 9" }\n');
  const second = await manifests.load(file);
  assert.equal(second.ok, false);
  assert.match(second.ok ? '' : second.error, /^jobs\.yaml:3:67: error: invalid cron expression "0 2 \* \* 9"/);
  assert.equal(manifests.anyInvalid(), true);

  const runs = new ScheduledRuns({ manifests });
  const outcome = await runs.run({ manifest: file, jobs: ['tick'], firedAt: Date.now(), signal: new AbortController().signal });
  assert.equal(outcome.status, 'succeeded');
  assert.equal(path.dirname(outcome.runDir), path.join(dir, 'out'));
  assert.match(readFileSync(path.join(outcome.runDir, 'tick.log'), 'utf8'), /version-one/);
  assert.equal(readReport(outcome.runDir)?.finishedAt !== null, true);
});

test('aborting the request stops the run down the ladder; a second Ctrl-C (hurry) skips the grace periods', { timeout: 30_000 }, async () => {
  const dir = tempDir('codex-run-scheduled-abort-');
  const file = path.join(dir, 'jobs.yaml');
  // Ignores Ctrl-C and SIGTERM (ignored signals stay ignored across exec), so only SIGKILL ends
  // it; `exec` keeps it one process, so no child can slip past the kill while being forked.
  writeFileSync(file, `version: 1\njobs:\n  stubborn: { agent: command, command: "trap '' INT TERM; exec sleep 60", schedule: "0 2 * * *" }\n`);
  const manifests = new ScheduledManifests({ outDir: path.join(dir, 'out') });
  assert.equal((await manifests.load(file)).ok, true);
  // A grace period far longer than the test may take: only hurry() can make it finish in time.
  const runs = new ScheduledRuns({ manifests, graceMs: 120_000 });
  const controller = new AbortController();
  const started = Date.now();
  const result = runs.run({ manifest: file, jobs: ['stubborn'], firedAt: started, signal: controller.signal });
  const runDir = await runningDir(path.join(dir, 'out'), 'stubborn');
  controller.abort();
  runs.hurry();
  const outcome = await result;
  assert.ok(Date.now() - started < 20_000, 'hurry() skipped the grace periods');
  assert.equal(outcome.runDir, runDir);
  assert.equal(outcome.status, 'interrupted');
  const report = readReport(runDir);
  assert.notEqual(report?.finishedAt, null);
  assert.deepEqual(report?.jobs.map((j) => [j.name, j.status, j.stoppedBy]), [['stubborn', 'interrupted', 'kill']]);
});
