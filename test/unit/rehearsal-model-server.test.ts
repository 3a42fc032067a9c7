import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { startModelServer, type ModelServer } from '../../src/rehearsal/model-server.js';
import { parseScript, SCRIPT_FINISHED_TEXT, type Turn } from '../../src/rehearsal/script.js';
import { editPatch, patchHeredoc, writePatch } from '../../src/agents/codex/rehearsal/turn-reply.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { responsesFace } from '../../src/agents/codex/rehearsal/responses-face.js';

const served = (turns: readonly Turn[]) => ({ turns, face: responsesFace, workdir: process.cwd() });
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait-for.js';

function script(raw: unknown): Turn[] {
  const result = parseScript(raw);
  if (!result.ok) assert.fail(JSON.stringify(result.error));
  return result.value;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** POSTs to the server over loopback with a fresh connection; resolves with the whole reply. */
function post(url: string, body: unknown, headers: Record<string, string> = {}, raw?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = raw ?? Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The `data:` payloads of an SSE reply, parsed; also checks each `event:` line names its type. */
function events(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as Record<string, any>;
      assert.equal(eventLine, `event: ${data['type']}`);
      return data;
    });
}

function outputItem(text: string): Record<string, any> {
  const done = events(text).find((e) => e['type'] === 'response.output_item.done');
  assert.ok(done, `no output item in ${text}`);
  return done['item'] as Record<string, any>;
}

function turnBody(prompt: string, tools: string[] = ['exec_command']): unknown {
  return {
    model: 'gpt-6.1-sol',
    stream: true,
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] }],
    tools: tools.map((name) => ({ type: 'function', name })),
  };
}

const titleBody = {
  model: 'gpt-6.1-sol',
  stream: true,
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Generate a concise, single-line task title for this.\n\nUser prompt:\nfix it' }] }],
  text: { format: { type: 'json_schema', name: 'codex_output_schema' } },
};

async function withServer(scripts: Record<string, unknown>, run: (server: ModelServer, clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  const server = await startModelServer({ jobs: new Map(Object.entries(scripts).map(([k, v]) => [k, served(script(v))])), clock });
  try {
    await run(server, clock);
  } finally {
    await server.close();
  }
}

test('each job gets its own script through its own base URL; codex sees SSE with usage', { timeout: 60_000 }, async () => {
  await withServer({ build: [{ run: 'npm test' }, { say: 'Built.' }], 'docs job/ä': [{ say: 'Docs.' }] }, async (server) => {
    assert.match(server.baseUrl('docs job/ä'), /^http:\/\/127\.0\.0\.1:\d+\/r\/docs%20job%2F%C3%A4$/);

    const first = await post(`${server.baseUrl('build')}/v1/responses`, turnBody('go'), { 'session-id': 'sess-1' });
    assert.equal(first.status, 200);
    assert.equal(first.contentType, 'text/event-stream');
    const all = events(first.text);
    assert.deepEqual(all.map((e) => e['type']), ['response.created', 'response.output_item.done', 'response.completed']);
    const call = outputItem(first.text);
    assert.equal(call['type'], 'function_call');
    assert.equal(call['name'], 'exec_command');
    assert.deepEqual(JSON.parse(call['arguments'] as string), { cmd: 'npm test', yield_time_ms: 30000 });
    const usage = all[2]!['response']['usage'] as Record<string, any>;
    assert.ok(usage['input_tokens'] > 0 && usage['output_tokens'] > 0);
    assert.equal(usage['total_tokens'], usage['input_tokens'] + usage['output_tokens']);

    const docs = await post(`${server.baseUrl('docs job/ä')}/v1/responses`, turnBody('docs'));
    assert.equal(outputItem(docs.text)['content'][0]['text'], 'Docs.');

    const second = await post(`${server.baseUrl('build')}/v1/responses`, turnBody('go'));
    assert.deepEqual(outputItem(second.text)['content'], [{ type: 'output_text', text: 'Built.' }]);
    const third = await post(`${server.baseUrl('build')}/v1/responses`, turnBody('go'));
    assert.equal(outputItem(third.text)['content'][0]['text'], SCRIPT_FINISHED_TEXT);

    const records = server.requests('build');
    assert.deepEqual(
      records.map((r) => [r.seq, r.kind, r.turns, r.outcome, r.sessionId]),
      [
        [1, 'turn', [0], 'answered', 'sess-1'],
        [2, 'turn', [1], 'answered', null],
        [3, 'turn', [], 'answered', null],
      ],
    );
    assert.deepEqual(records[0]!.body, turnBody('go'));
    assert.equal(server.played('build'), 2);
    assert.equal(server.requests('docs job/ä').length, 1);
  });
});

test('the title side request is answered with {"title"} and does not move the script', { timeout: 60_000 }, async () => {
  await withServer({ tui: [{ say: 'First.' }] }, async (server) => {
    const title = await post(`${server.baseUrl('tui')}/v1/responses`, titleBody);
    assert.deepEqual(JSON.parse(outputItem(title.text)['content'][0]['text'] as string), { title: 'Rehearsal: tui' });
    const turn = await post(`${server.baseUrl('tui')}/v1/responses`, turnBody('go'));
    assert.equal(outputItem(turn.text)['content'][0]['text'], 'First.');
    assert.deepEqual(server.requests('tui').map((r) => [r.kind, r.turns]), [['title', []], ['turn', [0]]]);
  });
});

test('an output-schema turn (codex exec --output-schema) is still a turn', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ say: '{"ok":true}' }] }, async (server) => {
    const body = { ...(turnBody('report as JSON') as object), text: { format: { name: 'codex_output_schema' } } };
    const reply = await post(`${server.baseUrl('job')}/v1/responses`, body);
    assert.equal(outputItem(reply.text)['content'][0]['text'], '{"ok":true}');
    assert.equal(server.requests('job')[0]!.kind, 'turn');
  });
});

