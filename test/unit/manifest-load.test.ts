import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Manifest } from '../../src/manifest/model.js';
import { fixture } from '../helpers/paths.js';
import { defaultSupervision } from '../helpers/supervision.js';

// The default supervision with the idle ladder's kill set (the codex adapter's default).
function withIdleKill(killMs: number): ReturnType<typeof defaultSupervision> {
  const supervision = defaultSupervision();
  return { ...supervision, idle: { ...supervision.idle, killMs } };
}

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-manifest-load-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

// Writes a manifest into a fresh folder (with the given subfolders) and loads it.
async function load(text: string, options: { env?: Record<string, string>; folders?: string[] } = {}): Promise<Manifest> {
  const dir = path.join(root, `m${++count}`);
  for (const folder of ['', ...(options.folders ?? [])]) await mkdir(path.join(dir, folder), { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, text);
  const result = await loadManifest(file, { env: options.env ?? {} });
  if (!result.ok) assert.fail(`expected a valid manifest, got:\n${result.error.diagnostics.map((d) => d.message).join('\n')}`);
  return result.value;
}

test('the jobs.example-style manifest loads to the expected model', async () => {
  const file = fixture('manifests/example/jobs.yaml');
  const dir = path.dirname(file);
  const result = await loadManifest(file, { env: { GITHUB_TOKEN: 'ghp_secret' } });
  assert.deepEqual(result, {
    ok: true,
    value: {
      file,
      dir,
      version: 1,
      concurrency: 4,
      jobs: [
        {
          name: 'fix-tests',
          agent: 'codex',
          prompt: 'Fix the failing tests in packages/api',
          command: null,
          workdir: path.join(dir, 'services', 'api'),
          env: { NODE_ENV: 'test', TOKEN: 'ghp_secret' },
          timeoutMs: 45 * 60_000,
          agentDefaults: { timeout: false, idleKill: true, noDefaults: null },
          schedule: null,
          supervision: withIdleKill(15 * 60_000),
          enterDelayMs: 500,
          resume: null,
          rehearsal: null,
          codex: { mode: 'exec', sandbox: null, model: null, profile: null, config: {}, args: [], approvals: null, bin: null },
          location: { file, line: 7, col: 3, endLine: 7, endCol: 12 },
        },
        {
          name: 'lint',
          agent: 'command',
          prompt: null,
          command: ['npm', 'run', 'lint'],
          workdir: dir,
          env: {},
          timeoutMs: 2 * 3_600_000,
          agentDefaults: { timeout: false, idleKill: false, noDefaults: 'command jobs have no default limits: set timeout or idle.kill' },
          schedule: null,
          supervision: defaultSupervision(),
          enterDelayMs: 500,
          resume: null,
          rehearsal: null,
          codex: null,
          location: { file, line: 13, col: 3, endLine: 13, endCol: 7 },
        },
      ],
    },
  });
});

test('a relative manifest path is resolved against the current folder', async () => {
  const file = fixture('manifests/example/jobs.yaml');
  const result = await loadManifest(path.relative(process.cwd(), file), { env: { GITHUB_TOKEN: 'x' } });
  assert.equal(result.ok && result.value.file, file);
});

test('defaults apply to every job; a job’s own value wins and env maps merge key by key', async () => {
  const manifest = await load(
    [
      'version: 1',
      'defaults:',
      '  prompt: Review the code',
      '  timeout: 1h',
      '  workdir: shared',
      '  env: { A: from-defaults, B: from-defaults }',
      'jobs:',
      '  inherits: {}',
      '  overrides:',
      '    prompt: Fix it',
      '    timeout: 30s',
      '    workdir: own',
      '    env: { B: from-job, C: from-job }',
      '',
    ].join('\n'),
    { folders: ['shared', 'own'] },
  );
  const [inherits, overrides] = manifest.jobs;
  assert.equal(inherits?.prompt, 'Review the code');
  assert.equal(inherits?.timeoutMs, 3_600_000);
  assert.equal(inherits?.workdir, path.join(manifest.dir, 'shared'));
  assert.deepEqual(inherits?.env, { A: 'from-defaults', B: 'from-defaults' });
  assert.equal(overrides?.prompt, 'Fix it');
  assert.equal(overrides?.timeoutMs, 30_000);
  assert.equal(overrides?.workdir, path.join(manifest.dir, 'own'));
  assert.deepEqual(overrides?.env, { A: 'from-defaults', B: 'from-job', C: 'from-job' });
});

test('defaults.agent: command makes agent-less jobs command jobs; a prompt in defaults serves codex jobs', async () => {
  const manifest = await load(
    [
      'version: 1',
      'defaults: { agent: command, prompt: Shared prompt }',
      'jobs:',
      '  build: { command: [make] }',
      '  review: { agent: codex }',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    manifest.jobs.map((job) => [job.name, job.agent, job.prompt, job.command]),
    [
      ['build', 'command', null, ['make']],
      ['review', 'codex', 'Shared prompt', null],
    ],
  );
});

test('agent defaults to codex, workdir to the manifest folder, timeout and idle kill to the codex defaults, env to empty', async () => {
  const manifest = await load('version: 1\njobs:\n  only:\n    prompt: Do it\n');
  assert.deepEqual(manifest.jobs[0], {
    name: 'only',
    agent: 'codex',
    prompt: 'Do it',
    command: null,
    workdir: manifest.dir,
    env: {},
    timeoutMs: 4 * 3_600_000,
    agentDefaults: { timeout: true, idleKill: true, noDefaults: null },
    schedule: null,
    supervision: withIdleKill(15 * 60_000),
    enterDelayMs: 500,
    resume: null,
    rehearsal: null,
    codex: { mode: 'exec', sandbox: null, model: null, profile: null, config: {}, args: [], approvals: null, bin: null },
    location: { file: manifest.file, line: 3, col: 3, endLine: 3, endCol: 7 },
  });
});

test('a string command runs through /bin/sh -c, verbatim; a list is argv as written', async () => {
  const manifest = await load(
    ['version: 1', 'jobs:', '  sh: { agent: command, command: "npm test && echo ${HOME} $$PWD" }', '  argv: { agent: command, command: [echo, "${HOME}"] }', ''].join('\n'),
  );
  assert.deepEqual(manifest.jobs[0]?.command, ['/bin/sh', '-c', 'npm test && echo ${HOME} $$PWD']);
  assert.deepEqual(manifest.jobs[1]?.command, ['echo', '${HOME}']);
});

test('prompts are passed verbatim: ${VAR} in a prompt is not expanded and need not be set', async () => {
  const manifest = await load('version: 1\njobs:\n  a:\n    prompt: "Use ${NOT_SET} and $${x}"\n');
  assert.equal(manifest.jobs[0]?.prompt, 'Use ${NOT_SET} and $${x}');
});

test('env values and workdir expand ${VAR}, ${VAR:-default} and $${', async () => {
  const manifest = await load(
    [
      'version: 1',
      'jobs:',
      '  a:',
      '    prompt: p',
      '    workdir: ${SUB}/${LEAF:-leaf}',
      '    env:',
      '      TOKEN: ${GITHUB_TOKEN}',
      '      LEVEL: ${LOG_LEVEL:-info}',
      '      LITERAL: "$${NOT_EXPANDED}"',
      '      EMPTY: "${UNSET:-}"',
      '',
    ].join('\n'),
    { env: { SUB: 'work', GITHUB_TOKEN: 'ghp_1' }, folders: ['work/leaf'] },
  );
  assert.equal(manifest.jobs[0]?.workdir, path.join(manifest.dir, 'work', 'leaf'));
  assert.deepEqual(manifest.jobs[0]?.env, { TOKEN: 'ghp_1', LEVEL: 'info', LITERAL: '${NOT_EXPANDED}', EMPTY: '' });
});

test('an absolute workdir is kept as it is', async () => {
  const manifest = await load(`version: 1\njobs:\n  a: { prompt: p, workdir: ${JSON.stringify(root)} }\n`);
  assert.equal(manifest.jobs[0]?.workdir, root);
});

test('concurrency defaults to the number of jobs, capped at 8; an explicit value is kept', async () => {
  const jobs = (n: number): string => Array.from({ length: n }, (_, i) => `  j${i}: { prompt: p }`).join('\n');
  assert.equal((await load(`version: 1\njobs:\n${jobs(3)}\n`)).concurrency, 3);
  assert.equal((await load(`version: 1\njobs:\n${jobs(12)}\n`)).concurrency, 8);
  assert.equal((await load(`version: 1\nconcurrency: 20\njobs:\n${jobs(2)}\n`)).concurrency, 20);
});

test('jobs keep manifest order, and names are the keys as written (any non-empty string)', async () => {
  const manifest = await load(['version: 1', 'jobs:', '  zeta: { prompt: p }', '  42: { prompt: p }', '  "with space/and:colon": { prompt: p }', '  alpha: { prompt: p }', ''].join('\n'));
  assert.deepEqual(
    manifest.jobs.map((job) => job.name),
    ['zeta', '42', 'with space/and:colon', 'alpha'],
  );
});

test('a manifest in CRLF with a byte-order mark and anchors loads', async () => {
  const text = '\ufeffversion: 1\r\ndefaults: &base\r\n  prompt: Shared\r\njobs:\r\n  a: *base\r\n  b: { prompt: Own }\r\n';
  const manifest = await load(text);
  assert.deepEqual(
    manifest.jobs.map((job) => [job.name, job.prompt, job.location.line]),
    [
      ['a', 'Shared', 5],
      ['b', 'Own', 6],
    ],
  );
});
