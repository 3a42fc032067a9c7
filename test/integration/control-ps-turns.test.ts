import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface PsJob {
  name: string;
  state: string;
  label: string;
  turns: number | null;
  parkedUntil: string | null;
  tokensUsed: number | null;
}

// The real Codex CLI against the rehearsal model: a job that hit a usage limit is parked; `ps`
// says until when, and how many turns it has had; after the run, `ps --all` keeps the turns.
test('ps shows a parked job as "usage limit until HH:MM" (with the date when not today) with its turns, and turns of finished jobs', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  limited:\n    prompt: "Say hello"\n    workdir: ${workdir}\n    limits: { wait: 2h }\n    rehearsal:\n      - limit: 1h\n      - say: "Done after the reset."\n`,
  );
  const env = { HOME: dir };
  const started = await runCli(['start', 'jobs.yaml', '--rehearse', '--json'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(started.code, 0, started.stdout + started.stderr);
  const { runDir, pid } = JSON.parse(started.stdout) as { runDir: string; pid: number };
  t.after(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const parked = await waitFor('the job to be parked', async () => {
    const r = await runCli(['ps', '--json'], { cwd: dir });
    const runs = JSON.parse(r.stdout || '{"runs":[]}') as { runs: Array<{ jobs: PsJob[] }> };
    const job = runs.runs[0]?.jobs[0];
    return job?.state === 'parked' ? job : null;
  }, 60_000, 300);
  assert.equal(parked.turns, 1);
  const until = Date.parse(parked.parkedUntil ?? '');
  assert.ok(until > Date.now() + 30 * 60_000, `parked until ${parked.parkedUntil}`);
  // Local time of the reset; with its date in front when the reset is not today (from 23:00 on,
  // an hour's limit ends tomorrow).
  const at = new Date(until);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hhmm = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const when = at.toDateString() === new Date().toDateString() ? hhmm : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${hhmm}`;
  assert.equal(parked.label, `usage limit until ${when}`);
  const text = (await runCli(['ps'], { cwd: dir })).stdout;
  assert.match(text, new RegExp(`limited +usage limit until ${when} .*\\b1 turn\\b`), text);

  assert.equal((await runCli(['stop', 'latest'], { cwd: dir })).code, 0);
  await waitFor('the run to end', () => {
    const r = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { status: string };
    return r.status !== 'running';
  }, 30_000, 200);
  const all = (await runCli(['ps', '--all'], { cwd: dir })).stdout;
  assert.match(all, /limited +finished \(\w+\) .*\b1 turn\b/, all);
});
