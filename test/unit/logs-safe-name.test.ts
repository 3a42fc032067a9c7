import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { assignFileNames, MAX_FILE_BASE_LENGTH, resolveInside, safeBaseName } from '../../src/logs/safe-name.js';

const SAFE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

test('path traversal attempts become plain names that stay inside the run folder', () => {
  const hostile = ['../../etc/passwd', '..', '.', '/etc/shadow', 'a/../../b', '..\\..\\win', '~/x', 'a\0b', '-rf'];
  const names = assignFileNames(hostile);
  const runDir = '/tmp/runs/20260101T000000.000Z-1-abcd';
  for (const job of hostile) {
    const base = names.get(job)!;
    assert.match(base, SAFE, `${JSON.stringify(job)} -> ${base}`);
    const file = resolveInside(runDir, `${base}.log`);
    assert.equal(path.dirname(file), runDir);
  }
  assert.equal(names.get('../../etc/passwd'), '_._.._etc_passwd');
  assert.equal(names.get('..'), '_.');
  assert.equal(names.get('.'), '_');
  assert.equal(names.get('-rf'), '_rf');
});

test('unicode and spaces are replaced per code point, emoji included', () => {
  assert.equal(safeBaseName('build docs'), 'build_docs');
  assert.equal(safeBaseName('café'), 'caf_');
  assert.equal(safeBaseName('🚀 deploy'), '__deploy');
  assert.equal(safeBaseName('v1.2_ok-x'), 'v1.2_ok-x');
});

test('empty names get a fallback and long names are capped', () => {
  assert.equal(safeBaseName(''), 'job');
  const long = 'x'.repeat(500);
  assert.equal(safeBaseName(long).length, MAX_FILE_BASE_LENGTH);
});

test('duplicates are numbered deterministically in input order, case-insensitively', () => {
  const names = assignFileNames(['a b', 'a/b', 'a_b', 'A_B', '', 'job', 'a_b-2']);
  assert.deepEqual([...names.entries()], [
    ['a b', 'a_b'],
    ['a/b', 'a_b-2'],
    ['a_b', 'a_b-3'],
    ['A_B', 'A_B-4'],
    ['', 'job'],
    ['job', 'job-2'],
    ['a_b-2', 'a_b-2-2'],
  ]);
  assert.deepEqual(assignFileNames(['a b', 'a/b', 'a_b']), assignFileNames(['a b', 'a/b', 'a_b']));
});

test('numbered duplicates of capped names stay within the cap', () => {
  const long = 'y'.repeat(100);
  const names = assignFileNames([long, `${long}!`]);
  const second = names.get(`${long}!`)!;
  assert.equal(second.length, MAX_FILE_BASE_LENGTH);
  assert.ok(second.endsWith('-2'));
  assert.notEqual(second, names.get(long));
});

test('resolveInside throws an internal error for anything that is not a direct child', () => {
  for (const bad of ['../x', '..', '.', '', 'a/b', '/etc/passwd', 'a/']) {
    assert.throws(() => resolveInside('/tmp/run', bad), /^Error: Internal error: /, bad);
  }
  assert.equal(resolveInside('/tmp/run/', 'a.log'), '/tmp/run/a.log');
});
