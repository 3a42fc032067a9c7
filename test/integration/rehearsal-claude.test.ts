/**
 * End to end: `codex-run --rehearse` with the REAL Claude Code (node_modules/.bin/claude,
 * 2.1.332), headless and TUI, against codex-run's own scripted model server on 127.0.0.1
 * through the Messages-API face, each job in a private pre-seeded CLAUDE_CONFIG_DIR. Nothing
 * leaves the machine and no login is used. Jobs of one test run in parallel in one manifest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { messagesFace } from '../../src/agents/claude/rehearsal/messages-face.js';
import { startModelServer } from '../../src/rehearsal/model-server.js';
import { parseScript } from '../../src/rehearsal/script.js';
import { runCli } from '../helpers/run-cli.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  sessionId: string | null;
  tokensUsed: number | null;
  costUsd?: number;
  lastMessage: string | null;
  interventions: Array<{ kind: string; sent: string | null; rule: { index: number; match: string } | null }>;
  attempts: Array<{ reason: string; sessionId: string | null; prompt: string }>;
}
interface RequestLog {
  kind: string;
  outcome: string;
  sessionId: string | null;
  turns: number[];
  userMessages: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs `jobs.yaml` (written by `body` given the test folder) and reads the run folder. */
async function run(body: (dir: string) => string, args: string[] = ['--rehearse']): Promise<{ code: number | null; out: string; dir: string; jobs: Map<string, ReportJob>; requests: Record<string, RequestLog[]> }> {
  const dir = tempDir('claude-e2e-');
  for (const name of ['a', 'b', 'c']) mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, 'jobs.yaml'), body(dir));
  // An empty HOME and a planted key: the user's ~/.claude is never used, nor their credentials.
  const r = await runCli(['jobs.yaml', ...args], { cwd: dir, deadlineMs: 28_000, env: { HOME: dir, ANTHROPIC_API_KEY: 'sk-user-real-key', ANTHROPIC_BASE_URL: 'http://192.0.2.1:9' } });
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.ok(runId !== undefined, r.stdout + r.stderr);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  assert.ok(validate(report), `report.json against its schema: ${JSON.stringify(validate.errors)}`);
  const requestsFile = path.join(runDir, 'rehearsal.json');
  const requests = existsSync(requestsFile) ? (JSON.parse(readFileSync(requestsFile, 'utf8')) as Record<string, RequestLog[]>) : {};
  assert.equal(existsSync(path.join(dir, '.claude')) || existsSync(path.join(dir, '.claude.json')), false, 'the user home is never touched');
  return { code: r.code, out: r.stdout + r.stderr, dir, jobs: new Map(report.jobs.map((j) => [j.name, j])), requests };
}

function job(jobs: Map<string, ReportJob>, name: string, out: string): ReportJob {
  const found = jobs.get(name);
  assert.ok(found !== undefined, out);
  return found;
}

test('headless: run, write and edit leave their files; rm -rf is refused (default mode, and disallowedTools under acceptEdits)', { timeout: 30_000 }, async () => {
  const { code, out, dir, jobs, requests } = await run(
    (dir) => {
      writeFileSync(path.join(dir, 'b', 'victim.txt'), 'keep me');
      writeFileSync(path.join(dir, 'c', 'victim.txt'), 'keep me');
      return `version: 1
defaults:
  agent: claude
jobs:
  make:
    workdir: ./a
    prompt: "Make the notes"
    claude: { permissionMode: acceptEdits }
    rehearsal:
      - run: "touch made-by-run.txt"
      - write: notes.txt
        content: "hello\\n"
      - edit: notes.txt
        old: hello
        new: hello world
      - say: Done.
  remove:
    workdir: ./b
    prompt: "Clean up"
    rehearsal: [{ run: "rm -rf victim.txt" }, { say: Done. }]
  remove-disallowed:
    workdir: ./c
    prompt: "Clean up"
    claude: { permissionMode: acceptEdits, disallowedTools: ["Bash(rm -rf *)"] }
    rehearsal: [{ run: "rm -rf victim.txt" }, { say: Done. }]
`;
    },
  );
  assert.equal(code, 1, out);
  const make = job(jobs, 'make', out);
  assert.equal(make.status, 'succeeded', out);
  assert.ok(existsSync(path.join(dir, 'a', 'made-by-run.txt')));
  assert.equal(readFileSync(path.join(dir, 'a', 'notes.txt'), 'utf8'), 'hello world\n');
  assert.match(make.sessionId ?? '', UUID);
  assert.equal(make.lastMessage, 'Done.');
  assert.ok((make.tokensUsed ?? 0) > 0);
  assert.ok((make.costUsd ?? 0) > 0, 'the cost Claude Code reported is in the report');
  const made = requests['make'] ?? [];
  assert.equal(made.filter((r) => r.kind === 'turn').length, 4);
  assert.ok(made.every((r) => r.sessionId === make.sessionId), 'the id chosen before the start is the one claude used');
  for (const name of ['remove', 'remove-disallowed']) {
    const removed = job(jobs, name, out);
    assert.equal(readFileSync(path.join(dir, name === 'remove' ? 'b' : 'c', 'victim.txt'), 'utf8'), 'keep me', `${name}: the file survives`);
    assert.equal(removed.status, 'failed', out);
    assert.equal(removed.reason, 'sandbox-denied', out);
    assert.match(removed.message ?? '', /rm -rf victim\.txt/);
  }
});

