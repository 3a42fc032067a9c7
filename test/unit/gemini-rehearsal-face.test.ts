/** The Gemini-API rehearsal face (request kinds, step parts, user texts), the private home, and gemini's session record. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { geminiFace, partsFor } from '../../src/agents/gemini/rehearsal/face.js';
import { createGeminiHome, REHEARSAL_GEMINI_KEY } from '../../src/agents/gemini/rehearsal/home.js';
import { quotaBody, valueForSchema } from '../../src/agents/gemini/rehearsal/wire.js';
import { readGeminiSession } from '../../src/agents/gemini/session-record.js';
import { geminiUsageLimitReset } from '../../src/agents/gemini/usage-limit.js';
import { tempDir } from '../helpers/temp-dir.js';

const TURN_PATH = '/v1beta/models/gemini-3.8-flash:streamGenerateContent';
const ROUTER_PATH = '/v1beta/models/gemini-3.5-flash-lite:generateContent';

// Shortened from reference/gemini-cli-0.61/wire/*.json.
const turnBody = {
  contents: [{ role: 'user', parts: [{ text: '<session_context>\nThis is the Gemini CLI.' }, { text: 'say hello' }] }],
  tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }],
};
const routerBody = {
  contents: [{ role: 'user', parts: [{ text: 'say hello' }] }],
  generationConfig: {
    responseMimeType: 'application/json',
    responseJsonSchema: { type: 'object', properties: { complexity_reasoning: { type: 'string' }, complexity_score: { type: 'integer' } } },
  },
};
const afterToolBody = {
  contents: [
    ...turnBody.contents,
    { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'x' } } }] },
    { role: 'user', parts: [{ text: 'Continue where you stopped.' }] },
  ],
  tools: turnBody.tools,
};

test('face: turns are streamed tool-offering requests; the router, summaries and token counts are side requests', () => {
  assert.ok(geminiFace.accepts('POST', TURN_PATH));
  assert.ok(!geminiFace.accepts('GET', TURN_PATH));
  assert.ok(!geminiFace.accepts('POST', '/v1/responses'));
  assert.deepEqual(geminiFace.inspect(turnBody, {}, TURN_PATH), { kind: 'turn', sessionId: null });
  assert.deepEqual(geminiFace.inspect(routerBody, {}, ROUTER_PATH), { kind: 'router', sessionId: null });
  assert.deepEqual(geminiFace.inspect({ contents: [] }, {}, TURN_PATH), { kind: 'summary-stream', sessionId: null });
  assert.equal(geminiFace.inspect({}, {}, '/v1beta/models/m:countTokens').kind, 'count-tokens');
  assert.deepEqual(valueForSchema(routerBody.generationConfig.responseJsonSchema), { complexity_reasoning: 'rehearsal', complexity_score: 1 });
  assert.deepEqual(valueForSchema({ type: 'object', properties: { next_speaker: { type: 'string', enum: ['model', 'user'] } } }), { next_speaker: 'user' });
});

test('face: script steps become gemini tool calls on absolute paths; user texts skip the session context and tool results', () => {
  const step = (turn: Parameters<typeof partsFor>[0] extends infer S ? S : never) => partsFor(turn, '/w');
  assert.deepEqual(step({ kind: 'turn', index: 0, turn: { kind: 'run', command: 'ls' } }), [
    { functionCall: { name: 'run_shell_command', args: { command: 'ls', description: 'Rehearsal: run a command' } } },
  ]);
  assert.deepEqual(step({ kind: 'turn', index: 0, turn: { kind: 'write', path: 'a.txt', content: 'x\n' } }), [{ functionCall: { name: 'write_file', args: { file_path: '/w/a.txt', content: 'x\n' } } }]);
  const edit = step({ kind: 'turn', index: 0, turn: { kind: 'edit', path: 'a.txt', old: 'x', new: 'y' } });
  assert.deepEqual((edit[0] as { functionCall: { name: string; args: Record<string, unknown> } }).functionCall.args['old_string'], 'x');
  assert.deepEqual(step({ kind: 'finished' }), [{ text: '(rehearsal script finished)' }]);
  assert.deepEqual(geminiFace.userTexts(afterToolBody), ['say hello', 'Continue where you stopped.']);
});

test('face: the usage-limit reply is a terminal quota 429 whose wait the adapter reads back', () => {
  const now = 1_000_000;
  const reply = geminiFace.usageLimitReply(now + 3000, now);
  assert.equal(reply.status, 429);
  const body = JSON.parse(reply.body) as { error: { code: number; status: string; message: string; details: Array<Record<string, unknown>> } };
  assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
  assert.ok(body.error.details.some((d) => d['reason'] === 'QUOTA_EXHAUSTED'));
  assert.equal(geminiUsageLimitReset(body.error.message, now), now + 3000);
  assert.equal(quotaBody(now + 10, now).includes('retry in 1s'), true, 'never 0 seconds');
  assert.deepEqual(JSON.parse(geminiFace.errorReply(401, 'no').body), { error: { code: 401, message: 'no', status: 'UNAUTHENTICATED' } });
});

test('home: settings pick API-key auth, the workdir is trusted, files are private; the child loses every GEMINI_/GOOGLE_ variable but ours', async () => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir);
  const home = await createGeminiHome({ baseUrl: 'http://127.0.0.1:9/r/g', workdir, parentDir: path.join(dir, 'run') });
  const settings = JSON.parse(readFileSync(path.join(home.dir, '.gemini', 'settings.json'), 'utf8')) as { security: { auth: { selectedType: string } } };
  assert.equal(settings.security.auth.selectedType, 'gemini-api-key');
  assert.deepEqual(JSON.parse(readFileSync(path.join(home.dir, '.gemini', 'trustedFolders.json'), 'utf8')), { [workdir]: 'TRUST_FOLDER' });
  assert.equal(statSync(home.dir).mode & 0o777, 0o700);
  assert.equal(statSync(path.join(home.dir, '.gemini', 'settings.json')).mode & 0o777, 0o600);
  const env = home.childEnv({ PATH: '/bin', HOME: '/home/u', GEMINI_API_KEY: 'real', GOOGLE_API_KEY: 'real2', GOOGLE_GENAI_USE_VERTEXAI: 'true', GEMINI_CLI_HOME: '/home/u' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/home/u', GEMINI_CLI_HOME: home.dir, GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9/r/g', GEMINI_API_KEY: REHEARSAL_GEMINI_KEY });
});

test("session record: a session whose turn gemini dropped has nothing to resume; one with the user's words has", () => {
  const home = tempDir();
  const chats = path.join(home, '.gemini', 'tmp', 'work', 'chats');
  mkdirSync(chats, { recursive: true });
  const id = '964ee6c8-72db-4933-addf-d44eae10b2f9';
  const header = JSON.stringify({ sessionId: id, projectHash: 'h', startTime: 't', lastUpdated: 't', kind: 'main' });
  const context = { id: 'c', type: 'user', content: [{ text: '<session_context>\nThis is the Gemini CLI.' }] };
  const said = { id: 'u', type: 'user', content: [{ text: 'Say hello' }] };
  // As gemini 0.61.0 left it after a failed first turn: the user message appended, then the list reset without it.
  const dropped = [header, JSON.stringify({ $set: { messages: [context] } }), JSON.stringify(said), JSON.stringify({ $set: { messages: [context] } })];
  writeFileSync(path.join(chats, `session-2026-11-30T12-59-${id.slice(0, 8)}.jsonl`), `${dropped.join('\n')}\n`);
  const record = readGeminiSession(home, id);
  assert.equal(record?.resumable, false);
  assert.equal(record?.files.length, 1);
  const kept = [header, JSON.stringify({ $set: { messages: [context] } }), JSON.stringify(said), JSON.stringify({ id: 'g', type: 'gemini', content: 'Hello.' })];
  writeFileSync(path.join(chats, `session-2026-11-30T12-59-${id.slice(0, 8)}.jsonl`), `${kept.join('\n')}\n`);
  const again = readGeminiSession(home, id);
  assert.deepEqual(again?.files, [path.join(chats, `session-2026-11-30T12-59-${id.slice(0, 8)}.jsonl`)]);
  assert.equal(again?.resumable, true);
  assert.equal(again?.lastMessage, 'Hello.');
  assert.deepEqual(again?.messages.map((m) => m['id']), ['c', 'u', 'g']);
  assert.equal(readGeminiSession(home, '00000000-0000-0000-0000-000000000000'), null);
});
