import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { builtinPattern, compilePattern, type ScreenPattern } from '../../src/session/policies/pattern.js';

function compiled(source: string, ignoreCase = false): ScreenPattern {
  const result = compilePattern(source, { ignoreCase });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
  return result.value;
}

// What the runner did before RE2: the last exec of a global, multiline JavaScript RegExp.
function jsLast(source: string, text: string, flags = 'm'): { index: number; text: string } | null {
  return builtinPattern(new RegExp(source, flags)).lastMatch(text);
}

test('user patterns find the same last match as a global JavaScript RegExp did', () => {
  const screen = ['Do you want to continue? [y/n]', 'output', '› 1. Yes', '  2. No', 'Do you want to continue? [y/n]', ''].join('\n');
  const cases: Array<[string, string]> = [
    ['continue\\? \\[y/n\\]', screen],
    ['^› 1\\. Yes$', screen],
    ['^\\s*2\\. No$', screen],
    ['Yes[\\s\\S]*?No', screen],
    ['\\d+', 'a 1 b 22 c 333'],
    ['x*', 'abc'],
    ['missing', screen],
    // More matches than the walk takes: the rest is found by bisection.
    ['n\\d+', Array.from({ length: 300 }, (_, i) => `n${i}`).join(' ')],
    ['a', 'a'.repeat(500)],
    ['[ab]*c|a', 'a'.repeat(500)],
    ['^.*$', 'line\n'.repeat(200)],
  ];
  for (const [source, text] of cases) assert.deepEqual(compiled(source).lastMatch(text), jsLast(source, text), source);
  assert.deepEqual(compiled('CONTINUE', true).lastMatch(screen), jsLast('CONTINUE', screen, 'mi'));
});

test('match offsets count UTF-16 units, as the screen text does', () => {
  const text = '😀😀 ok\n› 1. Yes';
  assert.deepEqual(compiled('› 1\\. Yes').lastMatch(text), { index: text.indexOf('›'), text: '› 1. Yes' });
});

test('a catastrophic pattern for a backtracking engine matches in one pass', () => {
  // With JavaScript's RegExp this call would not return for longer than any job runs.
  assert.equal(compiled('(a+)+$').lastMatch(`${'a'.repeat(5000)}!`), null);
  assert.deepEqual(compiled('(a+)+$').lastMatch('a'.repeat(5000)), { index: 0, text: 'a'.repeat(5000) });
});

test('syntax RE2 does not run is refused with a hint and the offending part', () => {
  const refused = (source: string): { message: string; hint: string | null; at: { start: number; end: number } | null } => {
    const result = compilePattern(source, { ignoreCase: false });
    assert.equal(result.ok, false, source);
    return result.ok ? { message: '', hint: null, at: null } : result.error;
  };
  const behind = refused('(?<=Apply )changes');
  assert.equal(behind.message, 'invalid regular expression "(?<=Apply )changes": lookbehind "(?<=" is not supported');
  assert.match(behind.hint ?? '', /RE2 syntax, which has no lookbehind/);
  assert.deepEqual(behind.at, { start: 0, end: 4 });
  assert.match(refused('(y|n)/\\1').message, /a backreference "\\\\1" is not supported/);
  assert.match(refused('run(?!ning)').hint ?? '', /no lookahead/);
  assert.match(refused('caf\\u00e9').hint ?? '', /\\x\{263A\}/);
});

test('an unsupported pattern in a manifest is a located error with a hint', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'codex-run-pattern-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, ['version: 1', 'jobs:', '  a:', '    agent: command', '    command: [sh]', '    answers:', "      - match: 'x(?<=y)z'", '        send: y', ''].join('\n'));
  const loaded = await loadManifest(file, { env: {} });
  assert.equal(loaded.ok, false);
  const [d, ...rest] = loaded.ok ? [] : loaded.error.diagnostics;
  assert.deepEqual(rest, []);
  assert.equal(d!.message, 'invalid regular expression "x(?<=y)z": lookbehind "(?<=" is not supported');
  assert.match(d!.hint ?? '', /no lookbehind/);
  // Line 7, at the `(?<=` inside the quoted value.
  assert.deepEqual([d!.location.line, d!.location.col], [7, "      - match: 'x".length + 1]);
});
