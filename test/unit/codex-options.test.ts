/**
 * The `codex:` section: validation on its own, argv for exec and tui with every option, the
 * adapter's launch plan (binary, git check, long prompts), and the manifest's located
 * diagnostics and `defaults:` merge.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codexAdapter, MAX_PROMPT_ARG_BYTES } from '../../src/agents/codex.js';
import { codexArgv, tomlValue } from '../../src/agents/codex/argv.js';
import { codexSpecOf, mergeCodexOptions, parseCodexOptions, type CodexSpec } from '../../src/agents/codex/options.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { JobSpec, Manifest } from '../../src/manifest/model.js';
import { defaultSupervision } from '../helpers/supervision.js';

const root = mkdtempSync(path.join(tmpdir(), 'codex-run-codex-options-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function spec(over: Partial<CodexSpec> = {}): CodexSpec {
  return { ...codexSpecOf(undefined), ...over };
}

function problems(raw: unknown): string[] {
  const parsed = parseCodexOptions(raw);
  return parsed.ok ? [] : parsed.error.map((p) => `${p.path.join('.')}: ${p.message}${p.hint === null ? '' : ` (hint: ${p.hint})`}`);
}

test('defaults: exec, nothing else set', () => {
  assert.deepEqual(codexSpecOf(undefined), { mode: 'exec', sandbox: null, model: null, profile: null, config: {}, args: [], approvals: null, bin: null });
});

test('every option is accepted and kept', () => {
  const parsed = parseCodexOptions({
    mode: 'tui',
    sandbox: 'workspace-write',
    model: 'gpt-5.5',
    profile: 'ci',
    config: { model_reasoning_effort: 'high', shell_environment_policy: { inherit: 'all' }, 'tools.web_search': true, n: 3, list: ['a', 1] },
    args: ['--search', '--add-dir', '../shared'],
    approvals: 'on-request',
    bin: '/opt/codex',
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  assert.deepEqual(parsed.value.config, {
    model_reasoning_effort: 'high',
    'shell_environment_policy.inherit': 'all',
    'tools.web_search': true,
    n: 3,
    list: ['a', 1],
  });
});

test('bad values are reported with what was expected, every one of them', () => {
  assert.deepEqual(problems({ mode: 'batch', sandbox: 'full', approvals: 'untrusted', model: '', args: '--search', extra: 1 }), [
    'mode: expected exec or tui, found a string "batch"',
    'sandbox: expected read-only, workspace-write or danger-full-access, found a string "full"',
    'approvals: expected on-request or never, found a string "untrusted"',
    'model: expected a non-empty string, found an empty string ""',
    'args: expected a list of arguments such as ["--search"], found a string "--search"',
    'extra: unknown key "extra": expected mode, sandbox, model, profile, config, args, approvals or bin',
  ]);
  assert.deepEqual(problems({ config: { 'bad key': 1, ok: { nested: null } } }), [
    'config.bad key: expected a config key without spaces or "=", found "bad key"',
    'config.ok.nested: expected a string, number, boolean or a list of them, found null',
  ]);
  assert.deepEqual(problems('exec'), [': expected a mapping such as { mode: exec, sandbox: workspace-write }, found a string "exec"']);
});

test('--full-auto in args is refused with the 0.169 replacement; flags set by fields are refused too', () => {
  assert.deepEqual(problems({ args: ['--search', '--full-auto'] }), [
    'args.1: "--full-auto" cannot be passed through args (hint: removed in codex-cli 0.169: use `codex.sandbox: workspace-write` (`--sandbox workspace-write`))',
  ]);
  assert.deepEqual(
    problems({ args: ['-s', 'read-only', '--model=o3', '-o', 'x', '--no-daemon', '--search'] }).map((p) => p.split(':')[0]),
    ['args.0', 'args.2', 'args.3', 'args.5'],
  );
});

test('approvals belong to the tui: with mode exec they are refused', () => {
  assert.deepEqual(problems({ mode: 'exec', approvals: 'never' }), [
    'approvals: expected no `approvals` with mode exec: codex exec never asks (its approval policy is always never) (hint: set `mode: tui` to have approvals answered by rules)',
  ]);
});

test('defaults merge key by key, config entry by entry; the job wins', () => {
  const merged = mergeCodexOptions({ sandbox: 'read-only', model: 'a', config: { x: 1, y: 2 } }, { model: 'b', config: { y: 3 } });
  assert.deepEqual(merged, { sandbox: 'read-only', model: 'b', config: { x: 1, y: 3 } });
});

test('exec argv: every option in codex 0.169 spelling, the prompt last after --', () => {
  const argv = codexArgv({
    spec: spec({ sandbox: 'workspace-write', model: 'gpt-5.5', profile: 'ci', config: { a: 'x', 'b.c': true, n: 2, l: ['p', 1] }, args: ['--search'] }),
    prompt: '-rf is not a flag here',
    skipGitRepoCheck: true,
    lastMessageFile: '/tmp/p/last-message.txt',
  });
  assert.deepEqual(argv, [
    'exec',
    '--skip-git-repo-check',
    '--sandbox',
    'workspace-write',
    '--model',
    'gpt-5.5',
    '--profile',
    'ci',
    '-c',
    'a="x"',
    '-c',
    'b.c=true',
    '-c',
    'n=2',
    '-c',
    'l=["p", 1]',
    '-o',
    '/tmp/p/last-message.txt',
    '--search',
    '--',
    '-rf is not a flag here',
  ]);
});

test('tui argv: --no-daemon first, approvals as --ask-for-approval, no -o and no git flag', () => {
  assert.deepEqual(
    codexArgv({ spec: spec({ mode: 'tui', approvals: 'on-request', sandbox: 'read-only' }), prompt: 'Fix it', skipGitRepoCheck: true, lastMessageFile: null }),
    ['--no-daemon', '--sandbox', 'read-only', '--ask-for-approval', 'on-request', '--', 'Fix it'],
  );
  assert.deepEqual(codexArgv({ spec: spec({ mode: 'tui' }), prompt: 'p', skipGitRepoCheck: false, lastMessageFile: null }), ['--no-daemon', '--', 'p']);
});

test('resume by id (never --last): exec puts `resume <id>` after its options; the tui starts with `resume`', () => {
  const id = '01a20a97-7906-74e2-8214-9670132e390e';
  assert.deepEqual(
    codexArgv({ spec: spec({ sandbox: 'workspace-write' }), prompt: 'continue', skipGitRepoCheck: true, lastMessageFile: '/tmp/p/m.txt', resumeSessionId: id }),
    ['exec', '--skip-git-repo-check', '--sandbox', 'workspace-write', '-o', '/tmp/p/m.txt', 'resume', id, '--', 'continue'],
  );
  assert.deepEqual(codexArgv({ spec: spec({ mode: 'tui', model: 'm' }), prompt: 'go on', skipGitRepoCheck: false, lastMessageFile: null, resumeSessionId: id }), [
    'resume',
    '--no-daemon',
    '--model',
    'm',
    id,
    '--',
    'go on',
  ]);
});

test('TOML values: strings always quoted and escaped, so "true" stays a string', () => {
  assert.equal(tomlValue('true'), '"true"');
  assert.equal(tomlValue('say "hi"\n'), '"say \\"hi\\"\\n"');
  assert.equal(tomlValue(false), 'false');
  assert.equal(tomlValue([1, 'a', [true]]), '[1, "a", [true]]');
});

function codexJob(workdir: string, over: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'fix',
    agent: 'codex',
    prompt: 'Fix the tests',
    command: null,
    workdir,
    env: {},
    timeoutMs: null,
    schedule: null,
    supervision: defaultSupervision(),
    enterDelayMs: 500,
    codex: spec(),
    resume: null,
    rehearsal: null,
    location: { file: 'jobs.yaml', line: 1, col: 1, endLine: 1, endCol: 4 },
    ...over,
  } as JobSpec;
}

function fakeCodex(dir: string): string {
  const bin = path.join(dir, 'codex');
  writeFileSync(bin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return bin;
}

test('plan: `codex.bin` first; exec passes --skip-git-repo-check inside and outside a git work tree; -o in a private temp folder', () => {
  const dir = path.join(root, `p${++count}`);
  const repo = path.join(dir, 'repo', 'sub');
  mkdirSync(repo, { recursive: true });
  mkdirSync(path.join(dir, 'repo', '.git'));
  const bin = fakeCodex(dir);
  const outside = codexAdapter.plan(codexJob(dir, { codex: spec({ bin }) }), { PATH: '/nonexistent' });
  assert.ok(outside.ok);
  assert.equal(outside.value.file, bin);
  assert.deepEqual(outside.value.args.slice(0, 3), ['exec', '--skip-git-repo-check', '-o']);
  assert.match(outside.value.args[3] ?? '', new RegExp(`^${tmpdir().replace(/[/\\]/g, '\\$&')}/codex-run-[0-9a-f]{16}/last-message\\.txt$`));
  assert.deepEqual(outside.value.args.slice(-2), ['--', 'Fix the tests']);
  assert.equal(typeof outside.value.monitor, 'function');
  const inside = codexAdapter.plan(codexJob(repo, { codex: spec({ bin }) }), { PATH: '/nonexistent' });
  assert.ok(inside.ok);
  assert.deepEqual(inside.value.args.slice(0, 2), ['exec', '--skip-git-repo-check'], 'the same flag inside a work tree: no walk up for .git that could race');
});

test('resumePlan: the same launch with the session id, and its own monitor', () => {
  const dir = path.join(root, `p${++count}`);
  mkdirSync(dir, { recursive: true });
  const bin = fakeCodex(dir);
  const resumed = codexAdapter.resumePlan?.(codexJob(dir, { codex: spec({ bin }) }), {}, '01a20a97-7906-74e2-8214-9670132e390e', 'continue');
  assert.ok(resumed?.ok);
  assert.deepEqual(resumed.value.args.slice(-4), ['resume', '01a20a97-7906-74e2-8214-9670132e390e', '--', 'continue']);
  assert.equal(typeof resumed.value.monitor, 'function');
});

test('plan: `codex` on PATH before the bundled one; a missing codex.bin is binary-missing', () => {
  const dir = path.join(root, `p${++count}`);
  mkdirSync(dir, { recursive: true });
  const onPath = fakeCodex(dir);
  const viaPath = codexAdapter.plan(codexJob(dir), { PATH: dir });
  assert.ok(viaPath.ok);
  assert.equal(viaPath.value.file, onPath);
  const missing = codexAdapter.plan(codexJob(dir, { codex: spec({ bin: path.join(dir, 'nope') }) }), { PATH: dir });
  assert.ok(!missing.ok);
  assert.equal(missing.error.reason, 'binary-missing');
  assert.match(missing.error.message, /^codex\.bin: no executable file at /);
});

test('plan: a prompt too long for one argument goes through stdin in exec, and is refused in the tui', () => {
  const dir = path.join(root, `p${++count}`);
  mkdirSync(dir, { recursive: true });
  const bin = fakeCodex(dir);
  const prompt = 'x'.repeat(MAX_PROMPT_ARG_BYTES + 1);
  const exec = codexAdapter.plan(codexJob(dir, { prompt, codex: spec({ bin }) }), {});
  assert.ok(exec.ok);
  assert.equal(exec.value.file, '/bin/sh');
  assert.equal(exec.value.args[0], '-c');
  assert.equal(exec.value.args[1], 'exec "$@" < "$0"');
  assert.match(exec.value.args[2] ?? '', /codex-run-[0-9a-f]{16}\/prompt\.txt$/);
  assert.equal(exec.value.args[3], bin);
  assert.deepEqual(exec.value.args.slice(-2), ['--', '-']);
  assert.ok(!exec.value.args.includes(prompt));
  const tui = codexAdapter.plan(codexJob(dir, { prompt, codex: spec({ bin, mode: 'tui' }) }), {});
  assert.ok(!tui.ok);
  assert.equal(tui.error.reason, 'agent-usage');
  assert.match(tui.error.message, /use codex\.mode: exec/);
  const justFits = codexAdapter.plan(codexJob(dir, { prompt: 'é'.repeat(MAX_PROMPT_ARG_BYTES / 2 - 1), codex: spec({ bin }) }), {});
  assert.ok(justFits.ok);
  assert.equal(justFits.value.file, bin);
});

async function load(text: string): Promise<{ manifest: Manifest | null; problems: string[] }> {
  const dir = path.join(root, `m${++count}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, text);
  const result = await loadManifest(file, { env: { BIN_DIR: '/opt/bin' } });
  if (result.ok) return { manifest: result.value, problems: [] };
  return {
    manifest: null,
    problems: result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}${d.hint === undefined || d.hint === null ? '' : ` (hint: ${d.hint})`}`),
  };
}

test('manifest: located diagnostics for a bad sandbox and for --full-auto in args', async () => {
  const { problems: found } = await load(
    ['version: 1', 'jobs:', '  fix:', '    prompt: Fix it', '    codex:', '      sandbox: full', '      args: [--search, --full-auto]', ''].join('\n'),
  );
  assert.deepEqual(found, [
    '6:16: expected "read-only", "workspace-write" or "danger-full-access", found a string "full"',
    '7:24: "--full-auto" cannot be passed through args (hint: removed in codex-cli 0.169: use `codex.sandbox: workspace-write` (`--sandbox workspace-write`))',
  ]);
});

test('manifest: codex jobs get a spec with defaults applied, merged from defaults:; command jobs get null', async () => {
  const { manifest, problems: found } = await load(
    [
      'version: 1',
      'defaults:',
      '  codex: { sandbox: workspace-write, config: { a: 1 }, bin: "${BIN_DIR}/codex" }',
      'jobs:',
      '  fix:',
      '    prompt: Fix it',
      '    codex: { mode: tui, config: { b: x }, bin: ./tools/codex }',
      '  plain:',
      '    prompt: Look',
      '  lint:',
      '    agent: command',
      '    command: ["true"]',
      '',
    ].join('\n'),
  );
  assert.deepEqual(found, []);
  assert.ok(manifest !== null);
  const [fix, plain, lint] = manifest.jobs;
  assert.deepEqual(fix?.codex, { mode: 'tui', sandbox: 'workspace-write', model: null, profile: null, config: { a: 1, b: 'x' }, args: [], approvals: null, bin: path.join(manifest.dir, 'tools', 'codex') });
  assert.deepEqual(plain?.codex, { mode: 'exec', sandbox: 'workspace-write', model: null, profile: null, config: { a: 1 }, args: [], approvals: null, bin: '/opt/bin/codex' });
  assert.equal(lint?.codex, null);
});
