/**
 * End to end: under `--rehearse`, every rehearsed agent child (the REAL claude, gemini and
 * codex) loses the credentials and endpoints of EVERY agent, not only its own, and the proxy
 * variables, so nothing it sends can reach a real service or leave the machine through a proxy.
 * Each job's script runs `env > ENV.txt`; the runner's environment holds fake keys of every
 * vendor and a proxy on a closed loopback port (a child that kept it would never reach the
 * model server and the job would fail).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const VENDOR_KEYS: Record<string, string> = {
  ANTHROPIC_API_KEY: 'fake-anthropic-key-1',
  ANTHROPIC_AUTH_TOKEN: 'fake-anthropic-token-2',
  CLAUDE_CODE_OAUTH_TOKEN: 'fake-claude-oauth-3',
  GEMINI_API_KEY: 'fake-gemini-key-4',
  GOOGLE_API_KEY: 'fake-google-key-5',
  OPENAI_API_KEY: 'fake-openai-key-6',
  CODEX_API_KEY: 'fake-codex-key-7',
};
const PROXIES: Record<string, string> = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  ALL_PROXY: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
};

test('every rehearsed child (claude, gemini, codex) loses every vendor key and the proxies, and every job succeeds', { timeout: 60_000 }, async () => {
  const dir = tempDir('private-env-');
  for (const name of ['cl', 'gm', 'cx']) mkdirSync(path.join(dir, name));
  const script = `    rehearsal:\n      - run: "env > ENV.txt"\n      - say: Done.\n`;
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  cl:
    agent: claude
    workdir: ./cl
    prompt: "Dump the environment"
    claude: { permissionMode: acceptEdits, allowedTools: ["Bash(env:*)"] }
${script}  gm:
    agent: gemini
    workdir: ./gm
    prompt: "Dump the environment"
    gemini: { approvalMode: yolo }
${script}  cx:
    agent: codex
    workdir: ./cx
    prompt: "Dump the environment"
${script}`,
  );
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 55_000, env: { HOME: dir, ...VENDOR_KEYS, ...PROXIES } });
  const out = r.stdout + r.stderr;
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.ok(runId !== undefined, out);
  const report = JSON.parse(readFileSync(path.join(root, runId, 'report.json'), 'utf8')) as { jobs: Array<{ name: string; status: string }> };
  for (const name of ['cl', 'gm', 'cx']) {
    assert.equal(report.jobs.find((j) => j.name === name)?.status, 'succeeded', `${name}: ${out}`);
    const env = readFileSync(path.join(dir, name, 'ENV.txt'), 'utf8');
    for (const [key, value] of Object.entries(VENDOR_KEYS)) {
      assert.ok(!env.includes(value), `${name}: the runner's ${key} reached the child`);
    }
    for (const key of Object.keys(PROXIES)) {
      assert.doesNotMatch(env, new RegExp(`^${key}=`, 'm'), `${name}: ${key} reached the child`);
    }
    assert.match(env, /^NO_PROXY=127\.0\.0\.1,localhost,::1$/m, `${name}: NO_PROXY names the loopback`);
  }
  assert.equal(r.code, 0, out);
});
