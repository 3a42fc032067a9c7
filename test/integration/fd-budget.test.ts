// A low open-file limit (`ulimit -n`) never crashes a run: the runner starts fewer jobs at once,
// says so once, and every job still runs. Both PTY backends, the CLI started under a real limit.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FDS_PER_JOB } from '../../src/run/fd-budget.js';
import { repoRoot } from '../helpers/paths.js';
import { killTree } from '../helpers/kill-tree.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { within, type CliResult } from '../helpers/run-cli.js';

const BACKENDS = ['native', 'js'] as const;

// Starts the built CLI with its open-file limit set to `nofile` (soft and hard): Node cannot
// setrlimit, so a shell sets it and execs node (same pid). The limit is the only argument
// the shell sees; nothing is interpolated into its script.
function startLimited(t: TestContext, nofile: number, args: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn('sh', ['-c', 'ulimit -n "$0" && exec "$@"', String(nofile), process.execPath, path.join(repoRoot, 'bin', 'codex-run.js'), ...args], {
    cwd,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killTree(child.pid);
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, result };
}

/**
 * The descriptors `pid` holds (number -> what it points to), once the same numbers have been
 * open for 10 polls in a row (200 ms): one held for a moment (a git child's pipes, a report
 * being written) would put the lowest free number in the wrong place.
 */
function steadyDescriptors(pid: number): Promise<Map<number, string>> {
  let last = '';
  let same = 0;
  return waitFor(
    `the open descriptors of ${pid} to stay the same for 200 ms`,
    () => {
      const fds = new Map<number, string>();
      for (const name of readdirSync(`/proc/${pid}/fd`)) {
        try {
          fds.set(Number(name), readlinkSync(`/proc/${pid}/fd/${name}`));
        } catch {
          // closed between the listing and the link: not held
        }
      }
      const key = [...fds.keys()].sort((x, y) => x - y).join(',');
      same = key === last ? same + 1 : 0;
      last = key;
      return same >= 10 ? fds : null;
    },
    30_000,
    20,
  );
}

function writeJobs(dir: string, count: number, concurrency: number, script: string): void {
  let text = `version: 1\nconcurrency: ${concurrency}\njobs:\n`;
  for (let i = 0; i < count; i++) text += `  j${i}:\n    agent: command\n    command: [sh, -c, ${JSON.stringify(script)}, j${i}]\n`;
  writeFileSync(path.join(dir, 'jobs.yaml'), text);
}

function report(dir: string): { warnings: { message: string }[]; jobs: { name: string; status: string; startedAt: string | null; finishedAt: string | null }[] } {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'report.json')));
  assert.equal(runs.length, 1, `one run folder with a report: ${runs.join(', ')}`);
  return JSON.parse(readFileSync(path.join(root, runs[0]!, 'report.json'), 'utf8'));
}

