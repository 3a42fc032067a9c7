import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startFaceServer } from '../helpers/face-server.js';
import { geminiFace } from '../../src/agents/gemini/rehearsal/face.js';
import { createGeminiHome } from '../../src/agents/gemini/rehearsal/home.js';
import { parseScript } from '../../src/rehearsal/script.js';

// End to end with the real Gemini CLI (the pinned devDependency) against codex-run's own scripted
// model server on 127.0.0.1 and its Gemini-API face: `codex-run --rehearse`, as a user runs it.

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  sessionId: string | null;
  tokensUsed: number | null;
  lastMessage: string | null;
  interventions: Array<{ kind: string; sessionId?: string; attempt?: number; rule?: { index: number } | null }>;
  attempts: Array<{ prompt: string; reason: string; sessionId: string | null }>;
}
interface RequestLog {
  kind: string;
  outcome: string;
  turns: number[];
  userMessages: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function runGemini(
  script: unknown[],
  job: (workdir: string) => string,
): Promise<{ code: number | null; out: string; workdir: string; runDir: string; job: ReportJob; requests: RequestLog[]; dir: string }> {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(path.join(workdir, 'keep'), { recursive: true });
  writeFileSync(path.join(workdir, 'keep', 'precious.txt'), 'keep me');
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  g:
    agent: gemini
    workdir: ${workdir}
${job(workdir)}    rehearsal:
${script.map((turn) => `      - ${JSON.stringify(turn)}\n`).join('')}`,
  );
  // A real key in the runner's environment must never reach the rehearsed agent.
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 60_000, env: { HOME: dir, GEMINI_API_KEY: 'real-key-must-not-leak', GOOGLE_API_KEY: 'real-google-key' } });
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.ok(runId !== undefined, r.stdout + r.stderr);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const requests = JSON.parse(readFileSync(path.join(runDir, 'rehearsal.json'), 'utf8')) as Record<string, RequestLog[]>;
  const found = report.jobs[0];
  assert.ok(found !== undefined);
  assert.equal(existsSync(path.join(dir, '.gemini')), false, 'the user home is never touched');
  return { code: r.code, out: r.stdout + r.stderr, workdir, runDir, job: found, requests: requests['g'] ?? [], dir };
}

test('headless: gemini runs a command, writes and edits a file; succeeded with its session id, tokens and last message', { timeout: 60_000 }, async () => {
  const { code, out, workdir, job, requests, runDir } = await runGemini(
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
  const turns = requests.filter((r) => r.kind === 'turn');
  assert.deepEqual(turns.map((r) => r.turns), [[0], [1], [2], [3]], 'side requests never move the script');
  assert.ok(requests.some((r) => r.kind.startsWith('router')), 'the model router was answered');
  // A readable transcript (as claude's), not the raw stream-json; nor raw events as live lines.
  const transcript = readFileSync(path.join(runDir, 'g.txt'), 'utf8');
  assert.match(transcript, /^› Make the files$/m, transcript);
  assert.match(transcript, /^\$ echo made-by-gemini > made\.txt$/m, transcript);
  assert.match(transcript, /^✎ changed .*notes\.txt$/m, transcript);
  assert.match(transcript, /^Made and edited the files\.$/m, transcript);
  assert.doesNotMatch(transcript + out, /\{"type":/, 'no raw events in the transcript or the live lines');
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
  const { code, out, job, requests } = await runGemini(
    [{ stall: '10m' }, { say: 'Resumed and done.' }],
    () => `    prompt: "Summarise the project"
    idle: { kill: 12s }
    resume: { max: 1, prompt: "Continue where you stopped." }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.lastMessage, 'Resumed and done.');
  assert.deepEqual(job.interventions.map((i) => i.kind), ['kill', 'resume']);
  const resume = job.interventions.find((i) => i.kind === 'resume');
  assert.equal(resume?.sessionId, job.sessionId);
  const turns = requests.filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 2, JSON.stringify(requests));
  assert.equal(turns[0]?.outcome, 'client-gone');
  assert.ok(turns[1]?.userMessages.some((m) => m.includes('Summarise the project')), `the resumed request carries the earlier conversation: ${JSON.stringify(turns[1]?.userMessages)}`);
  assert.ok(turns[1]?.userMessages.some((m) => m.includes('Continue where you stopped.')));
});

