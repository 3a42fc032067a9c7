import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DiskSpace } from '../../src/logs/disk-space.js';
import { EventsLog, truncateToLastLine } from '../../src/logs/events-log.js';
import { JobLog } from '../../src/logs/job-log.js';
import { EventBus } from '../../src/run/events.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const MANIFEST = `version: 1\njobs:\n  flood:\n    agent: command\n    command: [node, ${JSON.stringify(fixture('agent-flood.js'))}, "3"]\n  small:\n    agent: command\n    command: [echo, small job]\n`;

/**
 * Runs the CLI with its runs root on a real 1 MiB tmpfs and returns a copy of what it left
 * there. As root (as in CI) the tmpfs is mounted here and unmounted after; otherwise the run
 * happens inside `unshare -rm`, a user namespace where mounting a tmpfs is allowed.
 */
async function runOnFullDisk(t: { after: (fn: () => void) => void }): Promise<{ result: CliResult; runs: string }> {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), MANIFEST);
  const runs = path.join(dir, 'runs');
  mkdirSync(runs);
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', runs]);
    // Unmounted after the test, before the temporary folder is removed; the copy is what is checked.
    let mounted = true;
    const unmount = (): void => {
      if (mounted) spawnSync('umount', ['-l', runs]);
      mounted = false;
    };
    t.after(unmount);
    try {
      const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 60_000 });
      const copy = path.join(dir, 'copy');
      execFileSync('cp', ['-a', `${runs}/.`, copy]);
      return { result, runs: copy };
    } finally {
      unmount();
    }
  }
  const copy = path.join(dir, 'copy');
  mkdirSync(copy);
  const script = `mount -t tmpfs -o size=1m tmpfs runs || exit 99; "$0" "$1" run jobs.yaml --out runs; code=$?; cp -a runs/. copy/; exit $code`;
  const child = spawnSync('unshare', ['-rm', 'sh', '-c', script, process.execPath, path.join(repoRoot, 'bin', 'codex-run.js')], {
    cwd: dir,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  assert.notEqual(child.status, 99, `neither root nor a user namespace can mount a tmpfs here: ${child.stderr}`);
  return { result: { code: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr }, runs: copy };
}

test('a full disk: the job fails as log-write-failed, report.json is complete and final, events.jsonl has only whole lines', { timeout: 90_000 }, async (t) => {
  const { result, runs } = await runOnFullDisk(t);
  assert.equal(result.code, 1, result.stderr + result.stdout);
  const runDir = path.join(runs, readdirSync(runs).filter((n) => !n.startsWith('.'))[0]!);
  const reportText = readFileSync(path.join(runDir, 'report.json'), 'utf8');
  const report = JSON.parse(reportText) as {
    status: string;
    finishedAt: string | null;
    jobs: Array<{ name: string; status: string; reason: string | null }>;
    warnings: Array<{ message: string }>;
  };
  assert.equal(report.status, 'failed', reportText.slice(0, 2000));
  assert.notEqual(report.finishedAt, null);
  const flood = report.jobs.find((j) => j.name === 'flood');
  assert.deepEqual([flood?.status, flood?.reason], ['failed', 'log-write-failed']);
  assert.ok(report.jobs.every((j) => j.status !== 'running' && j.status !== 'pending'), JSON.stringify(report.jobs));
  assert.ok(report.warnings.some((w) => /ENOSPC|disk is full/.test(w.message)), JSON.stringify(report.warnings));

  const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
  assert.ok(events === '' || events.endsWith('\n'), `events.jsonl ends mid-line: ${JSON.stringify(events.slice(-200))}`);
  for (const line of events.split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
  assert.equal(existsSync(path.join(runDir, '.space-reserve')), false, 'the reserve is gone after the run');
});

test('events.jsonl on a disk that fills mid-line is cut back to whole lines, and the other logs of the run stop', { timeout: 30_000 }, async (t) => {
  const dir = tempDir();
  const mountPoint = path.join(dir, 'small');
  mkdirSync(mountPoint);
  const root = process.getuid?.() === 0;
  let mounted = false;
  const unmount = (): void => {
    if (mounted) spawnSync('umount', ['-l', mountPoint]);
    mounted = false;
  };
  t.after(unmount);
  if (root) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
    mounted = true;
  }
  try {
    const file = path.join(mountPoint, 'events.jsonl');
    const bus = new EventBus();
    const space = new DiskSpace();
    const errors: string[] = [];
    const events = EventsLog.create(file, bus, { space, onError: (m) => errors.push(m) });
    const other = JobLog.create(path.join(mountPoint, 'other.log'), { space });
    other.write(Buffer.from('x'));
    for (let i = 0; i < 200 && errors.length === 0; i++) {
      bus.emit({ type: 'warning', at: i, job: null, message: `${i} ${'w'.repeat(1500)}` });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await events.close();
    // Output given to another log of the run after the disk filled is dropped, not written.
    await new Promise((resolve) => setTimeout(resolve, 10));
    other.write(Buffer.from('more'));
    await other.close();
    if (root) {
      assert.match(errors[0] ?? '', /ENOSPC/);
      assert.match(other.error() ?? '', /disk is full/, 'the other log of the run stopped too');
      assert.equal(readFileSync(path.join(mountPoint, 'other.log'), 'utf8'), 'x');
    } else {
      // Without root there is no small disk to fill: the repair itself is checked on a partial line.
      writeFileSync(file, '{"a":1}\n{"b":');
      await truncateToLastLine(file);
    }
    const text = readFileSync(file, 'utf8');
    assert.ok(text.length > 0 && text.endsWith('\n'), `ends mid-line: ${JSON.stringify(text.slice(-100))}`);
    for (const line of text.split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line));
  } finally {
    unmount();
  }
});
