import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Report {
  runId: string;
  status: string;
  resumedFrom?: { runId: string; job: string; sessionId: string };
  jobs: Array<{ name: string; status: string; sessionId: string | null }>;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const onlyRunIn = (folder: string): string => {
  const runs = readdirSync(folder).filter((n) => existsSync(path.join(folder, n, 'report.json')));
  assert.equal(runs.length, 1, `${folder}: ${runs.join(', ')}`);
  return path.join(folder, runs[0]!);
};

// End to end with the real Codex CLI against the rehearsal model: a job stalled in a shard's run
// folder is continued from a copy of that folder, in a clone elsewhere, after the originals are gone.
test('resume --from continues a stalled rehearsed codex job from a copied shard folder in another checkout, with its history and changes', { timeout: 120_000 }, async () => {
  const root = tempDir();
  const first = path.join(root, 'first-machine');
  const repo = path.join(first, 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  writeFileSync(
    path.join(repo, 'jobs.yaml'),
    ['version: 1', 'jobs:', '  work:', '    prompt: "Write the notes"', '    workdir: .', '    idle: { kill: 6s }', '    rehearsal:', '      - write: notes.txt', '        content: "from the shard\\n"', '      - stall: 10m', ''].join('\n'),
  );
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  const base = git(repo, 'rev-parse', 'HEAD');
  const env = { HOME: root };

  const shard = await runCli(['jobs.yaml', '--rehearse', '--out', path.join(first, 'shards', 'shard-1')], { cwd: repo, env, deadlineMs: 45_000 });
  assert.equal(shard.code, 1, shard.stdout + shard.stderr);
  const shardRun = onlyRunIn(path.join(first, 'shards', 'shard-1'));
  const old = JSON.parse(readFileSync(path.join(shardRun, 'report.json'), 'utf8')) as Report;
  assert.equal(old.jobs[0]?.status, 'killed', 'stopped by the idle ladder');
  // (The idle limit leaves codex time to start on a loaded machine: killed before it said its
  // session id, the job would have nothing to hand off.)
  assert.ok(old.jobs[0]!.sessionId !== null, `no session id: ${shard.stdout}${shard.stderr}`);
  const sessionId = old.jobs[0]!.sessionId!;
  // The run folder carries the session and the work tree, privately, and no agent secrets or config.
  const handoff = path.join(shardRun, 'work.agent');
  assert.ok(existsSync(handoff), `no hand-off folder in ${shardRun}: ${readdirSync(shardRun).join(', ')}\n${shard.stdout}${shard.stderr}`);
  assert.equal(statSync(handoff).mode & 0o777, 0o700);
  const carried = readdirSync(handoff, { recursive: true }).map(String).sort();
  assert.ok(carried.includes('handoff.json') && carried.includes('workdir.patch'), carried.join('\n'));
  assert.ok(carried.some((f) => f.startsWith('sessions/') && f.endsWith(`-${sessionId}.jsonl`)), carried.join('\n'));
  assert.ok(!carried.some((f) => /auth\.json|config\.toml/.test(f)), carried.join('\n'));
  for (const f of carried) if (statSync(path.join(handoff, f)).isFile()) assert.equal(statSync(path.join(handoff, f)).mode & 0o777, 0o600, f);
  assert.equal((JSON.parse(readFileSync(path.join(handoff, 'handoff.json'), 'utf8')) as { rehearsal: boolean }).rehearsal, true, 'a rehearsal is resumed as one');

  // Another machine: a copy of the shard folder (as an artifact download would give) and a fresh clone; the originals are gone.
  const second = path.join(root, 'second-machine');
  mkdirSync(second);
  cpSync(path.join(first, 'shards'), path.join(second, 'artifacts'), { recursive: true });
  const checkout = path.join(second, 'checkout');
  git(second, 'clone', '-q', repo, checkout);
  rmSync(first, { recursive: true, force: true });
  const out = path.join(second, 'runs');
  const resume = (...extra: string[]): Promise<Awaited<ReturnType<typeof runCli>>> =>
    runCli(['resume', '--from', path.join(second, 'artifacts'), 'work', '--out', out, '--prompt', 'Go on', ...extra], { cwd: checkout, env, deadlineMs: 45_000 });

  // Refused, with nothing changed: a checkout at another commit, a dirty one, an unknown job.
  git(checkout, 'commit', '-q', '--allow-empty', '-m', 'later');
  const moved = await resume();
  assert.equal(moved.code, 2, moved.stdout + moved.stderr);
  assert.match(moved.stderr, new RegExp(`is at [0-9a-f]{12}, but the job started from ${base.slice(0, 12)}: check it out first`));
  git(checkout, 'reset', '-q', '--hard', base);
  writeFileSync(path.join(checkout, 'stray.txt'), 'mine\n');
  const dirty = await resume();
  assert.equal(dirty.code, 2, dirty.stdout + dirty.stderr);
  assert.match(dirty.stderr, /has uncommitted changes; the job's patch is applied to a clean checkout only[^]*\?\? stray\.txt/);
  rmSync(path.join(checkout, 'stray.txt'));
  const unknown = await runCli(['resume', '--from', path.join(second, 'artifacts'), 'nope', '--out', out], { cwd: checkout, env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no hand-off of job "nope" under .* \(found: work\)/);
  assert.doesNotMatch(moved.stderr + dirty.stderr + unknown.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(path.join(checkout, 'notes.txt')), 'a refused resume changed nothing');

  const resumed = await resume();
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(readFileSync(path.join(checkout, 'notes.txt'), 'utf8'), 'from the shard\n', "the job's change was brought over");
  const newRun = onlyRunIn(out);
  const report = JSON.parse(readFileSync(path.join(newRun, 'report.json'), 'utf8')) as Report;
  assert.deepEqual(report.resumedFrom, { runId: old.runId, job: 'work', sessionId });
  assert.equal(report.jobs[0]?.status, 'succeeded');
  assert.equal(report.jobs[0]?.sessionId, sessionId, 'the same session went on');
  const asked = (JSON.parse(readFileSync(path.join(newRun, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ sessionId: string; userMessages: string[] }>>)['work']!;
  assert.equal(asked[0]?.sessionId, sessionId);
  assert.deepEqual(asked[0]?.userMessages.filter((m) => !m.startsWith('<')), ['Write the notes', 'Go on'], 'the model saw the earlier conversation and the new prompt');
  // The conversation it continued ran in the first machine's folder; codex now works in the clone.
  assert.ok(asked[0]?.userMessages.some((m) => m.includes(`<cwd>${checkout}</cwd>`)), 'codex ran in the new checkout');
});

test('resume --from refuses, with exit 2 and what to do, a hand-off without session files and a job whose manifest is not here', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const handoff = path.join(dir, 'artifacts', 'run-1', 'work.agent');
  mkdirSync(handoff, { recursive: true });
  const record = { version: 1, job: 'work', agent: 'codex', runId: 'run-1', sessionId: '01a22c81-949d-7a83-9289-ccb05699b702', exportedAt: '2026-11-30T01:00:00.000Z', rehearsal: true, sessionFiles: [] as string[], workdir: null };
  writeFileSync(path.join(handoff, 'handoff.json'), JSON.stringify(record));
  const here = path.join(dir, 'here');
  mkdirSync(here);
  const empty = await runCli(['resume', '--from', path.join(dir, 'artifacts'), 'work'], { cwd: here });
  assert.equal(empty.code, 2, empty.stderr);
  assert.match(empty.stderr, /holds no session files of 01a22c81-949d-7a83-9289-ccb05699b702 .* cannot be continued on this machine/);
  writeFileSync(path.join(handoff, 'handoff.json'), JSON.stringify({ ...record, sessionFiles: ['sessions/2026/11/30/rollout-x-01a22c81-949d-7a83-9289-ccb05699b702.jsonl'] }));
  const noManifest = await runCli(['resume', '--from', path.join(dir, 'artifacts'), 'work'], { cwd: here });
  assert.equal(noManifest.code, 2, noManifest.stderr);
  assert.match(noManifest.stderr, /the run's manifest is not on this machine and there is no jobs\.yaml here: pass --manifest FILE/);
  assert.doesNotMatch(empty.stderr + noManifest.stderr, /\n\s+at /, 'no stack trace');
});

// A run folder is uploaded as a CI artifact: the session files in its hand-off hold no declared secret.
test('the exported session files of a hand-off have the run secrets redacted and stay valid JSON Lines', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const secret = 'hunter2-very-secret-value';
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    ['version: 1', 'jobs:', '  leak:', `    prompt: "Use ${secret} and \\"${secret}\\" to log in"`, '    env: { LOGIN_WORD: "${CODEX_RUN_TEST_LOGIN}" }', '    secrets: [LOGIN_WORD]', '    rehearsal:', `      - say: "I used ${secret}"`, ''].join('\n'),
  );
  const result = await runCli(['jobs.yaml', '--rehearse', '--out', 'out', '-q'], { cwd: dir, env: { HOME: dir, CODEX_RUN_TEST_LOGIN: secret }, deadlineMs: 60_000 });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const handoff = path.join(onlyRunIn(path.join(dir, 'out')), 'leak.agent');
  const sessions = readdirSync(handoff, { recursive: true }).map(String).filter((f) => f.startsWith('sessions') && f.endsWith('.jsonl'));
  assert.ok(sessions.length > 0, 'a session file was exported');
  let redactions = 0;
  for (const f of sessions) {
    const text = readFileSync(path.join(handoff, f), 'utf8');
    assert.ok(!text.includes(secret), `${f} holds the secret`);
    redactions += text.split('***').length - 1;
    for (const line of text.split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), `${f}: ${line.slice(0, 80)}`);
    assert.equal(statSync(path.join(handoff, f)).mode & 0o777, 0o600);
  }
  assert.ok(redactions > 0, 'the secret was there and replaced');
});