// The most jobs that ran at the same moment, from their start and end times.
function mostAtOnce(jobs: { startedAt: string | null; finishedAt: string | null }[]): number {
  const edges: [number, number][] = [];
  for (const job of jobs) {
    if (job.startedAt === null || job.finishedAt === null) continue;
    edges.push([Date.parse(job.startedAt), 1], [Date.parse(job.finishedAt), -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

for (const backend of BACKENDS) {
  test(`${backend}: 40 jobs at concurrency 40 under 'ulimit -n 128' all succeed, fewer at once, with one warning`, { timeout: 120_000 }, async (t) => {
    const dir = tempDir('codex-run-fd-budget-');
    writeJobs(dir, 40, 40, 'echo hi; sleep 1');
    const { child, result } = startLimited(t, 128, ['run', 'jobs.yaml'], dir, { CODEX_RUN_PTY: backend });
    const r = await within(result, 100_000, () => 'the run did not finish', () => child.pid !== undefined && killTree(child.pid));
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out);
    assert.match(r.stdout, /40 jobs: 40 succeeded/, out);
    assert.doesNotMatch(out, /EMFILE|too many open files|Cannot find module/i, out);
    const lowered = [...out.matchAll(/concurrency 40 lowered to (\d+): the open-file limit is 128 \(ulimit -n\)/g)];
    assert.equal(lowered.length, 1, `the warning once:\n${out}`);
    const effective = Number(lowered[0]![1]);
    assert.ok(effective >= 1 && effective < 40, `lowered to ${effective}`);
    const json = report(dir);
    assert.equal(json.jobs.filter((j) => j.status === 'succeeded').length, 40);
    assert.equal(json.warnings.filter((w) => w.message.includes(`concurrency 40 lowered to ${effective}`)).length, 1, JSON.stringify(json.warnings));
    const most = mostAtOnce(json.jobs);
    assert.ok(most <= effective, `at most ${effective} jobs at once, saw ${most}`);
  });

  test(`${backend}: a running job holds no more descriptors in the runner than FDS_PER_JOB.${backend} (${FDS_PER_JOB[backend]})`, { timeout: 120_000 }, async (t) => {
    const held = async (jobs: number): Promise<number> => {
      const dir = tempDir('codex-run-fd-cost-');
      const ready = path.join(dir, 'ready');
      mkdirSync(ready);
      // Each job marks itself ready, then waits for the release file; the paths are the test's own.
      writeJobs(dir, jobs, jobs, `touch ${JSON.stringify(ready + '/')}"$0"; while [ ! -e ${JSON.stringify(path.join(dir, 'release'))} ]; do sleep 0.05; done`);
      const { child, result } = startLimited(t, 4096, ['run', 'jobs.yaml'], dir, { CODEX_RUN_PTY: backend });
      try {
        await waitFor(`${jobs} jobs to be running`, () => readdirSync(ready).length === jobs, 60_000);
        // The fewest over a few reads: a job's moment-long descriptors (a /proc read) are not what it holds.
        let fewest = Infinity;
        for (let i = 0; i < 20; i++) fewest = Math.min(fewest, readdirSync(`/proc/${child.pid}/fd`).length);
        writeFileSync(path.join(dir, 'release'), '');
        const r = await within(result, 30_000, () => 'the run did not finish', () => child.pid !== undefined && killTree(child.pid));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        return fewest;
      } finally {
        writeFileSync(path.join(dir, 'release'), '');
      }
    };
    const one = await held(1);
    const nine = await held(9);
    const perJob = (nine - one) / 8;
    assert.ok(perJob > 0 && perJob <= FDS_PER_JOB[backend], `a running job holds ${perJob} descriptors (1 job: ${one}, 9 jobs: ${nine}); FDS_PER_JOB.${backend} is ${FDS_PER_JOB[backend]}`);
  });
}

// Whether the run's events.jsonl has recorded `job` as finished.
function finished(dir: string, job: string): boolean {
  const root = path.join(dir, '.codex-run', 'runs');
  if (!existsSync(root)) return false;
  const line = new RegExp(`"type":"job-finished","at":"[^"]*","job":"${job}"`);
  return readdirSync(root).some((run) => {
    const file = path.join(root, run, 'events.jsonl');
    return existsSync(file) && line.test(readFileSync(file, 'utf8'));
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: the open-file limit lowered under a running run: the job that cannot start fails naming EMFILE, the rest wait and succeed`, { timeout: 90_000 }, async (t) => {
    const prlimit = spawnSync('prlimit', ['--version']);
    assert.equal(prlimit.error, undefined, 'this test lowers the limit of the running CLI with prlimit (util-linux)');
    const dir = tempDir('codex-run-fd-starved-');
    const mark = (name: string): string => JSON.stringify(path.join(dir, name));
    const text =
      'version: 1\nconcurrency: 2\njobs:\n' +
      `  a:\n    agent: command\n    command: [sh, -c, ${JSON.stringify(`touch ${mark('a-ready')}; while [ ! -e ${mark('release-a')} ]; do sleep 0.05; done`)}]\n` +
      `  b:\n    agent: command\n    command: [sh, -c, ${JSON.stringify(`touch ${mark('b-ready')}; while [ ! -e ${mark('release-b')} ]; do sleep 0.05; done`)}]\n` +
      `  c:\n    agent: command\n    command: [sh, -c, 'echo c ran']\n` +
      `  d:\n    agent: command\n    command: [sh, -c, 'echo d ran']\n`;
    writeFileSync(path.join(dir, 'jobs.yaml'), text);
    const { child, result } = startLimited(t, 4096, ['run', 'jobs.yaml'], dir, { CODEX_RUN_PTY: backend });
    try {
      await waitFor('a and b to be running', () => existsSync(path.join(dir, 'a-ready')) && existsSync(path.join(dir, 'b-ready')), 30_000);
      // A new descriptor takes the lowest free number, and EMFILE means that number is not below
      // the limit: what counts is which numbers are free, not how many are open (descriptors the
      // runner inherited, holes left by closed ones). The limit goes to the lowest free number
      // (no room at all), or lower, to b's first file: then b's files, when b ends, free numbers
      // above the limit, and what else b gives back is less than a job needs, so c cannot start.
      const fds = await steadyDescriptors(child.pid!);
      let firstFree = 0;
      while (fds.has(firstFree)) firstFree++;
      const bFiles = [...fds].filter(([, target]) => /\/b\.(?:log|txt|timing)$/.test(target)).map(([n]) => n);
      assert.ok(bFiles.length > 0, `b's files among the runner's descriptors: ${JSON.stringify([...fds])}`);
      const limit = Math.min(firstFree, ...bFiles);
      // The soft limit only: it can be raised again (the hard one stays what the shell set).
      const setLimit = (soft: number): void => {
        const set = spawnSync('prlimit', ['--pid', String(child.pid), `--nofile=${soft}:4096`], { encoding: 'utf8' });
        assert.equal(set.status, 0, set.stderr);
      };
      setLimit(limit);
      writeFileSync(path.join(dir, 'release-b'), '');
      await waitFor('c to have finished', () => finished(dir, 'c'), 30_000);
      // Room again before a ends: d, queued behind a, then starts.
      setLimit(4096);
    } finally {
      writeFileSync(path.join(dir, 'release-a'), '');
      writeFileSync(path.join(dir, 'release-b'), '');
    }
    const r = await within(result, 30_000, () => 'the run did not finish', () => child.pid !== undefined && killTree(child.pid));
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, `a run with a failed job exits 1:\n${out}`);
    assert.doesNotMatch(out, /Cannot find module|^\s+at /m, out);
    const json = report(dir) as ReturnType<typeof report> & { jobs: { name: string; status: string; message?: string | null }[] };
    const byName = new Map(json.jobs.map((j) => [j.name, j]));
    assert.equal(byName.get('a')?.status, 'succeeded', out);
    assert.equal(byName.get('b')?.status, 'succeeded', out);
    assert.equal(byName.get('c')?.status, 'failed', out);
    assert.match(JSON.stringify(byName.get('c')), /too many open files \(EMFILE\): /, out);
    assert.equal(byName.get('d')?.status, 'succeeded', `d waited for a running job to end:\n${out}`);
    assert.equal([...out.matchAll(/warning: concurrency 2 lowered to 1: a job could not start, too many open files/g)].length, 1, out);
  });
}