test('ask is an escalated exec_command carrying its reason', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ ask: 'touch ../x', reason: 'Write outside?' }] }, async (server) => {
    const reply = await post(`${server.baseUrl('job')}/v1/responses`, turnBody('go'));
    assert.deepEqual(JSON.parse(outputItem(reply.text)['arguments'] as string), {
      cmd: 'touch ../x',
      yield_time_ms: 30000,
      sandbox_permissions: 'require_escalated',
      justification: 'Write outside?',
    });
  });
});

test('patch uses the freeform apply_patch tool when offered, else an apply_patch heredoc', { timeout: 60_000 }, async () => {
  const patch = '*** Begin Patch\n*** Add File: a.txt\n+PATCH\n*** End Patch';
  await withServer({ job: [{ patch }, { patch }] }, async (server) => {
    const custom = outputItem((await post(`${server.baseUrl('job')}/v1/responses`, turnBody('go', ['exec_command', 'apply_patch']))).text);
    assert.equal(custom['type'], 'custom_tool_call');
    assert.equal(custom['name'], 'apply_patch');
    assert.equal(custom['input'], patch);

    const viaExec = outputItem((await post(`${server.baseUrl('job')}/v1/responses`, turnBody('go'))).text);
    assert.equal(viaExec['name'], 'exec_command');
    assert.equal(JSON.parse(viaExec['arguments'] as string)['cmd'], `apply_patch <<'PATCH'\n${patch}\nPATCH`);
  });
});

test('the heredoc delimiter never equals a line of the patch', { timeout: 60_000 }, () => {
  const patch = '*** Begin Patch\n*** Add File: a.txt\nPATCH\nPATCH_1\n*** End Patch';
  assert.equal(patchHeredoc(patch), `apply_patch <<'PATCH_2'\n${patch}\nPATCH_2`);
});

