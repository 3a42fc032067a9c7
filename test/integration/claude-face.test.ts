/**
 * The Messages-API rehearsal face against the REAL Claude Code (node_modules/.bin/claude,
 * 2.1.332) in headless mode, through a minimal server of this test's own (one job, a script
 * cursor, the face; nothing of model-server.ts), and the seeded private config home. Nothing
 * leaves 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { messagesFace } from '../../src/agents/claude/rehearsal/messages-face.js';
import { createClaudeHome } from '../../src/agents/claude/rehearsal/home.js';
import { classifyClaudeFailure } from '../../src/agents/claude/failure-classifier.js';
import { parseStreamLine, type ClaudeEvent } from '../../src/agents/claude/stream-events.js';
import { claudeUsageLimitReset } from '../../src/agents/claude/usage-limit.js';
import { ScriptCursor } from '../../src/rehearsal/script-cursor.js';
import { parseScript } from '../../src/rehearsal/script.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLAUDE = path.join(repoRoot, 'node_modules', '.bin', 'claude');

interface Seen {
  kind: string;
  sessionId: string | null;
  userTexts: string[];
}

// A one-job server: each turn request plays the next step through the face.
async function startServer(raw: unknown, workdir: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const script = parseScript(raw);
  if (!script.ok) assert.fail(JSON.stringify(script.error));
  const cursor = new ScriptCursor(script.value);
  const seen: Seen[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const subpath = (req.url ?? '').split('?')[0]?.replace(/^\/r\/job/, '') ?? '';
      if (!messagesFace.accepts(req.method ?? '', subpath)) {
        res.writeHead(404).end();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = JSON.parse(text);
      const request = messagesFace.inspect(body, req.headers, subpath);
      seen.push({ kind: request.kind, sessionId: request.sessionId, userTexts: messagesFace.userTexts(body) });
      const context = { id: String(++n), jobKey: 'job', bodyBytes: text.length, now: Date.now(), workdir };
      if (request.kind !== 'turn') {
        messagesFace.answerSide(res, request, body, context);
        return;
      }
      const step = cursor.take();
      if (step.kind === 'turn' && step.turn.kind === 'limit') {
        const reply = messagesFace.usageLimitReply(Date.now() + step.turn.ms, Date.now());
        res.writeHead(reply.status, reply.headers).end(reply.body);
        return;
      }
      if (step.kind === 'turn' && (step.turn.kind === 'stall' || step.turn.kind === 'fail-http')) assert.fail('not used here');
      messagesFace.answerStep(res, step as Parameters<typeof messagesFace.answerStep>[1], body, subpath, context);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') assert.fail('no address');
  return {
    url: `http://127.0.0.1:${address.port}/r/job`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Runs claude -p once (stdin /dev/null), killing it if it outlives the test's deadline.
async function runClaude(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; events: ClaudeEvent[]; stdout: string }> {
  const child = spawn(CLAUDE, ['-p', '--output-format', 'stream-json', '--verbose', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const events = stdout.split('\n').map(parseStreamLine).filter((e): e is ClaudeEvent => e !== null);
  return { code, events, stdout };
}

async function rig(raw: unknown): Promise<{ workdir: string; env: Record<string, string>; server: Awaited<ReturnType<typeof startServer>> }> {
  const root = tempDir('claude-face-');
  const workdir = path.join(root, 'work');
  mkdirSync(workdir);
  const server = await startServer(raw, workdir);
  const home = await createClaudeHome({ baseUrl: server.url, workdir, parentDir: root });
  // An empty HOME of its own: the user's ~/.claude is never read; a planted key is removed.
  const userHome = path.join(root, 'home');
  mkdirSync(userHome);
  const env = home.childEnv({ ...process.env, HOME: userHome, ANTHROPIC_AUTH_TOKEN: 'user-secret' });
  assert.equal(env['ANTHROPIC_AUTH_TOKEN'], undefined);
  return { workdir, env, server };
}

test('headless claude plays run, write, edit and say from the script; the files are there afterwards', { timeout: 60_000 }, async (t) => {
  const { workdir, env, server } = await rig([
    { run: 'touch made-by-run.txt' },
    { write: 'notes.txt', content: 'hello\n' },
    { edit: 'notes.txt', old: 'hello', new: 'hello world' },
    { say: 'Done.' },
  ]);
  t.after(() => server.close());
  const id = randomUUID();
  const run = await runClaude(['--session-id', id, '--permission-mode', 'acceptEdits', '--', 'Make the files.'], workdir, env);
  assert.equal(run.code, 0, run.stdout);
  assert.ok(existsSync(path.join(workdir, 'made-by-run.txt')));
  assert.equal(readFileSync(path.join(workdir, 'notes.txt'), 'utf8'), 'hello world\n');
  const result = run.events.find((e) => e.kind === 'result');
  assert.ok(result?.kind === 'result');
  assert.equal(result.result.text, 'Done.');
  assert.deepEqual(result.result.permissionDenials, []);
  const turns = server.seen.filter((s) => s.kind === 'turn');
  assert.equal(turns.length, 4, JSON.stringify(server.seen.map((s) => s.kind)));
  assert.ok(turns.every((s) => s.sessionId === id), 'every request carries the chosen session id');
});

test('resume by id: the resumed request carries the earlier conversation', { timeout: 60_000 }, async (t) => {
  const { workdir, env, server } = await rig([{ say: 'First answer.' }, { say: 'Second answer.' }]);
  t.after(() => server.close());
  const id = randomUUID();
  assert.equal((await runClaude(['--session-id', id, '--', 'first prompt'], workdir, env)).code, 0);
  const second = await runClaude(['--resume', id, '--', 'second prompt'], workdir, env);
  assert.equal(second.code, 0, second.stdout);
  const last = server.seen.filter((s) => s.kind === 'turn').at(-1);
  assert.equal(last?.sessionId, id);
  assert.deepEqual(last?.userTexts.filter((t) => t.endsWith('prompt')), ['first prompt', 'second prompt']);
});

test('a usage-limit reply: no retry, classified usage-limit with the reset time', { timeout: 60_000 }, async (t) => {
  // 5 s: shorter than the 60 s Claude Code would wait out itself; it still gives up at once.
  const { workdir, env, server } = await rig([{ limit: '5s' }]);
  t.after(() => server.close());
  const before = Date.now();
  const run = await runClaude(['--', 'hi'], workdir, env);
  assert.equal(run.code, 1, run.stdout);
  const error = run.events.find((e) => e.kind === 'api-error');
  assert.ok(error?.kind === 'api-error', run.stdout);
  const failure = classifyClaudeFailure({ startupErrors: [], apiErrors: [{ status: error.status, message: error.message }], denials: [] });
  assert.equal(failure?.reason, 'usage-limit', error.message);
  const reset = claudeUsageLimitReset(failure?.message ?? '', Date.now());
  assert.ok(reset !== null && reset >= before + 5_000 - 1000 && reset <= Date.now() + 5_000 + 1000, String(reset));
  assert.equal(server.seen.filter((s) => s.kind === 'turn').length, 1, 'claude does not retry a rejected limit');
});
