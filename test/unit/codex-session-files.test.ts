import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportCodexSession, importCodexSession, sessionRollouts } from '../../src/agents/codex/session-files.js';
import { findHandoff } from '../../src/handoff/handoff-file.js';
import { tempDir } from '../helpers/temp-dir.js';

const ID = '01a22c81-949d-7a83-9289-ccb05699b702';

test("codex session files: only the session's rollouts are carried (across days), and installing never overwrites", { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  for (const [day, name, text] of [
    ['2026/11/29', `rollout-2026-11-29T23-59-00-${ID}.jsonl`, 'first\n'],
    ['2026/11/30', `rollout-2026-11-30T00-10-00-${ID}.jsonl`, 'resumed\n'],
    ['2026/11/30', 'rollout-2026-11-30T00-11-00-aaaaaaaa-949d-7a83-9289-ccb05699b702.jsonl', 'another session\n'],
  ] as const) {
    mkdirSync(path.join(home, 'sessions', day), { recursive: true });
    writeFileSync(path.join(home, 'sessions', day, name), text);
  }
  writeFileSync(path.join(home, 'auth.json'), '{"token":"secret"}');
  writeFileSync(path.join(home, 'config.toml'), 'model = "x"\n');
  assert.deepEqual(await sessionRollouts(home, ID), [`sessions/2026/11/29/rollout-2026-11-29T23-59-00-${ID}.jsonl`, `sessions/2026/11/30/rollout-2026-11-30T00-10-00-${ID}.jsonl`]);

  const carried = path.join(dir, 'job.agent');
  const exported = await exportCodexSession({ CODEX_HOME: home }, ID, carried);
  assert.ok(exported.ok, JSON.stringify(exported));
  assert.equal(exported.value.length, 2);
  assert.equal(statSync(path.join(carried, 'sessions')).mode & 0o777, 0o700);
  assert.equal(statSync(path.join(carried, ...exported.value[0]!.split('/'))).mode & 0o777, 0o600);
  assert.deepEqual(await exportCodexSession({ CODEX_HOME: home }, 'bbbbbbbb-949d-7a83-9289-ccb05699b702', carried), { ok: true, value: [] });

  // The user's home already has the first file (e.g. this machine ran the session): it is kept.
  const mine = path.join(dir, 'mine');
  mkdirSync(path.join(mine, 'sessions', '2026', '11', '29'), { recursive: true });
  writeFileSync(path.join(mine, ...exported.value[0]!.split('/')), 'mine\n');
  const installed = await importCodexSession({ HOME: dir, CODEX_HOME: mine }, carried, exported.value);
  assert.ok(installed.ok, JSON.stringify(installed));
  assert.deepEqual(installed.value.kept, [path.join(mine, ...exported.value[0]!.split('/'))]);
  assert.deepEqual(installed.value.installed, [path.join(mine, ...exported.value[1]!.split('/'))]);
  assert.equal(readFileSync(installed.value.kept[0]!, 'utf8'), 'mine\n');
  assert.equal(readFileSync(installed.value.installed[0]!, 'utf8'), 'resumed\n');
  // A listed path outside sessions/ is refused, not installed.
  const bad = await importCodexSession({ CODEX_HOME: mine }, carried, ['sessions/../auth.json']);
  assert.equal(bad.ok, false);
});

test('findHandoff finds a job\'s newest hand-off anywhere under an artifacts folder, and says which jobs it found otherwise', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const write = (run: string, job: string, at: string): void => {
    const folder = path.join(dir, 'shards', 'codex-run-shard-1', run, `${job}.agent`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'handoff.json'), JSON.stringify({ version: 1, job, agent: 'codex', runId: run, sessionId: ID, exportedAt: at, rehearsal: false, sessionFiles: [], workdir: null }));
  };
  write('run-a', 'fix', '2026-11-30T01:00:00.000Z');
  write('run-b', 'fix', '2026-11-30T02:00:00.000Z');
  write('run-b', 'docs', '2026-11-30T02:00:00.000Z');
  const found = await findHandoff(dir, 'fix');
  assert.ok(found.ok, JSON.stringify(found));
  assert.equal(found.value.handoff.runId, 'run-b');
  assert.equal(found.value.runDir, path.join(dir, 'shards', 'codex-run-shard-1', 'run-b'));
  const missing = await findHandoff(dir, 'lint');
  assert.ok(!missing.ok);
  assert.match(missing.error, /no hand-off of job "lint" under .* \(found: docs, fix\)/);
  assert.match((await findHandoff(path.join(dir, 'nowhere'), 'fix') as { error: string }).error, /does not exist/);
});
