import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startFaceServer, type FaceServer } from '../helpers/face-server.js';
import { geminiFace } from '../../src/agents/gemini/rehearsal/face.js';
import { createGeminiHome } from '../../src/agents/gemini/rehearsal/home.js';
import { parseScript, type Turn } from '../../src/rehearsal/script.js';

// End to end with the real Gemini CLI (the pinned devDependency) run by codex-run against the
// Gemini-API rehearsal face on 127.0.0.1, in its private home (GEMINI_CLI_HOME).

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  sessionId: string | null;
  tokensUsed: number | null;
  lastMessage: string | null;
  interventions: Array<{ kind: string; sessionId?: string; attempt?: number }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function runGemini(
  script: unknown[],
  job: (workdir: string) => string,
): Promise<{ code: number | null; out: string; workdir: string; runDir: string; job: ReportJob; server: FaceServer; home: string }> {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(path.join(workdir, 'keep'), { recursive: true });
  writeFileSync(path.join(workdir, 'keep', 'precious.txt'), 'keep me');
  const parsed = parseScript(script);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const server = await startFaceServer(geminiFace, parsed.value as Turn[], workdir);
  try {
    const home = await createGeminiHome({ baseUrl: server.baseUrl, workdir, parentDir: dir });
    const env = home.childEnv({});
    writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `version: 1
jobs:
  g:
    agent: gemini
    workdir: ${workdir}
    env: ${JSON.stringify(env)}
${job(workdir)}`,
    );
    const r = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs: 60_000, env: { HOME: dir } });
    const root = path.join(dir, '.codex-run', 'runs');
    const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
    assert.ok(runId !== undefined, r.stdout + r.stderr);
    const runDir = path.join(root, runId);
    const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
    const found = report.jobs[0];
    assert.ok(found !== undefined);
    return { code: r.code, out: r.stdout + r.stderr, workdir, runDir, job: found, server, home: home.dir };
  } finally {
    await server.close();
  }
}

test('headless: gemini runs a command, writes and edits a file; succeeded with its session id, tokens and last message', { timeout: 60_000 }, async () => {
  const { code, out, workdir, job, server } = await runGemini(
    [
      { run: 'echo made-by-gemini > made.txt' },
      { write: 'notes.txt', content: 'hello world\n' },
      { edit: 'notes.txt', old: 'hello', new: 'goodbye' },
      { say: 'Made and edited the files.' },
    ],
    () => `    prompt: "Make the files"
    gemini: { approvalMode: yolo }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(readFileSync(path.join(workdir, 'made.txt'), 'utf8'), 'made-by-gemini\n');
  assert.equal(readFileSync(path.join(workdir, 'notes.txt'), 'utf8'), 'goodbye world\n');
  assert.equal(job.status, 'succeeded', out);
  assert.match(job.sessionId ?? '', UUID);
  assert.ok((job.tokensUsed ?? 0) > 0, `tokens: ${job.tokensUsed}`);
  assert.equal(job.lastMessage, 'Made and edited the files.');
  const turns = server.requests.filter((r) => r.kind === 'turn');
  assert.deepEqual(turns.map((r) => r.turns), [[0], [1], [2], [3]], 'side requests never move the script');
  assert.ok(server.requests.some((r) => r.kind.startsWith('router')), 'the model router was answered');
});

test('headless: a deny rule refuses `rm -rf`: gemini never runs it, the file survives, the job is denied', { timeout: 60_000 }, async () => {
  const { workdir, job, out } = await runGemini(
    [{ run: 'rm -rf keep' }, { say: 'Cleaned.' }],
    () => `    prompt: "Clean up"
    answers:
      - match: "rm -rf"
        action: deny
        fail: true
`,
  );
  assert.ok(existsSync(path.join(workdir, 'keep', 'precious.txt')), 'the denied command never ran');
  assert.equal(job.status, 'failed', out);
  assert.equal(job.reason, 'denied', out);
  assert.match(job.message ?? '', /rm -rf keep/);
});

test('headless: a stalled model is stopped by the idle ladder and resumed by its exact session id, with the history in the resumed request', { timeout: 90_000 }, async () => {
  const { code, out, job, server } = await runGemini(
    [{ stall: '10m' }, { say: 'Resumed and done.' }],
    () => `    prompt: "Summarise the project"
    idle: { kill: 8s }
    resume: { max: 1, prompt: "Continue where you stopped." }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.lastMessage, 'Resumed and done.');
  assert.deepEqual(job.interventions.map((i) => i.kind), ['kill', 'resume']);
  const resume = job.interventions.find((i) => i.kind === 'resume');
  assert.equal(resume?.sessionId, job.sessionId);
  const turns = server.requests.filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 2, JSON.stringify(server.requests.map((r) => [r.kind, r.outcome, r.userTexts])));
  assert.equal(turns[0]?.outcome, 'client-gone');
  assert.ok(turns[1]?.userTexts.some((m) => m.includes('Summarise the project')), `the resumed request carries the earlier conversation: ${JSON.stringify(turns[1]?.userTexts)}`);
  assert.ok(turns[1]?.userTexts.some((m) => m.includes('Continue where you stopped.')));
});

