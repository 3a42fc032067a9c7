import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runCli } from '../helpers/run-cli.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object,
);

interface Report {
  runId: string;
  status: string;
  resumedFrom?: { runId: string; job: string; sessionId: string };
  jobs: Array<{ name: string; status: string; sessionId: string | null }>;
}

// End to end with the real Codex CLI against the rehearsal model: `codex-run resume` continues
// a finished rehearsed exec job by its session id, in a new run, with the conversation intact.
test('resume continues a rehearsed codex job by id in a new linked run, with the history intact', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  talk:\n    prompt: "Say hello"\n    workdir: ${workdir}\n    rehearsal:\n      - say: "Hello there."\n`,
  );
  const env = { HOME: dir };
  const first = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const root = path.join(dir, '.codex-run', 'runs');
  const [oldRun] = readdirSync(root).sort();
  const old = JSON.parse(readFileSync(path.join(root, oldRun!, 'report.json'), 'utf8')) as Report;
  const sessionId = old.jobs[0]?.sessionId;
  assert.ok(sessionId, 'the first run reported a session id');

  const resumed = await runCli(['resume', 'talk', '--prompt', 'And now goodbye'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  const runs = readdirSync(root).sort();
  assert.equal(runs.length, 2);
  const newRun = runs[1]!;
  const report = JSON.parse(readFileSync(path.join(root, newRun, 'report.json'), 'utf8')) as Report;
  assert.ok(validateReport(report), JSON.stringify(validateReport.errors, null, 2));
  assert.deepEqual(report.resumedFrom, { runId: oldRun, job: 'talk', sessionId });
  assert.equal(report.jobs[0]?.status, 'succeeded');
  assert.equal(report.jobs[0]?.sessionId, sessionId, 'the same session continued');
  const requests = JSON.parse(readFileSync(path.join(root, newRun, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ sessionId: string; userMessages: string[] }>>;
  const asked = requests['talk']?.[0];
  assert.equal(asked?.sessionId, sessionId);
  const messages = asked?.userMessages.filter((m) => !m.startsWith('<')) ?? [];
  assert.deepEqual(messages, ['Say hello', 'And now goodbye'], 'the model saw the earlier conversation and the new prompt');

  const shown = await runCli(['show', 'latest'], { cwd: dir });
  assert.match(shown.stdout, new RegExp(`resumes: +${oldRun}/talk \\(session ${sessionId}\\)`));

  // Again, in the background, from the resumed run: the same home and session, one more turn.
  const detached = await runCli(['resume', 'talk', '--detach', '--json', '--prompt', 'Once more'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(detached.code, 0, detached.stderr);
  const third = JSON.parse(detached.stdout) as { runId: string; runDir: string };
  const thirdReport = await waitFor('the background resume to finish', () => {
    const r = JSON.parse(readFileSync(path.join(third.runDir, 'report.json'), 'utf8')) as Report;
    return r.status !== 'running' ? r : null;
  }, 60_000, 200);
  assert.equal(thirdReport.status, 'succeeded');
  assert.deepEqual(thirdReport.resumedFrom, { runId: newRun, job: 'talk', sessionId });
  const thirdAsked = (JSON.parse(readFileSync(path.join(third.runDir, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ userMessages: string[] }>>)['talk']?.[0];
  assert.deepEqual(thirdAsked?.userMessages.filter((m) => !m.startsWith('<')), ['Say hello', 'And now goodbye', 'Once more']);

  const noSession = await runCli(['resume', `${oldRun}/nope`], { cwd: dir });
  assert.equal(noSession.code, 2);
  assert.match(noSession.stderr, /no job "nope" in run/);
});

// A TUI job stopped before codex printed its session id keeps the id (found in its own session
// record), so `codex-run resume` can continue it.
test('a TUI job idle-killed before it said its session id keeps the id from its session record, and resume continues it', { timeout: 150_000 }, async () => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  hangs:\n    prompt: "Summarise the project"\n    workdir: ${workdir}\n    codex: { mode: tui }\n    idle: { kill: 2s }\n    rehearsal:\n      - stall: 10m\n`,
  );
  const env = { HOME: dir };
  const first = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.notEqual(first.code, 0, first.stdout + first.stderr);
  const root = path.join(dir, '.codex-run', 'runs');
  const [oldRun] = readdirSync(root).sort();
  const old = JSON.parse(readFileSync(path.join(root, oldRun!, 'report.json'), 'utf8')) as Report;
  assert.equal(old.jobs[0]?.status, 'killed');
  const sessionId = old.jobs[0]?.sessionId;
  assert.match(sessionId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, JSON.stringify(old.jobs[0]));
  assert.deepEqual((old.jobs[0] as unknown as { attempts: Array<{ sessionId: string | null }> }).attempts.map((a) => a.sessionId), [sessionId]);
  // It is the session codex recorded in the job's CODEX_HOME, and the one the model was asked in.
  const home = path.resolve(root, oldRun!, (JSON.parse(readFileSync(path.join(root, oldRun!, 'agent-homes.json'), 'utf8')) as Record<string, string>)['hangs']!);
  const records = readdirSync(path.join(home, 'sessions'), { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl'));
  assert.deepEqual(records.map((f) => f.endsWith(`-${sessionId}.jsonl`)), [true], records.join('\n'));
  const asked = (JSON.parse(readFileSync(path.join(root, oldRun!, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ kind: string; sessionId: string | null }>>)['hangs']!;
  assert.equal(asked.find((r) => r.kind === 'turn')?.sessionId, sessionId);

  const resumed = await runCli(['resume', 'hangs', '--prompt', 'Go on'], { cwd: dir, env, deadlineMs: 60_000 });
  const out = resumed.stdout + resumed.stderr;
  assert.doesNotMatch(out, /no session id to resume/, out);
  const newRun = readdirSync(root).sort()[1]!;
  const report = JSON.parse(readFileSync(path.join(root, newRun, 'report.json'), 'utf8')) as Report;
  assert.deepEqual(report.resumedFrom, { runId: oldRun, job: 'hangs', sessionId }, out);
  // The resumed TUI (stalled again, idle-killed) is known to be the same session, not a new conversation.
  assert.equal(report.jobs[0]?.sessionId, sessionId, JSON.stringify(report.jobs[0]));
  const turn = (JSON.parse(readFileSync(path.join(root, newRun, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ kind: string; sessionId: string; userMessages: string[] }>>)['hangs']?.find((r) => r.kind === 'turn');
  assert.equal(turn?.sessionId, sessionId, 'the resumed TUI asked in the same session');
  assert.deepEqual(turn?.userMessages.filter((m) => !m.startsWith('<')), ['Summarise the project', 'Go on'], 'the model saw the earlier conversation and the new prompt');
});
