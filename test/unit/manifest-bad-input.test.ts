import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { echoedLine, formatDiagnostics, MAX_ECHOED_LINE } from '../../src/manifest/format-diagnostics.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Diagnostic } from '../../src/manifest/model.js';
import { MAX_NESTING_DEPTH } from '../../src/manifest/read-yaml.js';
import { firstInvalidUtf8 } from '../../src/manifest/read-source-file.js';

// Input that used to pass validation and then misbehaved (issue 10, item 18).

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-bad-input-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function load(content: string | Buffer) {
  const dir = path.join(root, `m${++count}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, content);
  return { file, dir, result: await loadManifest(file, { env: {} }) };
}

// `line:col: message` for each diagnostic.
async function problems(lines: string[] | Buffer): Promise<string[]> {
  const { result } = await load(Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  if (result.ok) return [];
  return result.error.diagnostics.map((d: Diagnostic) => `${d.location.line}:${d.location.col}: ${d.message}`);
}

test('env key __proto__ is refused where it is written (it would never reach the job)', { timeout: 10_000 }, async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a:', '    agent: command', '    command: [env]', '    env:', '      __proto__: x', '      OK: y']), [
    '7:7: the key "__proto__" is not allowed: it cannot be passed on as data',
  ]);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  __proto__: { agent: command, command: [env] }']), ['3:3: the key "__proto__" is not allowed: it cannot be passed on as data']);
});

test('!!omap, !!set and other non-plain tags are refused, located', { timeout: 10_000 }, async () => {
  const found = await problems([
    'version: 1',
    'jobs:',
    '  a:',
    '    agent: command',
    '    command: [env]',
    '    env: !!omap',
    '      - BAR: baz',
    '  b:',
    '    agent: command',
    '    command: [env]',
    '    env: !!set',
    '      ? BAR',
  ]);
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(found[0]!, /^7:7: unsupported YAML tag "!!omap"/);
  assert.match(found[1]!, /^12:7: unsupported YAML tag "!!set"/);
  // The core scalar tags are plain data and stay allowed.
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a:', '    agent: command', '    command: [echo, !!str 12]']), []);
});

test('a NUL in a command argument, env value, prompt or workdir is a located error, not a spawn failure later', { timeout: 10_000 }, async () => {
  const found = await problems([
    'version: 1',
    'defaults:',
    '  env: { D: "d\\0" }',
    'jobs:',
    '  a:',
    '    agent: command',
    '    command: [printf, "x\\0y"]',
    '    env: { FOO: "a\\0b" }',
    '  b:',
    '    prompt: "hi\\0there"',
    '  c:',
    '    agent: claude',
    '    prompt: hi',
    '    claude: { args: ["a\\0b"] }',
  ]);
  assert.deepEqual(
    found.map((line) => line.replace(/: found a NUL.*/, '')),
    ['3:13', '7:23', '8:17', '10:13', '14:22'],
    found.join('\n'),
  );
  assert.match(found[0]!, /NUL character \(\\0\) at character 2: no program argument, environment variable or path can hold one/);
});

test('invalid UTF-8 is reported at the line and column of its first bad byte, and that line is shown', { timeout: 10_000 }, async () => {
  const text = Buffer.concat([Buffer.from('version: 1\njobs:\n  a:\n    agent: command\n    command: [echo]\n    env: { A: "é'), Buffer.from([0xc3, 0x28]), Buffer.from('" }\n')]);
  const { result, file } = await load(text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const [d] = result.error.diagnostics;
  assert.equal(`${d!.location.line}:${d!.location.col}`, '6:17');
  const printed = formatDiagnostics(result.error.diagnostics, result.error.sources, { color: false, cwd: path.dirname(file) });
  assert.match(printed, /jobs\.yaml:6:17: error: expected UTF-8 text, found a byte that is not valid UTF-8 \(byte 0xc3\)\n {4}    env: \{ A: "é�\(" \}\n {4} {16}\^/);
  assert.equal(firstInvalidUtf8(Buffer.from('aé€😀')), Buffer.byteLength('aé€😀'));
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1, 'a surrogate is not UTF-8');
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80])), 1, 'an overlong form is not UTF-8');
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82])), 1, 'a cut sequence is not UTF-8');
});

test('a duplicate key hides no other error: the problems inside every copy are reported', { timeout: 10_000 }, async () => {
  const found = await problems([
    'version: 1',
    'jobs:',
    '  a:',
    '    agent: command',
    '    command: [x]',
    '    timeout: 5x',
    '  a:',
    '    agent: bogus',
    '    timeout: 3y',
    '  b:',
    '    agent: command',
    '    command: [x]',
    '    idle: { kill: 2q, kill: 4z }',
  ]);
  const duration = (found: string) => `expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "${found}"`;
  assert.deepEqual(found, [
    `6:14: ${duration('5x')}`,
    '7:3: duplicate key "a": already set on line 3',
    '8:12: expected "codex", "command", "generic", "claude" or "gemini", found a string "bogus"',
    `9:14: ${duration('3y')}`,
    `13:19: ${duration('2q')}`,
    '13:23: duplicate key "kill": already set on line 13',
    `13:29: ${duration('4z')}`,
  ]);
});

test('prompt, codex, rehearsal and resume on an agent: command job are errors with a hint', { timeout: 10_000 }, async () => {
  const { result } = await load(
    [
      'version: 1',
      'defaults:',
      '  prompt: shared prompt for the codex jobs',
      'jobs:',
      '  c:',
      '    agent: command',
      '    command: [echo]',
      '    prompt: hi',
      '    codex: { mode: exec }',
      '    rehearsal: [{ say: hi }]',
      '    resume: { max: 1 }',
      '  fine:',
      '    agent: command',
      '    command: [echo]',
      '  codex-with-command:',
      '    command: [echo]',
      '',
    ].join('\n'),
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  const shown = result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message} (hint: ${d.hint ?? ''})`);
  assert.deepEqual(shown, [
    `8:5: 'prompt' is only for agent jobs, and job "c" is 'agent: command': it would be ignored (hint: remove 'prompt', or run the job with an agent ('agent: codex', 'claude', 'gemini' or 'generic'))`,
    `9:5: 'codex' is only for codex jobs, and job "c" is 'agent: command': it would be ignored (hint: remove 'codex', or run the job with 'agent: codex')`,
    `10:5: 'rehearsal' is only for agent jobs, and job "c" is 'agent: command': it would be ignored (hint: remove 'rehearsal', or run the job with an agent ('agent: codex', 'claude', 'gemini' or 'generic'))`,
    `11:5: 'resume' is only for agent jobs, and job "c" is 'agent: command': it would be ignored (hint: remove 'resume', or run the job with an agent ('agent: codex', 'claude', 'gemini' or 'generic'))`,
    `16:5: 'command' is only for 'agent: command' jobs, and job "codex-with-command" is a codex job: it would be ignored (hint: remove 'command', or add 'agent: command' to the job)`,
  ]);
});

