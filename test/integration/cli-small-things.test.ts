import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function onlyRunDir(dir: string): string {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.equal(runs.length, 1, `expected one run folder, found ${runs.join(', ')}`);
  return path.join(root, runs[0]!);
}

test('codex-run --help lists the run options, not only the commands', { timeout: 20_000 }, async () => {
  const r = await runCli(['--help'], { cwd: tempDir() });
  assert.equal(r.code, 0, r.stderr);
  for (const option of ['--dry-run', '--rehearse', '--concurrency', '--json', '--job']) assert.ok(r.stdout.includes(option), `${option} missing:\n${r.stdout}`);
  assert.match(r.stdout, /replay/, 'the commands are still listed');
});

test('an unknown command is said to be one, with a suggestion; a missing *.yaml is still a manifest error', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  const ps = await runCli(['rplay'], { cwd: dir });
  assert.equal(ps.code, 2);
  assert.match(ps.stderr, /unknown command 'rplay'.*did you mean 'replay'\?/);
  assert.doesNotMatch(ps.stderr, /cannot read the manifest/);
  const missing = await runCli(['nightly.yaml'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nightly\.yaml:1:1: error: cannot read the manifest/);
  // A file of that name is a manifest, whatever it is called (a name that is not a command: `ps` is one now).
  writeFileSync(path.join(dir, 'tonight'), 'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo, hi]\n');
  const file = await runCli(['tonight', '--dry-run'], { cwd: dir });
  assert.equal(file.code, 0, file.stderr);
  assert.match(file.stdout, /Plan for .*tonight: 1 job, /);
});

test('events.jsonl is in time order: a job’s last activity line comes before its job-finished', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const jobs = Array.from({ length: 3 }, (_, i) => `  j${i}:\n    agent: command\n    command: [sh, -c, "echo first-${i}; echo last-line-${i}"]\n`).join('');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n${jobs}`);
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const runDir = onlyRunDir(dir);
  const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; at: string; job?: string; line?: string });
  const times = events.map((e) => Date.parse(e.at));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `event ${i} (${events[i]!.type}) is earlier than the one before:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
  for (let i = 0; i < 3; i++) {
    const finished = events.findIndex((e) => e.type === 'job-finished' && e.job === `j${i}`);
    assert.ok(finished >= 0);
    assert.ok(!events.slice(finished + 1).some((e) => e.job === `j${i}`), `j${i} has events after job-finished`);
    const activity = events.filter((e) => e.type === 'job-activity' && e.job === `j${i}`);
    assert.equal(activity.at(-1)?.line, `last-line-${i}`);
  }
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: Array<{ detail: string | null; lastLine: string | null }> };
  assert.ok(report.jobs.every((j) => j.detail === null), JSON.stringify(report.jobs));
});