test('headless: a deny rule refuses rm -rf under acceptEdits: stopped before it runs, the folder survives, the job is denied', { timeout: 30_000 }, async () => {
  const { out, dir, jobs } = await run((dir) => {
    mkdirSync(path.join(dir, 'a', 'keep'));
    writeFileSync(path.join(dir, 'a', 'keep', 'precious.txt'), 'keep me');
    return `version: 1
jobs:
  clean:
    agent: claude
    workdir: ./a
    prompt: "Clean up"
    claude: { permissionMode: acceptEdits }
    answers:
      - match: "rm -rf"
        action: deny
        fail: true
    rehearsal: [{ run: "rm -rf keep" }, { say: Cleaned. }]
`;
  });
  assert.equal(readFileSync(path.join(dir, 'a', 'keep', 'precious.txt'), 'utf8'), 'keep me', 'the denied command never ran');
  const clean = job(jobs, 'clean', out);
  assert.equal(clean.status, 'failed', out);
  assert.equal(clean.reason, 'denied', out);
  assert.match(clean.message ?? '', /rm -rf keep/);
  assert.deepEqual(clean.interventions.map((i) => [i.kind, i.rule?.index, i.rule?.match]), [['deny', 0, 'rm -rf']], 'the intervention names the rule');
});

test('headless: a stall stopped by the idle ladder is resumed by its exact session id, with the history', { timeout: 30_000 }, async () => {
  const { out, jobs, requests } = await run(
    () => `version: 1
jobs:
  stalled:
    agent: claude
    workdir: ./a
    prompt: "Start the work"
    idle: { kill: 4s }
    resume: { max: 1, prompt: "Continue please" }
    rehearsal: [{ stall: 1m }, { say: Resumed. }]
`,
  );
  const stalled = job(jobs, 'stalled', out);
  assert.equal(stalled.status, 'succeeded', out);
  assert.deepEqual(stalled.attempts.map((a) => [a.reason, a.prompt]), [['idle-killed', 'first'], ['succeeded', 'resume']]);
  assert.ok(stalled.attempts.every((a) => a.sessionId === stalled.sessionId));
  const turns = (requests['stalled'] ?? []).filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 2);
  assert.equal(turns[1]?.sessionId, stalled.sessionId);
  assert.deepEqual(turns[1]?.userMessages, ['Start the work', 'Continue please'], 'the resumed request carries the earlier conversation');
});

test('headless: a usage limit parks the job and resumes the same session after the reset', { timeout: 30_000 }, async () => {
  const { out, jobs, requests } = await run(
    () => `version: 1
jobs:
  limited:
    agent: claude
    workdir: ./a
    prompt: "Do the work"
    rehearsal: [{ limit: 3s }, { say: After the reset. }]
`,
  );
  const limited = job(jobs, 'limited', out);
  assert.equal(limited.status, 'succeeded', out);
  assert.deepEqual(limited.attempts.map((a) => a.reason), ['usage-limit', 'succeeded']);
  assert.equal(limited.lastMessage, 'After the reset.');
  const turns = (requests['limited'] ?? []).filter((r) => r.kind === 'turn');
  assert.ok(turns.every((r) => r.sessionId === limited.sessionId));
  assert.equal(turns.at(-1)?.userMessages[0]?.trim(), 'Do the work');
});

