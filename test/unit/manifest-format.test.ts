import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostics } from '../../src/manifest/format-diagnostics.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Diagnostic } from '../../src/manifest/model.js';
import { fixture } from '../helpers/paths.js';

const FILE = '/work/project/jobs.yaml';
const SOURCE = ['version: 1', 'jobs:', '  fix-tests:', '\tprompt: tabbed', '    timeout: 5 minutes', ''].join('\n');

function diagnostic(line: number, col: number, endLine: number, endCol: number, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'error', message, location: { file: FILE, line, col, endLine, endCol }, ...extra };
}

function format(diagnostics: Diagnostic[], color = false): string {
  return formatDiagnostics(diagnostics, new Map([[FILE, SOURCE]]), { color, cwd: '/work/project' });
}

test('golden: a manifest with several mistakes prints exactly as recorded', async () => {
  const file = fixture('manifests/multi-error.yaml');
  const result = await loadManifest(file, { env: {} });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const actual = formatDiagnostics(result.error.diagnostics, result.error.sources, { color: false, cwd: path.dirname(file) });
  const expected = await readFile(fixture('manifests/multi-error.expected.txt'), 'utf8');
  assert.equal(actual, expected, `actual output:\n${actual}`);
});

test('one diagnostic: location, source line, marker under the span, hint, count', () => {
  assert.equal(
    format([diagnostic(5, 14, 5, 23, 'expected a duration, found "5 minutes"', { hint: 'write 5m' })]),
    [
      'jobs.yaml:5:14: error: expected a duration, found "5 minutes"',
      '        timeout: 5 minutes',
      '                 ^~~~~~~~~',
      '  hint: write 5m',
      '',
      '1 error in jobs.yaml',
      '',
    ].join('\n'),
  );
});

test('a span over several lines is marked to the end of its first line', () => {
  assert.equal(format([diagnostic(3, 3, 5, 23, 'job problem')]).split('\n').slice(1, 3).join('\n'), ['      fix-tests:', '      ^~~~~~~~~~'].join('\n'));
});

test('an empty span still gets a caret, and tabs in the source line stay tabs in the marker', () => {
  const lines = format([diagnostic(4, 2, 4, 2, 'tab')]).split('\n');
  assert.equal(lines[1], '    \tprompt: tabbed');
  assert.equal(lines[2], '    \t^');
});

test('without a source line (unreadable file) only the message and hint are printed', () => {
  const out = formatDiagnostics(
    [{ severity: 'error', message: 'cannot read the manifest: no such file', location: { file: '/elsewhere/jobs.yaml', line: 1, col: 1, endLine: 1, endCol: 1 } }],
    new Map([['/elsewhere/jobs.yaml', '']]),
    { color: false, cwd: '/elsewhere/sub' },
  );
  assert.equal(out, '../jobs.yaml:1:1: error: cannot read the manifest: no such file\n\n1 error in ../jobs.yaml\n');
});

test('errors and warnings are counted apart, and every file is named', () => {
  const other: Diagnostic = { severity: 'warning', message: 'w', location: { file: '/work/project/sub/other.yaml', line: 1, col: 1, endLine: 1, endCol: 2 } };
  const out = format([diagnostic(1, 1, 1, 8, 'a'), diagnostic(2, 1, 2, 5, 'b'), other]);
  assert.match(out, /\nsub\/other\.yaml:1:1: warning: w\n/);
  assert.ok(out.endsWith('\n\n2 errors and 1 warning in jobs.yaml and sub/other.yaml\n'), out);
});

test('colour only when asked: the coloured text is the plain text plus ANSI styles', () => {
  const diagnostics = [diagnostic(5, 14, 5, 23, 'bad duration', { hint: 'write 5m' })];
  const plain = format(diagnostics, false);
  const colored = format(diagnostics, true);
  assert.doesNotMatch(plain, /\u001b/);
  assert.match(colored, /\u001b\[1;31merror:\u001b\[0m/);
  assert.equal(colored.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});
