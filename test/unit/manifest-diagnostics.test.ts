import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest, MAX_MANIFEST_BYTES, type LoadManifestOptions } from '../../src/manifest/load-manifest.js';
import type { Diagnostic } from '../../src/manifest/model.js';

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-manifest-diag-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function freshDir(): Promise<string> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

// `jobs.yaml:3:5: message (hint: ...)` for each diagnostic, relative to the manifest's folder.
function show(diagnostics: Diagnostic[], dir: string): string[] {
  return diagnostics.map((d) => {
    const where = `${path.relative(dir, d.location.file)}:${d.location.line}:${d.location.col}`;
    return `${where}: ${d.message}${d.hint === undefined ? '' : ` (hint: ${d.hint})`}`;
  });
}

// Loads manifest text (a string, or lines) from a fresh folder and returns its diagnostics.
async function problems(text: string | string[], options: LoadManifestOptions & { folders?: string[] } = {}): Promise<string[]> {
  const dir = await freshDir();
  for (const folder of options.folders ?? []) await mkdir(path.join(dir, folder), { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, Array.isArray(text) ? `${text.join('\n')}\n` : text);
  const result = await loadManifest(file, { env: options.env ?? {} });
  if (result.ok) return [];
  assert.equal(result.error.sources.get(file), await readFile(file, 'utf8'), 'sources holds the text diagnostics point into');
  return show(result.error.diagnostics, dir);
}

test('YAML syntax errors are located where the parser gave up', async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a:', '    prompt: [x, y', '  b: { prompt: p }']), [
    'jobs.yaml:5:3: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a:', '\t  prompt: x']), ['jobs.yaml:4:1: tabs are not allowed as indentation']);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a: { prompt: "unterminated }', '  b: { prompt: p }']), [
    'jobs.yaml:3:16: unterminated string: no closing " for the quote opened here (hint: close the string with ")',
  ]);
});

test('duplicate keys point at the repeated key and name the line of the first', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  lint:', '    prompt: a', '    prompt: b', '  lint:', '    prompt: c']),
    [
      'jobs.yaml:5:5: duplicate key "prompt": already set on line 4 (hint: a key may appear once per mapping: remove one)',
      'jobs.yaml:6:3: duplicate key "lint": already set on line 3 (hint: job names must be unique: rename one of the jobs)',
    ],
  );
});

test('a repeated job is reported as a duplicate, and its other problems once', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a: { prompt: p }', '  a: { prompt: p, timeout: 0s }']),
    [
      'jobs.yaml:4:3: duplicate key "a": already set on line 3 (hint: job names must be unique: rename one of the jobs)',
      'jobs.yaml:4:28: expected a timeout longer than zero, found "0s"',
    ],
  );
});

test('unknown keys at every level, with a did-you-mean or the allowed keys', async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'concurency: 2',
      'defaults:',
      '  timout: 5m',
      'jobs:',
      '  fix-tests:',
      '    promt: Fix the tests',
      '    prompt: Fix the tests',
      '    shedule: daily',
    ]),
    [
      "jobs.yaml:2:1: unknown key 'concurency' at the top level (hint: did you mean 'concurrency'?)",
      "jobs.yaml:4:3: unknown key 'timout' in 'defaults' (hint: did you mean 'timeout'?)",
      "jobs.yaml:7:5: unknown key 'promt' in job 'fix-tests' (hint: did you mean 'prompt'?)",
      "jobs.yaml:9:5: unknown key 'shedule' in job 'fix-tests' (hint: did you mean 'schedule'?)",
    ],
  );
});