test('deep nesting is a located error, never "maximum call stack size exceeded"', { timeout: 20_000 }, async () => {
  for (const depth of [MAX_NESTING_DEPTH + 1, 5000]) {
    const flow = await problems(['version: 1', 'jobs:', '  a:', '    agent: command', '    command: [x]', `    codex: { config: { k: ${'['.repeat(depth)}${']'.repeat(depth)} } }`]);
    assert.equal(flow.length, 1, flow.join('\n'));
    assert.match(flow[0]!, /^6:\d+: the document nests (mappings and lists more than 64 levels deep|too deeply to read \(the most is 64 levels\))$/);
    assert.doesNotMatch(flow[0]!, /call stack/);
  }
  // Block (indented) nesting as deep as the file size allows.
  const lines = ['version: 1', 'jobs:'];
  for (let i = 1; i <= 300; i++) lines.push(`${'  '.repeat(i)}k${i}:`);
  const block = await problems(lines);
  assert.equal(block.length, 1, block.join('\n'));
  assert.match(block[0]!, /the document nests/);
});

test('a 10,000-character line is cut around the span in diagnostics, the marker still under it', { timeout: 10_000 }, async () => {
  const items = [...Array(3000).fill('x'), '5', ...Array(3000).fill('y')].join(', ');
  const { result, file } = await load(`version: 1\njobs:\n  a:\n    agent: command\n    command: [${items}]\n`);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const printed = formatDiagnostics(result.error.diagnostics, result.error.sources, { color: false, cwd: path.dirname(file) });
  const [, source, marker] = printed.split('\n');
  assert.ok(source!.length <= MAX_ECHOED_LINE + 8, `echoed line of ${source!.length} characters`);
  assert.match(source!, /^ {4}….*…$/);
  assert.equal(source![marker!.indexOf('^')], '5', printed);

  // Unit cases: short lines are unchanged; the cut keeps the span, its marker and tabs aligned.
  assert.deepEqual(echoedLine('\tkey: value', 7, 12), { text: '\tkey: value', marker: '\t     ^~~~~' });
  const long = `${'a'.repeat(200)}SPAN${'b'.repeat(200)}`;
  const cut = echoedLine(long, 201, 205);
  assert.equal(cut.text.slice(cut.marker.indexOf('^'), cut.marker.length), 'SPAN');
  assert.ok(cut.text.startsWith('…') && cut.text.endsWith('…'));
  const atEnd = echoedLine(long, 404, 405);
  assert.ok(atEnd.text.startsWith('…') && !atEnd.text.endsWith('…'));
  assert.equal(atEnd.text[atEnd.marker.indexOf('^')], 'b');
});