test('fail answers with the HTTP status `times` times, then the script goes on', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ fail: 503, times: 2 }, { say: 'Back.' }] }, async (server) => {
    const url = `${server.baseUrl('job')}/v1/responses`;
    const a = await post(url, turnBody('go'));
    const b = await post(url, turnBody('go'));
    assert.deepEqual([a.status, b.status], [503, 503]);
    assert.equal(a.contentType, 'application/json');
    assert.match(JSON.parse(a.text).error.message, /scripted HTTP 503 \(turn 1\)/);
    const c = await post(url, turnBody('go'));
    assert.equal(outputItem(c.text)['content'][0]['text'], 'Back.');
  });
});

test('limit answers HTTP 429 usage_limit_reached with resets_at, again for every request until the reset, then plays on', { timeout: 10_000 }, async () => {
  await withServer({ job: [{ limit: '3s' }, { say: 'After the reset.' }] }, async (server, clock) => {
    const url = `${server.baseUrl('job')}/v1/responses`;
    const resetAt = clock.now() + 3000;
    const a = await post(url, turnBody('go'));
    assert.equal(a.status, 429);
    assert.deepEqual(JSON.parse(a.text), {
      error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: Math.ceil(resetAt / 1000), resets_in_seconds: 3 },
    });
    clock.advance(2999);
    const b = await post(url, turnBody('go'));
    assert.equal(b.status, 429, 'still limited');
    assert.equal(JSON.parse(b.text).error.resets_in_seconds, 1);
    clock.advance(1);
    const c = await post(url, turnBody('go'));
    assert.equal(outputItem(c.text)['content'][0]['text'], 'After the reset.');
    assert.deepEqual(server.requests('job').map((r) => r.turns), [[0], [], [1]]);
  });
});

test('fail: stream sends response.failed inside a 200 stream', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ fail: 'stream' }] }, async (server) => {
    const reply = await post(`${server.baseUrl('job')}/v1/responses`, turnBody('go'));
    assert.equal(reply.status, 200);
    const all = events(reply.text);
    assert.deepEqual(all.map((e) => e['type']), ['response.created', 'response.failed']);
    assert.equal(all[1]!['response']['error']['code'], 'server_error');
  });
});

test('stall sends nothing until the stall time has passed on the clock, then plays the next turn', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ stall: '20m' }, { say: 'Late.' }] }, async (server, clock) => {
    let answered = false;
    const reply = post(`${server.baseUrl('job')}/v1/responses`, turnBody('go')).then((a) => {
      answered = true;
      return a;
    });
    await waitFor('the request to arrive', () => server.requests('job').length === 1);
    clock.advance(20 * 60_000 - 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false);
    assert.equal(server.requests('job')[0]!.outcome, 'pending');
    clock.advance(1);
    assert.equal(outputItem((await reply).text)['content'][0]['text'], 'Late.');
    assert.deepEqual(server.requests('job').map((r) => [r.turns, r.outcome]), [[[0, 1], 'answered']]);
  });
});

test('a client that hangs up during a stall is recorded; the next request gets the next turn', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ stall: '20m' }, { say: 'After the stall.' }] }, async (server, clock) => {
    const url = `${server.baseUrl('job')}/v1/responses`;
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify(turnBody('go')));
    await waitFor('the request to arrive', () => server.requests('job').length === 1);
    req.destroy();
    await waitFor('the hang-up to be recorded', () => server.requests('job')[0]!.outcome === 'client-gone');
    assert.equal(clock.timerCount, 0, 'the stall timer is cleared');
    const next = await post(url, turnBody('go'));
    assert.equal(outputItem(next.text)['content'][0]['text'], 'After the stall.');
  });
});

test('close() ends stalled responses and closes every connection', { timeout: 60_000 }, async () => {
  const clock = new FakeClock();
  const server = await startModelServer({ jobs: new Map([['job', served(script([{ stall: '20m' }]))]]), clock });
  const pending = post(`${server.baseUrl('job')}/v1/responses`, turnBody('go'));
  await waitFor('the request to arrive', () => server.requests('job').length === 1);
  await server.close();
  await assert.rejects(pending, /socket hang up|ECONNRESET/);
  assert.equal(server.requests('job')[0]!.outcome, 'server-closed');
  assert.equal(clock.timerCount, 0);
  await assert.rejects(post(`${server.baseUrl('job')}/v1/responses`, turnBody('go')), /ECONNREFUSED/);
});

