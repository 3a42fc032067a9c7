/**
 * End to end with the real codex (--rehearse): `codex-run resume JOB` of a rehearsed job goes on
 * in the job's script after the turns its session already played (as `resume --from` does), and
 * never plays the script from its first turn again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Report {
  jobs: Array<{ name: string; status: string; sessionId: string | null }>;
}

test('codex-run resume of a rehearsed job plays the script turns after those its session played', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    [
      'version: 1',
      'jobs:',
      '  cx:',
      '    prompt: "Write the notes"',
      `    workdir: ${workdir}`,
      '    idle: { kill: 4s }',
      '    resume: { max: 1 }',
      '    rehearsal:',
      '      - stall: 10m',
      '      - stall: 10m',
      '      - write: notes.txt',
      '        content: "written after the stalls\\n"',
      '      - say: Done.',
      '',
    ].join('\n'),
  );
  const env = { HOME: dir };
  const first = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, env, deadlineMs: 40_000 });
  assert.equal(first.code, 1, first.stdout + first.stderr);
  const root = path.join(dir, '.codex-run', 'runs');
  const [oldRun] = readdirSync(root).sort();
  const old = JSON.parse(readFileSync(path.join(root, oldRun!, 'report.json'), 'utf8')) as Report;
  assert.equal(old.jobs[0]?.status, 'killed', first.stdout + first.stderr);
  const oldTurns = (JSON.parse(readFileSync(path.join(root, oldRun!, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ turns: number[] }>>)['cx']!.flatMap((r) => r.turns);
  assert.deepEqual(oldTurns, [0, 1], `the run and its own resume each played one stall: ${first.stdout}`);

  const resumed = await runCli(['resume', 'cx', '--prompt', 'Go on'], { cwd: dir, env, deadlineMs: 40_000 });
  const out = resumed.stdout + resumed.stderr;
  assert.equal(resumed.code, 0, out);
  const newRun = readdirSync(root).sort()[1]!;
  const report = JSON.parse(readFileSync(path.join(root, newRun, 'report.json'), 'utf8')) as Report;
  assert.equal(report.jobs[0]?.status, 'succeeded', out);
  assert.equal(readFileSync(path.join(workdir, 'notes.txt'), 'utf8'), 'written after the stalls\n');
  const turns = (JSON.parse(readFileSync(path.join(root, newRun, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ turns: number[] }>>)['cx']!.flatMap((r) => r.turns);
  assert.deepEqual(turns, [2, 3], 'the resumed session goes on with write and say (indexes of the whole script)');
});

test('after codex-run resume cx, codex-run resume cl (as the first summary said) finds cl in the run before', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const job = (name: string): string[] => [
    `  ${name}:`,
    '    prompt: "Work"',
    `    workdir: ${path.join(dir, name)}`,
    '    idle: { kill: 4s }',
    '    resume: { max: 0 }',
    '    rehearsal: [{ stall: 10m }, { say: Done. }]',
  ];
  for (const name of ['cx', 'cl']) mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, 'jobs.yaml'), ['version: 1', 'jobs:', ...job('cx'), ...job('cl'), ''].join('\n'));
  const env = { HOME: dir };
  const first = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, env, deadlineMs: 40_000 });
  assert.equal(first.code, 1, first.stdout + first.stderr);
  assert.match(first.stdout, /codex-run resume cl\b/, 'the summary says how to resume cl');
  const root = path.join(dir, '.codex-run', 'runs');
  const [firstRun] = readdirSync(root).sort();

  const cx = await runCli(['resume', 'cx'], { cwd: dir, env, deadlineMs: 40_000 });
  assert.equal(cx.code, 0, cx.stdout + cx.stderr);
  const cl = await runCli(['resume', 'cl'], { cwd: dir, env, deadlineMs: 40_000 });
  assert.equal(cl.code, 0, cl.stdout + cl.stderr);
  const runs = readdirSync(root).sort();
  assert.equal(runs.length, 3);
  const report = JSON.parse(readFileSync(path.join(root, runs[2]!, 'report.json'), 'utf8')) as Report & { resumedFrom: { runId: string; job: string } };
  assert.deepEqual({ runId: report.resumedFrom.runId, job: report.resumedFrom.job }, { runId: firstRun, job: 'cl' }, 'cl is resumed from the first run');
  assert.equal(report.jobs[0]?.status, 'succeeded');
});