test('bidi and control characters: refused in job names, escaped wherever manifest text is echoed', { timeout: 10_000 }, async () => {
  const { result, file } = await load('version: 1\njobs:\n  "pay\u202Eyalp":\n    agent: command\n    command: [echo, "\u0007\u009b", 5]\n  "tab\tname":\n    agent: command\n    command: [echo]\n');
  assert.equal(result.ok, false);
  if (result.ok) return;
  const printed = formatDiagnostics(result.error.diagnostics, result.error.sources, { color: false, cwd: path.dirname(file) });
  assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, printed);
  assert.match(printed, /jobs\.yaml:3:3: error: job name "pay<U\+202E>yalp" contains U\+202E \(right-to-left override\), which would act on the terminal it is shown in/);
  assert.match(printed, /\n {6}"pay<U\+202E>yalp":\n {6}\^~{16}\n/);
  const lines = printed.split('\n');
  const echoed = lines.findIndex((line) => line.includes('command: [echo, "<U+0007><U+009B>", 5]'));
  assert.equal(lines[echoed]![lines[echoed + 1]!.indexOf('^')], '5', printed);
  assert.match(printed, /jobs\.yaml:6:3: error: job name "tab\\tname" contains U\+0009 \(tab\)/);
});

test('a refused tag or __proto__ key hides no other problem: the rest of the document is still checked', { timeout: 10_000 }, async () => {
  const found = await problems([
    'version: 1',
    'jobs:',
    '  a:',
    '    agent: command',
    '    command: [env]',
    '    env: !!omap',
    '      - BAR: baz',
    '    timeout: forever',
    '  __proto__:',
    '    agent: command',
    '    comand: [env]',
    '  c:',
    '    agent: command',
    '    command: [echo]',
    '    idle: { kill: soon }',
  ]);
  assert.match(found[0]!, /^7:7: unsupported YAML tag "!!omap"/, found.join('\n'));
  assert.ok(found.some((p) => p.startsWith('8:14:')), `the bad timeout is still reported:\n${found.join('\n')}`);
  assert.ok(found.some((p) => p.startsWith('9:3: the key "__proto__" is not allowed')), found.join('\n'));
  assert.ok(found.some((p) => p.startsWith('11:5:') && p.includes("'comand'")), `problems inside the refused job are reported:\n${found.join('\n')}`);
  assert.ok(found.some((p) => p.startsWith('15:19:')), `a later job's problem is reported:\n${found.join('\n')}`);
  // Nothing repeats the refusal from inside the refused node (its list is not an env mapping).
  assert.equal(found.filter((p) => p.startsWith('7:')).length, 1, found.join('\n'));
});