test('wrong types say what was expected and what was found, quoting the value', async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'concurrency: "4"',
      'jobs:',
      '  a:',
      '    prompt: 42',
      '    env: { DEBUG: true, LIST: [1] }',
      '  b:',
      '    agent: command',
      '    command: { program: npm }',
      '  c:',
      '    agent: command',
      '    command: [npm, run, 42]',
      '  d: [prompt]',
      '  e:',
    ]),
    [
      'jobs.yaml:2:14: expected a whole number, found a string "4"',
      'jobs.yaml:5:13: expected a string, found a number 42 (hint: quote it to make it a string: "42")',
      'jobs.yaml:6:19: expected a string, found a boolean true (hint: quote it to make it a string: "true")',
      'jobs.yaml:6:31: expected a string, found a list',
      'jobs.yaml:9:14: expected a list or a string, found a mapping',
      'jobs.yaml:12:25: expected a string, found a number 42 (hint: quote it to make it a string: "42")',
      "jobs.yaml:13:6: expected job 'd' to be a mapping of its fields (prompt, agent, ...), found a list",
      "jobs.yaml:14:3: expected job 'e' to be a mapping of its fields (prompt, agent, ...), found nothing",
    ],
  );
});

test('bad agent names suggest the closest one', async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a: { agent: comand, command: [ls] }']), [
    'jobs.yaml:3:15: expected "codex", "command", "generic", "claude" or "gemini", found a string "comand" (hint: did you mean "command"?)',
  ]);
});

test('bad durations', async () => {
  const expected = 'expected a duration such as 500ms, 30s, 5m, 2h or 1h30m';
  assert.deepEqual(
    await problems([
      'version: 1',
      'jobs:',
      '  a: { prompt: p, timeout: 5 minutes }',
      '  b: { prompt: p, timeout: 30 }',
      '  c: { prompt: p, timeout: 0s }',
      '  d: { prompt: p, timeout: 9999h }',
      '  e: { prompt: p, timeout: "1h 30m" }',
    ]),
    [
      `jobs.yaml:3:28: ${expected}, found "5 minutes" (hint: write 5m)`,
      `jobs.yaml:4:28: ${expected}, found a number 30 (hint: add a unit, e.g. 30s or 30m)`,
      'jobs.yaml:5:28: expected a timeout longer than zero, found "0s"',
      'jobs.yaml:6:28: expected a duration of at most 720h (30 days), found "9999h"',
      `jobs.yaml:7:28: ${expected}, found "1h 30m"`,
    ],
  );
});

test('bad ${VAR} syntax is located at the ${...} inside the value when it is written verbatim', async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'jobs:',
      '  a:',
      '    prompt: p',
      '    workdir: ./x/${1DIR}',
      '    env:',
      '      PLAIN: a ${OPEN',
      "      SINGLE: 'x${}'",
      '      DOUBLE: "\\t${A:=b}"',
      '      BLOCK: |',
      '        ${OPEN',
    ]),
    [
      'jobs.yaml:5:18: expected a variable name after "${", found "${1DIR}" (hint: names are letters, digits and _, not starting with a digit, e.g. ${HOME})',
      'jobs.yaml:7:16: unterminated "${" in "a ${OPEN": expected "}" to close it (hint: write ${NAME} or ${NAME:-default}; for a literal "${" write "$${")',
      'jobs.yaml:8:17: expected a variable name after "${", found "${}" (hint: names are letters, digits and _, not starting with a digit, e.g. ${HOME})',
      // Escapes (\t) shift offsets, so the whole value is marked.
      'jobs.yaml:9:15: unsupported "${A:=b}": expected ${A} or ${A:-default}',
      'jobs.yaml:10:14: unterminated "${" in "${OPEN\\n": expected "}" to close it (hint: write ${NAME} or ${NAME:-default}; for a literal "${" write "$${")',
    ],
  );
});

test('a variable without a default must be set in the environment passed in', async () => {
  const text = ['version: 1', 'jobs:', '  a:', '    prompt: p', '    env: { TOKEN: "${GITHUB_TOKEN}", LEVEL: "${LOG_LEVEL:-}" }'];
  assert.deepEqual(await problems(text), [
    'jobs.yaml:5:20: environment variable GITHUB_TOKEN is not set (hint: set GITHUB_TOKEN, or write ${GITHUB_TOKEN:-} to default to empty)',
  ]);
  assert.deepEqual(await problems(text, { env: { GITHUB_TOKEN: 'x' } }), []);
});