test('tui: a fresh seeded home reaches the prompt; approvals answered by a rule; a deny rule refuses rm -rf', { timeout: 30_000 }, async () => {
  const { out, dir, jobs } = await run((dir) => {
    writeFileSync(path.join(dir, 'b', 'victim.txt'), 'keep me');
    return `version: 1
defaults:
  agent: claude
  claude: { mode: tui }
jobs:
  make:
    workdir: ./a
    prompt: "Make the notes"
    answers:
      - match: "Do you want to (proceed|create notes\\\\.txt|make this edit to notes\\\\.txt)\\\\?"
        send: { keys: ["1"] }
    rehearsal:
      - run: "touch made-by-run.txt"
      - write: notes.txt
        content: "hello\\n"
      - edit: notes.txt
        old: hello
        new: hello world
      - say: Done.
  remove:
    workdir: ./b
    prompt: "Clean up"
    answers:
      - match: "rm -rf"
        action: deny
        fail: true
    rehearsal: [{ run: "rm -rf victim.txt" }, { say: Done. }]
`;
  });
  const make = job(jobs, 'make', out);
  assert.equal(make.status, 'succeeded', out);
  assert.ok(existsSync(path.join(dir, 'a', 'made-by-run.txt')));
  assert.equal(readFileSync(path.join(dir, 'a', 'notes.txt'), 'utf8'), 'hello world\n');
  assert.deepEqual(make.interventions.map((i) => [i.kind, i.rule?.index, i.sent]), [['answer', 0, '1'], ['answer', 0, '1'], ['answer', 0, '1']], 'only the job\'s rule answered: no first-run screen was shown');
  assert.match(make.sessionId ?? '', UUID);
  assert.equal(make.lastMessage, 'Done.', 'read from Claude Code\'s own record of the session');
  const remove = job(jobs, 'remove', out);
  assert.equal(remove.status, 'failed');
  assert.equal(remove.reason, 'denied', out);
  assert.equal(readFileSync(path.join(dir, 'b', 'victim.txt'), 'utf8'), 'keep me');
});

test('tui: a stall stopped by the idle ladder is resumed by id; a usage limit is parked and resumed', { timeout: 30_000 }, async () => {
  const { out, jobs, requests } = await run(
    () => `version: 1
defaults:
  agent: claude
  claude: { mode: tui }
jobs:
  stalled:
    workdir: ./a
    prompt: "Start the work"
    idle: { kill: 5s }
    resume: { max: 1, prompt: "Continue please" }
    rehearsal: [{ stall: 1m }, { say: Resumed. }]
  limited:
    workdir: ./b
    prompt: "Do the work"
    rehearsal: [{ limit: 3s }, { say: After the reset. }]
`,
  );
  const stalled = job(jobs, 'stalled', out);
  assert.equal(stalled.status, 'succeeded', out);
  assert.deepEqual(stalled.attempts.map((a) => a.reason), ['idle-killed', 'succeeded']);
  const turns = (requests['stalled'] ?? []).filter((r) => r.kind === 'turn');
  assert.equal(turns[1]?.sessionId, stalled.sessionId);
  assert.deepEqual(turns[1]?.userMessages, ['Start the work', 'Continue please']);
  const limited = job(jobs, 'limited', out);
  assert.equal(limited.status, 'succeeded', out);
  assert.deepEqual(limited.attempts.map((a) => a.reason), ['usage-limit', 'succeeded']);
  assert.ok((requests['limited'] ?? []).every((r) => r.sessionId === limited.sessionId));
});

test('tui, an unseeded config (onboarding done only): the trust and API-key dialogs are answered by the built-in rules', { timeout: 30_000 }, async (t) => {
  const script = parseScript([{ say: 'Hello.' }]);
  assert.ok(script.ok);
  const dir0 = tempDir('claude-e2e-home-');
  const server = await startModelServer({ jobs: new Map([['fresh', { turns: script.value, face: messagesFace, workdir: dir0 }]]) });
  t.after(() => server.close());
  const config = path.join(dir0, 'config');
  mkdirSync(config, { mode: 0o700 });
  writeFileSync(path.join(config, '.claude.json'), '{"hasCompletedOnboarding": true}\n');
  const { out, jobs } = await run(
    () => `version: 1
jobs:
  fresh:
    agent: claude
    workdir: ./a
    prompt: "hello"
    env:
      ANTHROPIC_BASE_URL: ${server.baseUrl('fresh')}
      ANTHROPIC_API_KEY: sk-ant-api03-test-0000000000000000000000
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1"
      DISABLE_AUTOUPDATER: "1"
    claude: { mode: tui, configDir: ${config} }
`,
    [],
  );
  const fresh = job(jobs, 'fresh', out);
  assert.equal(fresh.status, 'succeeded', out);
  assert.deepEqual(
    fresh.interventions.map((i) => i.rule?.match),
    ['claude:trust-folder-select', 'claude:trust-folder-confirm', 'claude:api-key-select', 'claude:api-key-confirm'],
  );
  assert.equal(server.requests('fresh').filter((r) => r.kind === 'turn').length, 1);
});
