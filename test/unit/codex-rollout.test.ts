import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findRollout, findRolloutStartedIn, parseRolloutLines, readRollout, readSessionConversation } from '../../src/agents/codex/rollout.js';
import { renderConversation } from '../../src/logs/conversation-text.js';
import { isMeaningfulLine, lastMeaningfulLine } from '../../src/logs/transcript.js';
import { tempDir } from '../helpers/temp-dir.js';
import { codexScreenActivity } from '../../src/agents/codex/screen-activity.js';
import { renderScreen, screenBytes } from '../../src/rules/screen-file.js';

const ID = '01a22c29-b160-7eb1-aaa5-37e72ebdf4f0';
const T = 1796037259000;

// The shape codex-cli 0.169 writes (trimmed to the fields read).
const LINES = [
  { timestamp: '2026-11-30T11:14:19.698Z', type: 'session_meta', payload: { id: ID } },
  { timestamp: '2026-11-30T11:14:19.851Z', type: 'event_msg', payload: { type: 'item_completed', item: { type: 'UserMessage', content: [{ type: 'text', text: 'Record the date' }] }, completed_at_ms: T + 851 } },
  { timestamp: '2026-11-30T11:14:20.167Z', type: 'event_msg', payload: { type: 'item_completed', item: { type: 'CommandExecution', command: ['/bin/bash', '-lc', 'date > DATE.txt; ls'], aggregated_output: 'DATE.txt\n', exit_code: 0 }, completed_at_ms: T + 1167 } },
  { timestamp: '2026-11-30T11:14:20.192Z', type: 'event_msg', payload: { type: 'item_completed', item: { type: 'AgentMessage', content: [{ type: 'Text', text: 'Recorded the date\n\nin DATE.txt.' }] }, completed_at_ms: T + 1192 } },
  { timestamp: '2026-11-30T11:14:20.200Z', type: 'event_msg', payload: { type: 'task_complete', last_agent_message: 'Recorded the date\n\nin DATE.txt.' } },
].map((l) => JSON.stringify(l));

test('a rollout becomes the conversation in order, with the last message; codex-run’s answers and attempt markers go between by time', { timeout: 10_000 }, () => {
  const read = parseRolloutLines([...LINES, 'not json']);
  assert.equal(read.lastMessage, 'Recorded the date\n\nin DATE.txt.');
  assert.deepEqual(read.entries.map((e) => e.kind), ['user', 'command', 'agent']);
  const text = renderConversation([
    ...read.entries.map((entry) => ({ at: entry.at, kind: 'entry' as const, entry })),
    { at: T + 1000, kind: 'intervention', intervention: { at: T + 1000, kind: 'answer', rule: { index: 0, match: 'run this' }, excerpt: [], sent: 'y' } },
    { at: T + 2000, kind: 'marker', text: '──── attempt 2 ────' },
  ]);
  assert.equal(
    text,
    ['› Record the date', '', '[codex-run] answered (rule 1: "run this") with "y"', '', '$ date > DATE.txt; ls', '  DATE.txt', '  (exit 0)', '', 'Recorded the date', '', 'in DATE.txt.', '', '──── attempt 2 ────', ''].join('\n'),
  );
});

test('the rollout of a session is found by its id in the newest day folders; a later read starts after what was read', { timeout: 10_000 }, async () => {
  const home = tempDir();
  const day = path.join(home, 'sessions', '2026', '11', '30');
  mkdirSync(day, { recursive: true });
  const file = path.join(day, `rollout-2026-11-30T11-14-19-${ID}.jsonl`);
  writeFileSync(file, `${LINES.slice(0, 3).join('\n')}\n${LINES[3]!.slice(0, 20)}`);
  assert.equal(await findRollout(home, ID), file);
  assert.equal(await findRollout(home, '00000000-0000-0000-0000-000000000000'), null);
  const first = await readRollout(file, 0);
  assert.deepEqual(first?.entries.map((e) => e.kind), ['user', 'command'], 'a half-written line waits');
  writeFileSync(file, `${LINES.join('\n')}\n`);
  const second = await readRollout(file, first!.lines);
  assert.deepEqual(second?.entries.map((e) => e.kind), ['agent']);
});