test('unknown paths, unknown jobs, other methods and bad bodies get API-shaped errors', { timeout: 60_000 }, async () => {
  await withServer({ job: [{ say: 'x' }] }, async (server) => {
    const other = await post(`${server.origin}/v1/responses`, turnBody('go'));
    assert.equal(other.status, 404);
    const unknown = await post(`${server.origin}/r/nobody/v1/responses`, turnBody('go'));
    assert.equal(unknown.status, 404);
    assert.match(JSON.parse(unknown.text).error.message, /no script for job "nobody"/);
    const notJson = await post(`${server.baseUrl('job')}/v1/responses`, null, {}, Buffer.from('{oops'));
    assert.equal(notJson.status, 400);
    const get = await new Promise<number>((resolve, reject) => {
      http.get(`${server.baseUrl('job')}/v1/responses`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(get, 404, 'the Responses face serves only POST /v1/responses');
    assert.equal(server.requests('job').length, 0, 'nothing was recorded or played');
    assert.equal(server.played('job'), 0);
    assert.throws(() => server.baseUrl('nobody'), /Internal error/);
  });
});

test('compressed bodies are decoded; oversized ones are refused with 413', { timeout: 60_000 }, async () => {
  const clock = new FakeClock();
  const server = await startModelServer({ jobs: new Map([['job', served(script([{ say: 'ok' }]))]]), clock, maxBodyBytes: 4096 });
  try {
    const url = `${server.baseUrl('job')}/v1/responses`;
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify(turnBody('zipped'))));
    const reply = await post(url, null, { 'content-encoding': 'gzip' }, gz);
    assert.equal(outputItem(reply.text)['content'][0]['text'], 'ok');
    assert.deepEqual(server.requests('job')[0]!.body, turnBody('zipped'));
    const big = await post(url, turnBody('x'.repeat(5000)));
    assert.equal(big.status, 413);
    const bomb = await post(url, null, { 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.alloc(100_000, 32)));
    assert.equal(bomb.status, 415);
  } finally {
    await server.close();
  }
});

test('write, edit and usage-limit are script steps every agent can play; their modifiers are checked with paths', { timeout: 10_000 }, () => {
  const good = parseScript([{ write: 'a.txt', content: '' }, { edit: 'a.txt', old: 'x', new: '' }, { 'usage-limit': '3s' }]);
  assert.ok(good.ok);
  assert.deepEqual(good.value, [
    { kind: 'write', path: 'a.txt', content: '' },
    { kind: 'edit', path: 'a.txt', old: 'x', new: '' },
    { kind: 'limit', ms: 3000 },
  ]);
  const bad = parseScript([{ write: 'a.txt' }, { edit: 'a.txt', old: '', new: 'y' }, { write: 'b', content: 'c', olds: 1 }]);
  assert.ok(!bad.ok);
  const issues = bad.error.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.some((i) => i.startsWith('0: expected `content:`')), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('1.old: expected the text to replace')), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('2.olds: unknown key')), issues.join('\n'));
});

test('an edit becomes a codex patch over the whole lines that hold the text, read from the workdir', { timeout: 10_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edit-patch-'));
  try {
    writeFileSync(path.join(dir, 'f.txt'), 'alpha\nbeta gamma delta\nomega\n');
    assert.equal(
      editPatch(dir, 'f.txt', 'gamma', 'GAMMA'),
      '*** Begin Patch\n*** Update File: f.txt\n@@\n-beta gamma delta\n+beta GAMMA delta\n*** End Patch',
    );
    // Not there: the patch names the text as it was given, and codex reports that it does not apply.
    assert.equal(editPatch(dir, 'missing.txt', 'a\nb', 'c'), '*** Begin Patch\n*** Update File: missing.txt\n@@\n-a\n-b\n+c\n*** End Patch');
    assert.equal(writePatch('n.txt', 'one\ntwo\n'), '*** Begin Patch\n*** Add File: n.txt\n+one\n+two\n*** End Patch');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
