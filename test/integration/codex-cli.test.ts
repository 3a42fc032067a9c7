/**
 * The codex adapter end to end with the REAL Codex CLI (node_modules/.bin/codex, 0.169.0),
 * through the CLI as built next to this test: a flag codex rejects fails the job as
 * `agent-usage` with codex's own message, at once and without a model or network; `doctor`
 * reports the real binary and version; `--dry-run` shows the argv and the built-in rules.
 * Codex always gets an empty temporary CODEX_HOME, never the user's ~/.codex.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The CLI compiled alongside this test (whatever the output folder). */
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

// Runs the CLI without a TTY, with a PATH that holds no other codex, failing after a deadline.
function cli(args: string[], cwd: string, codexHome: string, deadlineMs = 30_000): Promise<Ran> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: {
      HOME: codexHome,
      CODEX_HOME: codexHome,
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      CI: 'true',
      NO_COLOR: '1',
      // CI runs this file on both PTY backends (.ci/run).
      ...(process.env['CODEX_RUN_PTY'] !== undefined ? { CODEX_RUN_PTY: process.env['CODEX_RUN_PTY'] } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`codex-run ${args.join(' ')} did not finish within ${deadlineMs} ms:\n${stdout}${stderr}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function setup(manifest: string): { dir: string; home: string } {
  const dir = tempDir('codex-run-codex-cli-');
  const home = path.join(dir, 'codex-home');
  mkdirSync(home, { mode: 0o700 });
  writeFileSync(path.join(dir, 'jobs.yaml'), manifest);
  return { dir, home };
}

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  exitCode: number | null;
  argv: string[];
  sessionId: string | null;
  tokensUsed: number | null;
  lastMessage: string | null;
}

test('a flag the real codex 0.169 rejects: the job fails as agent-usage with codex\'s own message, fast, offline', { timeout: 120_000 }, async () => {
  const { dir, home } = setup(`version: 1
jobs:
  rejected:
    prompt: Say hi
    codex:
      bin: ${fixture('codex-full-auto.sh')}
`);
  const ran = await cli(['jobs.yaml'], dir, home);
  assert.equal(ran.code, 1, `${ran.stdout}${ran.stderr}`);
  assert.ok(ran.ms < 15_000, `took ${ran.ms} ms`);
  const runs = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(runs);
  assert.ok(runId !== undefined);
  const report = JSON.parse(readFileSync(path.join(runs, runId, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const job = report.jobs[0];
  assert.ok(job !== undefined);
  assert.equal(job.status, 'failed');
  assert.equal(job.reason, 'agent-usage');
  assert.equal(job.exitCode, 2);
  assert.match(job.message ?? '', /error: unexpected argument '--full-auto' found/);
  assert.match(job.message ?? '', /tip: to pass '--full-auto' as a value, use '-- --full-auto'/);
  assert.equal(job.sessionId, null);
  assert.equal(job.lastMessage, null);
  // exec outside a git repository: the flag that lets codex run there, then -o in a private folder.
  assert.deepEqual(job.argv.slice(0, 4), [fixture('codex-full-auto.sh'), 'exec', '--skip-git-repo-check', '-o']);
  assert.equal(existsSync(path.dirname(job.argv[4] ?? '/')), false, 'the private folder is gone after the run');
  assert.deepEqual(job.argv.slice(-2), ['--', 'Say hi']);
  assert.match(ran.stdout + ran.stderr, /agent-usage/);
});

test('doctor: the real binary and its version per codex job; a missing binary exits 1', { timeout: 120_000 }, async () => {
  const { dir, home } = setup(`version: 1
jobs:
  wrapped:
    prompt: a
    codex: { bin: ${fixture('codex-full-auto.sh')} }
  bundled:
    prompt: b
    codex: { mode: tui }
  lint:
    agent: command
    command: ["true"]
`);
  const ok = await cli(['doctor', 'jobs.yaml'], dir, home);
  assert.equal(ok.code, 0, `${ok.stdout}${ok.stderr}`);
  const lines = ok.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'jobs.yaml: 2 codex jobs',
    `wrapped (codex exec): ${fixture('codex-full-auto.sh')} (the job's codex.bin), codex-cli 0.169.0`,
    `bundled (codex tui): ${path.resolve(fixture('.'), '..', '..', 'node_modules', '.bin', 'codex')} (installed with codex-run), codex-cli 0.169.0`,
  ]);
  // Last: the PTY backend the jobs will run on (the native pump unless CODEX_RUN_PTY=js).
  assert.match(lines[3] ?? '', process.env['CODEX_RUN_PTY'] === 'js' ? /^pty: js \(CODEX_RUN_PTY=js\)$/ : /^pty: native \(/);
  assert.equal(lines.length, 4);
  assert.deepEqual(readdirSync(home), [], 'codex --version wrote nothing into CODEX_HOME');

  writeFileSync(path.join(dir, 'broken.yaml'), 'version: 1\njobs:\n  gone:\n    prompt: a\n    codex: { bin: ./no-such-codex }\n');
  const broken = await cli(['doctor', 'broken.yaml'], dir, home);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /^gone \(codex exec\): error: codex\.bin: no executable file at .*no-such-codex$/m);
});

test('--dry-run shows the exact codex argv and lists the built-in rules', { timeout: 120_000 }, async () => {
  const { dir, home } = setup(`version: 1
jobs:
  review:
    prompt: Review the docs
    codex: { mode: tui, sandbox: read-only, approvals: on-request, config: { model_reasoning_effort: high } }
`);
  const ran = await cli(['--dry-run', 'jobs.yaml'], dir, home);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /argv: +\S+\/codex --no-daemon --sandbox read-only -c 'model_reasoning_effort="high"' --ask-for-approval on-request -- 'Review the docs'\n/);
  for (const name of ['trust-folder', 'update-skip', 'model-keep', 'conversation-locked', 'resume-picker']) {
    assert.match(ran.stdout, new RegExp(`^    \\d+\\. codex:${name} /`, 'm'));
  }
});