test('a problem in defaults is reported once, at defaults, not once per job', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'defaults:', '  env: { TOKEN: "${GITHUB_TOKEN}" }', 'jobs:', '  a: { prompt: p }', '  b: { prompt: p }']),
    ['jobs.yaml:3:18: environment variable GITHUB_TOKEN is not set (hint: set GITHUB_TOKEN, or write ${GITHUB_TOKEN:-} to default to empty)'],
  );
});

test('a workdir must be an existing folder, relative to the manifest', async () => {
  const dir = path.join(root, `m${count + 1}`);
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a: { prompt: p, workdir: ./services/api }', '  b: { prompt: p, workdir: ~/src }', '  c: { prompt: p, workdir: jobs.yaml }']),
    [
      `jobs.yaml:3:28: workdir "./services/api" does not exist: no folder at ${dir}/services/api (hint: relative workdirs start from the manifest's folder, ${dir})`,
      `jobs.yaml:4:28: workdir "~/src" does not exist: no folder at ${dir}/~/src (hint: '~' is not expanded here; write \${HOME} instead)`,
      `jobs.yaml:5:28: expected workdir "jobs.yaml" to be a folder, found a file at ${dir}/jobs.yaml`,
    ],
  );
});

test('codex jobs need a prompt and command jobs a command, counting what defaults give', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  review: { agent: codex }', '  implicit: {}', '  lint: { agent: command }', '  forgot-agent: { command: [npm, test] }']),
    [
      "jobs.yaml:3:3: job 'review' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one (hint: add 'prompt: ...' to the job, or to 'defaults:' to give every job the same one)",
      "jobs.yaml:4:3: job 'implicit' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one (hint: add 'prompt: ...' to the job, or to 'defaults:' to give every job the same one)",
      "jobs.yaml:5:3: job 'lint' has no 'command': agent: command needs one (hint: add 'command: [program, arg, ...]' (argv, no shell) or a string, which runs through /bin/sh -c)",
      "jobs.yaml:6:3: job 'forgot-agent' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one (hint: to run its command instead, add 'agent: command')",
    ],
  );
  assert.deepEqual(
    await problems(['version: 1', 'defaults: { agent: command }', 'jobs:', '  build: {}', '  review: { agent: codex }']),
    [
      "jobs.yaml:4:3: job 'build' has no 'command': agent: command needs one (hint: add 'command: [program, arg, ...]' (argv, no shell) or a string, which runs through /bin/sh -c)",
      "jobs.yaml:5:3: job 'review' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one (hint: add 'prompt: ...' to the job, or to 'defaults:' to give every job the same one)",
    ],
  );
  assert.deepEqual(await problems(['version: 1', 'defaults: { prompt: p, command: [make] }', 'jobs:', '  a: {}', '  b: { agent: command }']), []);
});

test('a manifest without jobs', async () => {
  const hint = "(hint: add a job, e.g.  jobs: { fix-tests: { prompt: 'Fix the failing tests' } })";
  assert.deepEqual(await problems(['version: 1', 'jobs: {}']), [`jobs.yaml:2:7: no jobs: expected at least one job under 'jobs:', found an empty mapping {} ${hint}`]);
  assert.deepEqual(await problems(['version: 1', 'jobs:']), [`jobs.yaml:2:1: no jobs: expected at least one job under 'jobs:', found nothing ${hint}`]);
  assert.deepEqual(await problems(['version: 1']), [`jobs.yaml:1:1: no jobs: expected at least one job under 'jobs:', found nothing ${hint}`]);
});

test('concurrency must be a whole number of at least 1', async () => {
  assert.deepEqual(await problems(['version: 1', 'concurrency: 0', 'jobs: { a: { prompt: p } }']), ['jobs.yaml:2:14: expected a number of at least 1, found a number 0']);
  assert.deepEqual(await problems(['version: 1', 'concurrency: -3', 'jobs: { a: { prompt: p } }']), ['jobs.yaml:2:14: expected a number of at least 1, found a number -3']);
  assert.deepEqual(await problems(['version: 1', 'concurrency: 1.5', 'jobs: { a: { prompt: p } }']), ['jobs.yaml:2:14: expected a whole number, found a number 1.5']);
});

