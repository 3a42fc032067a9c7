import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readGeminiSession } from '../../src/agents/gemini/session-record.js';
import { readGeminiConversation } from '../../src/agents/gemini/conversation.js';
import { tempDir } from '../helpers/temp-dir.js';

const ID = 'b5b6a15c-6cd2-4c05-adca-0404d770c013';
const setUp = (at: string) => JSON.stringify({ $set: { messages: [{ id: 'ctx', timestamp: at, type: 'user', content: [{ text: '<session_context>\nThis is the Gemini CLI.' }] }] } });
const line = (o: unknown) => JSON.stringify(o);

// As gemini 0.61 left them after an idle-killed attempt and a resume (seen under load): the
// answers went on in the first file, and a second file of the same session holds only its set-up.
test("a resumed gemini session's answer is found in the file with the latest message, whatever the listing order", { timeout: 10_000 }, async () => {
  const home = tempDir();
  const chats = path.join(home, '.gemini', 'tmp', 'work', 'chats');
  mkdirSync(chats, { recursive: true });
  writeFileSync(
    path.join(chats, `session-2026-11-30T16-53-${ID.slice(0, 8)}.jsonl`),
    [
      line({ sessionId: ID, startTime: '2026-11-30T16:53:46.950Z' }),
      setUp('2026-11-30T16:53:46.953Z'),
      line({ id: 'u1', timestamp: '2026-11-30T16:53:47.144Z', type: 'user', content: [{ text: 'Summarise the project' }] }),
      line({ id: 'u2', timestamp: '2026-11-30T16:54:02.321Z', type: 'user', content: [{ text: 'Continue where you stopped.' }] }),
      line({ id: 'g1', timestamp: '2026-11-30T16:54:02.375Z', type: 'gemini', content: 'Resumed and done.' }),
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(chats, `session-2026-11-30T16-54-${ID.slice(0, 8)}.jsonl`), [line({ sessionId: ID, startTime: '2026-11-30T16:54:02.020Z' }), setUp('2026-11-30T16:54:02.027Z'), ''].join('\n'));
  const record = readGeminiSession(home, ID);
  assert.equal(record?.lastMessage, 'Resumed and done.');
  assert.equal(record?.files.length, 2);
  assert.ok(record?.files[1]?.includes('16-53'), 'the record read is the file with the latest message');
  const read = await readGeminiConversation({ GEMINI_CLI_HOME: home }, { id: ID, workdir: home, startedAt: 0 }, null);
  assert.equal(read?.lastMessage, 'Resumed and done.');
  assert.deepEqual(read?.entries.filter((e) => e.kind === 'user').map((e) => (e.kind === 'user' ? e.text : '')), ['Summarise the project', 'Continue where you stopped.']);
});
