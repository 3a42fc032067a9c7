import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createRunFolder, formatRunStamp } from '../../src/logs/run-folder.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

// Sets the umask for one call and restores it, so the test proves modes do not depend on it.
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

test('run ids are the clock time, the pid and 4 hex digits', () => {
  assert.equal(formatRunStamp(Date.UTC(2026, 10, 23, 21, 37, 5, 123)), '20261123T213705.123Z');
});

test('creates missing parents, the runs root and the run folder as 0700 whatever the umask', { timeout: 20_000 }, async () => {
  for (const mask of [0o000, 0o022, 0o077]) {
    const base = tempDir();
    const runsRoot = path.join(base, 'project', '.codex-run', 'runs');
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 21, 37, 5, 123));
    const created = await withUmask(mask, () => createRunFolder(runsRoot, clock, { pid: 4242, randomHex: () => '9f3a' }));
    assert.ok(created.ok, JSON.stringify(created));
    assert.equal(created.value.runId, '20261123T213705.123Z-4242-9f3a');
    assert.equal(created.value.dir, path.join(runsRoot, created.value.runId));
    assert.equal(mode(created.value.dir), 0o700, `run folder, umask ${mask.toString(8)}`);
    assert.equal(mode(runsRoot), 0o700, `runs root, umask ${mask.toString(8)}`);
    assert.equal(mode(path.join(base, 'project', '.codex-run')), 0o700);
    assert.equal(mode(path.join(base, 'project')), 0o700);
  }
});

test('an existing runs root keeps its mode (0755 or a sticky 01777 shared folder): only folders codex-run creates are 0700', { timeout: 20_000 }, async () => {
  for (const existing of [0o755, 0o1777]) {
    const base = tempDir();
    const runsRoot = path.join(base, 'runs');
    await mkdir(runsRoot);
    chmodSync(runsRoot, existing);
    const before = mode(base);
    const created = await createRunFolder(runsRoot, new FakeClock());
    assert.ok(created.ok);
    assert.equal(statSync(runsRoot).mode & 0o7777, existing, `--out folder of mode ${existing.toString(8)} was changed`);
    assert.equal(mode(base), before);
    assert.equal(mode(created.value.dir), 0o700);
    assert.equal(existsSync(path.join(runsRoot, '.gitignore')), false, 'nothing is written into a folder the user gave');
  }
});

test('a .codex-run folder codex-run creates gets a .gitignore of *; an existing one is left alone', { timeout: 20_000 }, async () => {
  const base = tempDir();
  const created = await createRunFolder(path.join(base, 'repo', '.codex-run', 'runs'), new FakeClock());
  assert.ok(created.ok);
  const ignore = readFileSync(path.join(base, 'repo', '.codex-run', '.gitignore'), 'utf8');
  assert.deepEqual(ignore.split('\n').filter((l) => l !== '' && !l.startsWith('#')), ['*']);

  const existing = path.join(base, 'other', '.codex-run');
  await mkdir(existing, { recursive: true });
  const again = await createRunFolder(path.join(existing, 'runs'), new FakeClock());
  assert.ok(again.ok);
  assert.equal(existsSync(path.join(existing, '.gitignore')), false);
});

test('the run folder appears under its final name only once prepare() has filled it', { timeout: 20_000 }, async () => {
  const runsRoot = path.join(tempDir(), 'runs');
  let seenDuringPrepare: string[] = [];
  const created = await createRunFolder(runsRoot, new FakeClock(), {
    prepare: async (partialDir, folder) => {
      seenDuringPrepare = readdirSync(runsRoot);
      assert.notEqual(partialDir, folder.dir);
      assert.equal(path.dirname(partialDir), runsRoot);
      writeFileSync(path.join(partialDir, 'report.json'), '{}');
      return { ok: true, value: undefined };
    },
  });
  assert.ok(created.ok);
  assert.ok(!seenDuringPrepare.includes(created.value.runId), `the final name existed during prepare: ${seenDuringPrepare.join(', ')}`);
  assert.deepEqual(readdirSync(runsRoot), [created.value.runId]);
  assert.equal(readFileSync(path.join(created.value.dir, 'report.json'), 'utf8'), '{}');
  assert.equal(mode(created.value.dir), 0o700);

  const failed = await createRunFolder(runsRoot, new FakeClock(), { prepare: async () => ({ ok: false, error: 'disk on fire' }) });
  assert.equal(failed.ok, false);
  assert.deepEqual(readdirSync(runsRoot), [created.value.runId], 'a failed prepare leaves nothing behind');
});

test('20 concurrent calls in the same millisecond give 20 distinct folders', { timeout: 20_000 }, async () => {
  const runsRoot = path.join(tempDir(), 'runs');
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
  const results = await Promise.all(Array.from({ length: 20 }, () => createRunFolder(runsRoot, clock)));
  const ids = results.map((r) => {
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.value.runId, /^20260102T030405\.006Z-\d+-[0-9a-f]{4}$/);
    assert.equal(mode(r.value.dir), 0o700);
    return r.value.runId;
  });
  assert.equal(new Set(ids).size, 20);
});

test('ids sort in time order', { timeout: 20_000 }, async () => {
  const runsRoot = path.join(tempDir(), 'runs');
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 23, 59, 59, 998));
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await createRunFolder(runsRoot, clock, { pid: 99999 - i * 11111 });
    assert.ok(r.ok);
    ids.push(r.value.runId);
    clock.advance(1);
  }
  assert.deepEqual([...ids].sort(), ids);
});

test('a name that already exists is retried with new random digits', { timeout: 20_000 }, async () => {
  const runsRoot = path.join(tempDir(), 'runs');
  const clock = new FakeClock();
  const digits = ['aaaa', 'aaaa', 'aaaa', 'bbbb'];
  const randomHex = (): string => digits.shift() ?? 'cccc';
  const first = await createRunFolder(runsRoot, clock, { pid: 1, randomHex });
  const second = await createRunFolder(runsRoot, clock, { pid: 1, randomHex });
  assert.ok(first.ok && second.ok);
  assert.ok(first.value.runId.endsWith('-1-aaaa'));
  assert.ok(second.value.runId.endsWith('-1-bbbb'));
  assert.deepEqual(digits, []);
});

test('gives up with an error value when every name is taken', { timeout: 20_000 }, async () => {
  const runsRoot = path.join(tempDir(), 'runs');
  const clock = new FakeClock();
  const options = { pid: 1, randomHex: () => 'ffff' };
  assert.ok((await createRunFolder(runsRoot, clock, options)).ok);
  const again = await createRunFolder(runsRoot, clock, options);
  assert.equal(again.ok, false);
  assert.match(!again.ok ? again.error : '', /100 names in a row already existed/);
});

test('a runs root that cannot be created is an error value naming the path', { timeout: 20_000 }, async () => {
  const base = tempDir();
  const blocker = path.join(base, 'not-a-folder');
  writeFileSync(blocker, 'x');
  const result = await createRunFolder(path.join(blocker, 'runs'), new FakeClock());
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.error : '', /^cannot create runs folder .*not-a-folder\/runs: ENOTDIR/);
});