test('version must be present and be 1', async () => {
  const hint = '(hint: this codex-run reads manifests with version: 1)';
  assert.deepEqual(await problems(['version: 2', 'jobs: { a: { prompt: p } }']), [`jobs.yaml:1:10: expected version 1, found a number 2 ${hint}`]);
  assert.deepEqual(await problems(['version: "1"', 'jobs: { a: { prompt: p } }']), [`jobs.yaml:1:10: expected version 1, found a string "1" ${hint}`]);
  assert.deepEqual(await problems(['jobs: { a: { prompt: p } }']), ["jobs.yaml:1:1: missing 'version': expected 'version: 1' at the top level"]);
});

test('bad names: an empty job name, environment variable names', async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  "": { prompt: p }', '  a: { prompt: p, env: { 1ST: x, OK_1: y, has-dash: z } }']), [
    'jobs.yaml:3:3: expected a job name, found an empty key',
    'jobs.yaml:4:26: expected an environment variable name (letters, digits and _, not starting with a digit), found "1ST"',
    'jobs.yaml:4:43: expected an environment variable name (letters, digits and _, not starting with a digit), found "has-dash"',
  ]);
});

test('all problems are collected before failing: three problems give three diagnostics', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a:', '    promt: p', '    timeout: soon', '  b: { prompt: p, env: { T: "${UNSET}" } }']),
    [
      "jobs.yaml:3:3: job 'a' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one (hint: add 'prompt: ...' to the job, or to 'defaults:' to give every job the same one)",
      "jobs.yaml:4:5: unknown key 'promt' in job 'a' (hint: did you mean 'prompt'?)",
      'jobs.yaml:5:14: expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "soon"',
      'jobs.yaml:6:30: environment variable UNSET is not set (hint: set UNSET, or write ${UNSET:-} to default to empty)',
    ],
  );
  // A YAML-level duplicate, a schema error and a semantic error together.
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a:', '    prompt: p', '    prompt: q', '    timeout: 5x', '    workdir: missing']),
    [
      'jobs.yaml:5:5: duplicate key "prompt": already set on line 4 (hint: a key may appear once per mapping: remove one)',
      'jobs.yaml:6:14: expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "5x"',
      `jobs.yaml:7:14: workdir "missing" does not exist: no folder at ${path.join(root, `m${count}`, 'missing')} (hint: relative workdirs start from the manifest's folder, ${path.join(root, `m${count}`)})`,
    ],
  );
});

test('a part the schema rejected is not checked further, but its siblings are', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a:', '    prompt: p', '    env: { BAD: 1, T: "${UNSET}" }', '    workdir: [not, a, string]']),
    [
      'jobs.yaml:5:17: expected a string, found a number 1 (hint: quote it to make it a string: "1")',
      'jobs.yaml:5:24: environment variable UNSET is not set (hint: set UNSET, or write ${UNSET:-} to default to empty)',
      'jobs.yaml:6:14: expected a string, found a list',
    ],
  );
});

