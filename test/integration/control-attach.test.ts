import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { startCliInTerminal } from '../helpers/pty-cli.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface ReportJob {
  name: string;
  status: string;
  interventions: Array<{ kind: string; by?: string; rule?: { index: number } | null }>;
}

// A person in a real terminal: attach, answer the first question by hand, detach with Ctrl-];
// supervision is paused meanwhile (its rule for the second question waits) and answers after.
test('attach types into the job with supervision paused, Ctrl-] detaches, and supervision resumes', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\ndefaults:\n  agent: command\n  enterDelay: 100ms\njobs:\n  ask:\n    command: [node, ${fixture('agent-yn-prompt.js')}, "2"]\n    answers:\n      - match: "Apply changes \\\\(2/2\\\\)"\n        send: "y"\n`,
  );
  const run = startCli(['jobs.yaml', '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  await waitFor('ask to wait for input', async () => {
    const r = await runCli(['ps', '--json'], { cwd: dir });
    const runs = JSON.parse(r.stdout || '{"runs":[]}') as { runs: Array<{ jobs: Array<{ name: string; state: string }> }> };
    return runs.runs[0]?.jobs[0]?.state === 'waiting-for-input';
  }, 20_000, 200);

  const term = startCliInTerminal(['attach', 'ask'], { cwd: dir });
  t.after(() => {
    try {
      process.kill(term.pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await waitFor('the attached terminal to show the question', () => term.output().includes('Apply changes (1/2)? [y/n]'), 20_000, 50);
  term.write('y');
  // The echo arrives after the repaint's cursor placement.
  await waitFor('the typed key to echo', () => /\x1b\[\d+;\d+Hy/.test(term.output()), 10_000, 50);
  term.write('\r');
  await waitFor('the second question', () => term.output().includes('Apply changes (2/2)? [y/n]'), 10_000, 50);
  // While attached the rule for (2/2) does not answer.
  const paused = await runCli(['ps', '--json'], { cwd: dir });
  assert.match(paused.stdout, /attached \(supervision paused\)|waiting-for-input/);
  term.write('\x1d');
  const exited = await term.exited;
  assert.equal(exited.exitCode, 0, term.output());
  assert.match(term.output(), /detached from ask; supervision resumes/);

  const result = await run.result;
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root);
  const report = JSON.parse(readFileSync(path.join(root, runId!, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const job = report.jobs[0]!;
  assert.equal(job.status, 'succeeded');
  assert.deepEqual(job.interventions.map((i) => [i.kind, i.by ?? null, i.rule?.index ?? null]), [
    ['attach', 'user', null],
    ['detach', 'user', null],
    ['answer', null, 0],
  ]);
  const log = readFileSync(path.join(root, runId!, 'ask.log'), 'utf8');
  assert.match(log, /answer 1: "y\\r"/, 'the keys typed while attached reached the job');
});

test('attach --watch streams the job read-only and ends when the job ends', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\ndefaults:\n  agent: command\n  enterDelay: 100ms\njobs:\n  ask:\n    command: [node, ${fixture('agent-yn-prompt.js')}]\n`);
  const run = startCli(['jobs.yaml'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  await waitFor('ask to run', async () => (await runCli(['ps', '--json'], { cwd: dir })).stdout.includes('waiting-for-input'), 20_000, 200);
  const watch = startCli(['attach', 'ask', '--watch'], { cwd: dir });
  t.after(() => {
    if (watch.child.exitCode === null) watch.child.kill('SIGKILL');
  });
  await waitFor('the watcher to show the screen', () => watch.stdout().includes('Apply changes (1/1)? [y/n]'), 20_000, 50);
  assert.equal((await runCli(['send', 'ask', 'y'], { cwd: dir })).code, 0);
  const watched = await watch.result;
  assert.equal(watched.code, 0, watched.stderr);
  assert.match(watched.stdout, /done/);
  assert.match(watched.stderr, /job ask finished/);
  assert.equal((await run.result).code, 0);
});

// Resizing the attached terminal resizes the job's (the program gets SIGWINCH, the screen model
// follows); detaching gives the job its own size back.
test('attach passes terminal resizes to the job, and detach restores its size', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\ndefaults:\n  agent: command\njobs:\n  winch:\n    command: [node, ${fixture('agent-winch.js')}]\n`);
  const run = startCli(['jobs.yaml', '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  const screen = async (): Promise<{ cols: number; rows: number; lines: string[] } | null> => {
    const r = await runCli(['screen', 'winch', '--json'], { cwd: dir });
    return r.code === 0 ? (JSON.parse(r.stdout) as { cols: number; rows: number; lines: string[] }) : null;
  };
  const sized = (want: string, cols: number) => async () => {
    const s = await screen();
    return s !== null && s.cols === cols && s.lines.some((l) => l.trim() === want) ? s : null;
  };
  await waitFor('the job to show its size', sized('size 120x40', 120), 20_000, 200);

  const term = startCliInTerminal(['attach', 'winch'], { cwd: dir });
  t.after(() => {
    try {
      process.kill(term.pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await waitFor('the attached terminal to show the screen', () => term.output().includes('size 120x40'), 20_000, 50);
  term.resize(90, 25);
  await waitFor('the job to see the new size', () => term.output().includes('size 90x25'), 20_000, 50);
  const resized = await waitFor('the screen model to take the new size', sized('size 90x25', 90), 20_000, 200);
  assert.equal(resized.rows, 25);
  term.write('\x1d');
  const exited = await term.exited;
  assert.equal(exited.exitCode, 0, term.output());
  const restored = await waitFor('the job to get its own size back', sized('size 120x40', 120), 20_000, 200);
  assert.equal(restored.rows, 40);

  assert.equal((await runCli(['send', 'winch', 'q'], { cwd: dir })).code, 0);
  const result = await run.result;
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const log = readFileSync(path.join(dir, '.codex-run', 'runs', readdirSync(path.join(dir, '.codex-run', 'runs'))[0]!, 'winch.log'), 'utf8');
  assert.match(log, /size 120x40[\s\S]*size 90x25[\s\S]*size 120x40/);
});