test('a last line is meaningful: never a token count, a spinner, a rule or a footer', { timeout: 10_000 }, () => {
  for (const noise of ['42,751', 'tokens used', '⠋', '────', '› •', '›', '? for shortcuts', '• Working (3s • esc to interrupt)', '']) assert.equal(isMeaningfulLine(noise), false, noise);
  for (const line of ['Created made.txt.', 'FAIL test/api.test.js', 'ok']) assert.equal(isMeaningfulLine(line), true, line);
  assert.equal(lastMeaningfulLine('Done: 3 files\ntokens used\n42,751\n'), 'Done: 3 files');
});

test('a codex TUI’s live line is read off its screen: the latest message or question above the input box, never the footer or a spinner', { timeout: 20_000 }, async () => {
  const line = async (text: string): Promise<string | null> => {
    const screen = await renderScreen(screenBytes('txt', Buffer.from(text)), { cols: 120, rows: 40 });
    try {
      return codexScreenActivity(screen.snap);
    } finally {
      screen.dispose();
    }
  };
  const footer = ['› Ask Codex to do anything', '', '  GPT-5.5 default · /home/dev/app/work2', '  ← for agents · ? for shortcuts      ⚠ 1 warning · f2 to view'];
  assert.equal(await line(['› SLOW please', '', '• Slow reply done', '', '  Worked for 12s • 21:10', '', ...footer].join('\n')), 'Slow reply done');
  assert.equal(await line(['› SLOW please', '', '◦ Working (4s • esc to interrupt)', '', ...footer].join('\n')), '› SLOW please');
  assert.equal(await line(['• Running date > DATE.txt', '', '  Would you like to run the following command?', '› 1. Yes, proceed (y)', '  2. No (esc)'].join('\n')), 'Would you like to run the following command?');
  assert.equal(await line(footer.join('\n')), null);
});

test('a resume that continues the session in a newer rollout file is read from that file’s start', { timeout: 10_000 }, async () => {
  const home = tempDir();
  const day = path.join(home, 'sessions', '2026', '11', '30');
  mkdirSync(day, { recursive: true });
  writeFileSync(path.join(day, `rollout-2026-11-30T11-14-19-${ID}.jsonl`), `${LINES.slice(0, 3).join('\n')}\n`);
  const first = await readSessionConversation({ CODEX_HOME: home }, ID, null);
  assert.deepEqual(first?.entries.map((e) => e.kind), ['user', 'command']);
  const newer = path.join(day, `rollout-2026-11-30T11-20-00-${ID}.jsonl`);
  writeFileSync(newer, `${LINES[3]}\n`);
  const second = await readSessionConversation({ CODEX_HOME: home }, ID, first!.position);
  assert.equal(second?.position.source, newer);
  assert.deepEqual(second?.entries.map((e) => e.kind), ['agent']);
  const again = await readSessionConversation({ CODEX_HOME: home }, ID, second!.position);
  assert.deepEqual(again?.entries, [], 'nothing read twice');
});

test('without a session id, the one rollout started in the workdir since the attempt began is used; two are ambiguous and none is used', { timeout: 10_000 }, async () => {
  const home = tempDir();
  const since = Date.UTC(2026, 10, 30, 11, 14, 0);
  const day = path.join(home, 'sessions', '2026', '11', '30');
  mkdirSync(day, { recursive: true });
  const meta = (id: string, cwd: string, at: number): string => `${JSON.stringify({ timestamp: new Date(at).toISOString(), type: 'session_meta', payload: { id, cwd, timestamp: new Date(at).toISOString() } })}\n`;
  writeFileSync(path.join(day, 'rollout-a-11111111-1111-1111-1111-111111111111.jsonl'), meta('1', '/work/a', since - 60_000));
  writeFileSync(path.join(day, 'rollout-b-22222222-2222-2222-2222-222222222222.jsonl'), meta('2', '/work/b', since + 500));
  const mine = path.join(day, 'rollout-c-33333333-3333-3333-3333-333333333333.jsonl');
  writeFileSync(mine, meta('3', '/work/a', since + 400));
  assert.equal(await findRolloutStartedIn(home, '/work/a', since), mine, 'the older session in the same folder is not this attempt’s');
  // The record found so names its session: a TUI stopped before it printed the id keeps it.
  const found = await readSessionConversation({ CODEX_HOME: home }, { id: null, workdir: '/work/a', startedAt: since }, null);
  assert.equal(found?.sessionId, '33333333-3333-3333-3333-333333333333');
  writeFileSync(path.join(day, 'rollout-d-44444444-4444-4444-4444-444444444444.jsonl'), meta('4', '/work/a', since + 900));
  assert.equal(await findRolloutStartedIn(home, '/work/a', since), null, 'two candidates: none');
});
