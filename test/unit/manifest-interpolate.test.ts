import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate } from '../../src/manifest/interpolate.js';

const env = { HOME: '/home/me', EMPTY: '', TOKEN: 't0k' };

test('expands ${VAR} and leaves other text, including bare $VAR, as written', () => {
  assert.deepEqual(interpolate('${HOME}/src', env), { ok: true, value: '/home/me/src' });
  assert.deepEqual(interpolate('a ${TOKEN} b ${TOKEN}', env), { ok: true, value: 'a t0k b t0k' });
  assert.deepEqual(interpolate('$HOME costs $5 {x}', env), { ok: true, value: '$HOME costs $5 {x}' });
  assert.deepEqual(interpolate('', env), { ok: true, value: '' });
});

test('${VAR:-default} uses the default when VAR is unset or empty, like sh', () => {
  assert.deepEqual(interpolate('${MISSING:-info}', env), { ok: true, value: 'info' });
  assert.deepEqual(interpolate('${EMPTY:-info}', env), { ok: true, value: 'info' });
  assert.deepEqual(interpolate('${TOKEN:-info}', env), { ok: true, value: 't0k' });
  assert.deepEqual(interpolate('${MISSING:-}', env), { ok: true, value: '' });
  assert.deepEqual(interpolate('${EMPTY}', env), { ok: true, value: '' });
});

test('$${ is a literal ${ and is not expanded', () => {
  assert.deepEqual(interpolate('$${HOME} and ${HOME}', env), { ok: true, value: '${HOME} and /home/me' });
});

test('an unset variable without a default is an error that says how to allow it', () => {
  assert.deepEqual(interpolate('x${GITHUB_TOKEN}', env), {
    ok: false,
    error: [
      {
        start: 1,
        end: 16,
        message: 'environment variable GITHUB_TOKEN is not set',
        hint: 'set GITHUB_TOKEN, or write ${GITHUB_TOKEN:-} to default to empty',
      },
    ],
  });
});

test('bad syntax is reported at the offending ${...}, every problem in the text', () => {
  const result = interpolate('${1BAD} ${} ${A:=b} ${A:-${B}} ${HOME', env);
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.error.map((p) => [p.start, p.end, p.message]);
  assert.deepEqual(problems, [
    [0, 7, 'expected a variable name after "${", found "${1BAD}"'],
    [8, 11, 'expected a variable name after "${", found "${}"'],
    [12, 19, 'unsupported "${A:=b}": expected ${A} or ${A:-default}'],
    [20, 29, 'nested "${" in the default of "${A:-${B}" is not supported'],
    [31, 37, 'unterminated "${" in "${1BAD} ${} ${A:=b} ${A:-${B}} ${HOME": expected "}" to close it'],
  ]);
});