test('files that cannot be a manifest: missing, a folder, empty, too large, not UTF-8', async () => {
  const dir = await freshDir();
  const check = async (name: string, expected: string[]): Promise<void> => {
    const result = await loadManifest(path.join(dir, name), { env: {} });
    assert.equal(result.ok, false, name);
    if (!result.ok) assert.deepEqual(show(result.error.diagnostics, dir), expected, name);
  };
  await check('absent.yaml', ['absent.yaml:1:1: cannot read the manifest: no such file (hint: check the path, or create a starter manifest with `codex-run init`)']);
  await mkdir(path.join(dir, 'folder.yaml'));
  await check('folder.yaml', ['folder.yaml:1:1: expected a YAML file, found a folder']);
  await writeFile(path.join(dir, 'empty.yaml'), '');
  await check('empty.yaml', ["empty.yaml:1:1: the manifest is empty: expected 'version: 1' and 'jobs:' (hint: start from the template that `codex-run init` writes)"]);
  await writeFile(path.join(dir, 'comments.yaml'), '# just a comment\n');
  await check('comments.yaml', ["comments.yaml:1:1: the manifest is empty: expected 'version: 1' and 'jobs:' (hint: start from the template that `codex-run init` writes)"]);
  await writeFile(path.join(dir, 'huge.yaml'), `version: 1\n${'#'.repeat(MAX_MANIFEST_BYTES)}\n`);
  await check('huge.yaml', ['huge.yaml:1:1: the file is larger than 1 MiB, the most a manifest may be']);
  await writeFile(path.join(dir, 'binary.yaml'), Buffer.from([0x76, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
  await check('binary.yaml', ['binary.yaml:1:4: expected UTF-8 text, found a byte that is not valid UTF-8 (byte 0xff) (hint: save the file as UTF-8)']);
});

test('YAML features that do not fit a manifest: several documents, odd keys, unknown aliases and tags, alias bombs', async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs: { a: { prompt: p } }', '---', 'version: 1']), [
    'jobs.yaml:3:1: expected a single YAML document, found a second one after "---" (hint: a manifest is one document: remove the "---" line and merge the two)',
  ]);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  ? [a, b]', '  : { prompt: p }']), ['jobs.yaml:3:5: expected a plain key such as a name, found a list']);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a: { prompt: *nope }']), [
    'jobs.yaml:3:16: unknown alias "*nope": no anchor "&nope" before it (hint: define the anchor (&name) before using the alias (*name))',
  ]);
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a: { prompt: !shell p }']), [
    'jobs.yaml:3:16: unknown YAML tag "!shell" (hint: remove the tag: manifests use plain YAML values)',
  ]);
  const bomb = [
    'x0: &a [x, x, x, x, x, x, x, x, x, x]',
    'x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'x3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'version: 1',
    'jobs: { a: { prompt: p } }',
  ];
  assert.deepEqual(await problems(bomb), [
    'jobs.yaml:2:9: too many alias expansions: the document would expand past 100 aliased values (hint: aliases that nest aliases multiply; write the values out or use `defaults:`)',
  ]);
});

test('the top level must be a mapping', async () => {
  assert.deepEqual(await problems(['- version: 1']), ["jobs.yaml:1:1: expected a mapping with 'version: 1' and 'jobs:' at the top level, found a list"]);
  assert.deepEqual(await problems(['just text']), ["jobs.yaml:1:1: expected a mapping with 'version: 1' and 'jobs:' at the top level, found a string \"just text\""]);
});

test('loadManifest never throws on damaged input: every cut and byte flip of a valid manifest gives a result', async () => {
  const valid = [
    'version: 1',
    'concurrency: 2',
    'defaults: { timeout: 2h, env: { A: "${HOME:-/}" } }',
    'jobs:',
    '  fix: { prompt: "Fix ${it}", workdir: ".", env: { B: x } }',
    '  lint: { agent: command, command: [npm, run, lint] }',
    '  anchor: &x { prompt: p }',
    '  alias: *x',
    '',
  ].join('\n');
  const dir = await freshDir();
  const file = path.join(dir, 'jobs.yaml');
  const variants: string[] = [];
  for (let cut = 0; cut < valid.length; cut += 3) variants.push(valid.slice(0, cut));
  const noise = ['{', '}', '[', ']', ':', '"', "'", '&', '*', '!', '|', '>', '-', '#', '\t', '\n', '$', '%', '@', '`', '?', ','];
  let seed = 7;
  for (let i = 0; i < 60; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const at = seed % valid.length;
    variants.push(valid.slice(0, at) + (noise[seed % noise.length] ?? '') + valid.slice(at + 1));
  }
  for (const text of variants) {
    await writeFile(file, text);
    const result = await loadManifest(file, { env: {} });
    if (result.ok) continue;
    assert.ok(result.error.diagnostics.length > 0, JSON.stringify(text));
    for (const d of result.error.diagnostics) {
      assert.ok(d.location.line >= 1 && d.location.col >= 1 && d.message.length > 0, JSON.stringify({ text, d }));
      assert.doesNotMatch(d.message, /\n\s+at /, 'no stack traces');
    }
  }
});