test('tui: approval dialogs (shell, write) are answered by rules; the command runs and the file is written', { timeout: 60_000 }, async () => {
  const { code, out, workdir, job } = await runGemini(
    [{ run: 'echo made-by-gemini > made.txt' }, { write: 'notes.txt', content: 'hello world\n' }, { say: 'Done.' }],
    () => `    prompt: "Make the files"
    gemini: { mode: tui }
    idle: { kill: 30s }
    answers:
      - match: "Allow execution of \\\\[Shell\\\\]\\\\?"
        send: { keys: ["1"] }
      - match: "Apply this change\\\\?"
        send: { keys: ["1"] }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(readFileSync(path.join(workdir, 'made.txt'), 'utf8'), 'made-by-gemini\n');
  assert.equal(readFileSync(path.join(workdir, 'notes.txt'), 'utf8'), 'hello world\n');
  assert.equal(job.status, 'succeeded', out);
  assert.match(job.sessionId ?? '', UUID);
  assert.deepEqual(
    (job.interventions as Array<{ kind: string; rule?: { index: number } | null }>).filter((i) => i.kind === 'answer').map((i) => i.rule?.index),
    [0, 1],
  );
});

test('tui: a deny rule declines `rm -rf` in the approval dialog; the file survives, the job is denied', { timeout: 60_000 }, async () => {
  const { workdir, job, out } = await runGemini(
    [{ run: 'rm -rf keep' }, { say: 'Cleaned.' }],
    () => `    prompt: "Clean up"
    gemini: { mode: tui }
    idle: { kill: 30s }
    answers:
      - match: "rm -rf"
        action: deny
        fail: true
      - match: "Allow execution of \\\\[Shell\\\\]\\\\?"
        send: { keys: ["1"] }
`,
  );
  assert.ok(existsSync(path.join(workdir, 'keep', 'precious.txt')), 'the denied command never ran');
  assert.equal(job.status, 'failed', out);
  assert.equal(job.reason, 'denied', out);
});

test('headless: a usage limit (quota 429 naming its reset) parks the job, which then finishes in the same session', { timeout: 60_000 }, async () => {
  const { code, out, job, server } = await runGemini(
    [{ limit: '3s' }, { say: 'Done after the reset.' }],
    () => `    prompt: "Say hello"
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.lastMessage, 'Done after the reset.');
  const attempts = (job as unknown as { attempts: Array<{ prompt: string; reason: string; sessionId: string }> }).attempts.map((a) => [a.prompt, a.reason, a.sessionId]);
  assert.deepEqual(attempts, [
    ['first', 'usage-limit', job.sessionId],
    ['resume', 'succeeded', job.sessionId],
  ]);
  assert.ok(job.interventions.some((i) => i.kind === 'usage-limit'), JSON.stringify(job.interventions));
  const turns = server.requests.filter((r) => r.kind === 'turn');
  assert.deepEqual(turns.map((r) => r.turns), [[0], [1]]);
  // Gemini dropped the failed turn from its session, so the same id started over with the job's prompt.
  assert.ok(turns[1]?.userTexts.includes('Say hello'), JSON.stringify(turns[1]?.userTexts));
});