test('tui: approval dialogs (shell, write) are answered by rules; the command runs and the file is written', { timeout: 60_000 }, async () => {
  const { code, out, workdir, job, runDir } = await runGemini(
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
  // The TUI's transcript and last message come from gemini's own session record.
  assert.equal(job.lastMessage, 'Done.');
  const transcript = readFileSync(path.join(runDir, 'g.txt'), 'utf8');
  assert.match(transcript, /\$ echo made-by-gemini > made\.txt/, transcript);
  assert.deepEqual(
    job.interventions.filter((i) => i.kind === 'answer').map((i) => i.rule?.index),
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

test('tui: a deny rule without `fail:` declines `rm -rf` with Esc; gemini cancels the turn; the job is denied (not succeeded) with a readable transcript', { timeout: 60_000 }, async () => {
  const { workdir, job, out, runDir } = await runGemini(
    [{ run: 'rm -rf keep' }, { say: 'Cleaned.' }],
    () => `    prompt: "Clean up"
    gemini: { mode: tui }
    idle: { kill: 30s }
    answers:
      - match: "rm -rf"
        action: deny
      - match: "Allow execution of \\\\[Shell\\\\]\\\\?"
        send: { keys: ["1"] }
`,
  );
  assert.ok(existsSync(path.join(workdir, 'keep', 'precious.txt')), 'the denied command never ran');
  assert.equal(job.status, 'failed', out);
  assert.equal(job.reason, 'denied', out);
  assert.match(job.message ?? '', /declined dialog/);
  const transcript = readFileSync(path.join(runDir, 'g.txt'), 'utf8');
  assert.match(transcript, /^› Clean up$/m, transcript);
  assert.match(transcript, /declined \(rule 1/, transcript);
  assert.doesNotMatch(transcript, /Type your message/, 'no screen dumps');
});

test('headless: a usage limit (quota 429 naming its reset) parks the job, which then finishes in the same session', { timeout: 60_000 }, async () => {
  const { code, out, job, requests } = await runGemini(
    [{ limit: '3s' }, { say: 'Done after the reset.' }],
    () => `    prompt: "Say hello"
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.lastMessage, 'Done after the reset.');
  const attempts = job.attempts.map((a) => [a.prompt, a.reason, a.sessionId]);
  assert.deepEqual(attempts, [
    ['first', 'usage-limit', job.sessionId],
    ['resume', 'succeeded', job.sessionId],
  ]);
  assert.ok(job.interventions.some((i) => i.kind === 'usage-limit'), JSON.stringify(job.interventions));
  const turns = requests.filter((r) => r.kind === 'turn');
  assert.deepEqual(turns.map((r) => r.turns), [[0], [1]]);
  // Gemini dropped the failed turn from its session, so the same id started over with the job's prompt.
  assert.ok(turns[1]?.userMessages.includes('Say hello'), JSON.stringify(turns[1]?.userMessages));
});

test('tui: the quota dialog ([Keep trying | Stop]) ends the attempt as usage-limit; the job is parked, resumed by its session id and finishes the script', { timeout: 60_000 }, async () => {
  const { code, out, workdir, job, requests } = await runGemini(
    [{ limit: '5s' }, { write: 'next.txt', content: 'after the reset\n' }, { say: 'Done after the reset.' }],
    () => `    prompt: "Say hello"
    gemini: { mode: tui }
    idle: { kill: 25s }
    answers:
      - match: "Apply this change\\\\?"
        send: { keys: ["1"] }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(readFileSync(path.join(workdir, 'next.txt'), 'utf8'), 'after the reset\n');
  assert.equal(job.attempts[0]?.reason, 'usage-limit', JSON.stringify(job.attempts));
  assert.ok(job.attempts.slice(1).every((a) => a.prompt === 'resume' && a.sessionId === job.sessionId), JSON.stringify(job.attempts));
  assert.equal(job.attempts.at(-1)?.reason, 'succeeded');
  assert.ok(job.interventions.some((i) => i.kind === 'usage-limit'), JSON.stringify(job.interventions));
  assert.ok(!job.interventions.some((i) => i.kind === 'kill'), 'never stopped by the idle ladder');
  const turns = requests.filter((r) => r.kind === 'turn');
  assert.ok(turns.at(-1)?.userMessages.includes('Say hello'), 'the resumed session carries the first prompt');
});

test('tui: a first run from a home with no trusted folders reaches the prompt without a person (the workdir trusted for the run)', { timeout: 60_000 }, async () => {
  // Not --rehearse (its home is pre-seeded): the Gemini face on a small test server, and a home
  // with only the auth choice, as a user's first run in a new folder.
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  const parsed = parseScript([{ say: 'Trusted and done.' }]);
  assert.ok(parsed.ok);
  const server = await startFaceServer(geminiFace, parsed.value, workdir);
  try {
    const home = await createGeminiHome({ baseUrl: server.baseUrl, workdir, parentDir: dir });
    rmSync(path.join(home.dir, '.gemini', 'trustedFolders.json'));
    writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `version: 1
jobs:
  g:
    agent: gemini
    prompt: "Say something"
    workdir: ${workdir}
    gemini: { mode: tui }
    idle: { kill: 30s }
    env: ${JSON.stringify(home.childEnv({}))}
`,
    );
    const r = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs: 50_000, env: { HOME: dir } });
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out);
    assert.equal(existsSync(path.join(home.dir, '.gemini', 'trustedFolders.json')), false, '--skip-trust trusts the workdir for this run only');
    assert.deepEqual(server.requests.filter((q) => q.kind === 'turn').map((q) => q.turns), [[0]]);
  } finally {
    await server.close();
  }
});

test('tui: a stall shows only a growing timer; the idle ladder stops gemini and the session is resumed by its id with its history', { timeout: 90_000 }, async () => {
  const { code, out, job, requests } = await runGemini(
    [{ stall: '10m' }, { say: 'Resumed and done.' }],
    () => `    prompt: "Summarise the project"
    gemini: { mode: tui }
    idle: { kill: 12s }
    resume: { max: 1, prompt: "Continue where you stopped." }
`,
  );
  assert.equal(code, 0, out);
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.lastMessage, 'Resumed and done.');
  assert.deepEqual(job.interventions.map((i) => i.kind), ['kill', 'resume']);
  assert.equal(job.interventions.find((i) => i.kind === 'resume')?.sessionId, job.sessionId);
  const turns = requests.filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 2, JSON.stringify(requests));
  assert.equal(turns[0]?.outcome, 'client-gone');
  assert.ok(turns[1]?.userMessages.includes('Summarise the project'), JSON.stringify(turns[1]?.userMessages));
  assert.ok(turns[1]?.userMessages.includes('Continue where you stopped.'));
});
