import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestMatch, editDistance } from '../../src/manifest/did-you-mean.js';

const FIELDS = ['agent', 'prompt', 'command', 'workdir', 'env', 'timeout'];

test('editDistance counts inserts, deletes, substitutions and swaps of neighbours', () => {
  assert.equal(editDistance('prompt', 'prompt'), 0);
  assert.equal(editDistance('promt', 'prompt'), 1);
  assert.equal(editDistance('pormpt', 'prompt'), 1);
  assert.equal(editDistance('prompx', 'prompt'), 1);
  assert.equal(editDistance('', 'env'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closestMatch suggests near misses and nothing for unrelated words', () => {
  assert.equal(closestMatch('promt', FIELDS), 'prompt');
  assert.equal(closestMatch('timout', FIELDS), 'timeout');
  assert.equal(closestMatch('comand', FIELDS), 'command');
  assert.equal(closestMatch('workDir', FIELDS), 'workdir');
  assert.equal(closestMatch('evn', FIELDS), 'env');
  assert.equal(closestMatch('schedule', FIELDS), null);
  assert.equal(closestMatch('x', FIELDS), null);
});

test('closestMatch prefers the earlier candidate on a tie', () => {
  assert.equal(closestMatch('ab', ['ax', 'xb']), 'ax');
});
