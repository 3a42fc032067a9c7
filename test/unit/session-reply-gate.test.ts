import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endsWithTerminalQuery, ReplyGate } from '../../src/session/reply-gate.js';
import { FakeClock } from '../helpers/fake-clock.js';

test('a query is eligible only as the last thing of a text chunk', { timeout: 5_000 }, () => {
  assert.equal(endsWithTerminalQuery(Buffer.from('\x1b[6n')), true);
  assert.equal(endsWithTerminalQuery(Buffer.from('hello ✔\r\n\x1b[?u\x1b[c')), true);
  assert.equal(endsWithTerminalQuery(Buffer.from('\x1b]11;?\x1b\\')), true);
  assert.equal(endsWithTerminalQuery(Buffer.from('\x1b[6n and more')), false);
  assert.equal(endsWithTerminalQuery(Buffer.from([0x00, 0x01, 0x1b, 0x5b, 0x36, 0x6e])), false, 'binary before it');
  assert.equal(endsWithTerminalQuery(Buffer.from([0xff, 0xfe, 0x1b, 0x5b, 0x63])), false, 'invalid UTF-8 before it');
  assert.equal(endsWithTerminalQuery(Buffer.from(`${'x'.repeat(5000)}\x1b[6n`)), true, 'at the end of a long chunk');
  assert.equal(endsWithTerminalQuery(Buffer.from(`\x1b]0;${'t'.repeat(600)}\x07`)), false, 'a sequence longer than the tail read');
  assert.equal(endsWithTerminalQuery(Buffer.from('still working: tick 3\r\n')), false, 'plain text');
});

test('replies wait for quiet, are dropped when output goes on, and are rate-limited', { timeout: 5_000 }, () => {
  const clock = new FakeClock();
  const sent: string[] = [];
  const gate = new ReplyGate({ clock, send: (r) => sent.push(r), quietMs: 20, burst: 3, windowMs: 1000 });
  gate.observe(Buffer.from('\x1b[6n'));
  gate.offer('\x1b[1;1R');
  clock.advance(10);
  gate.observe(Buffer.from('more output\n'));
  clock.advance(50);
  assert.deepEqual(sent, [], 'the job kept printing: not a query at rest');

  gate.offer('\x1b[1;1R');
  clock.advance(50);
  assert.deepEqual(sent, [], 'the last chunk did not end with a query');

  for (let i = 0; i < 5; i++) {
    gate.observe(Buffer.from('\x1b[c'));
    gate.offer(`reply${i}`);
    clock.advance(25);
  }
  assert.deepEqual(sent, ['reply0', 'reply1', 'reply2'], 'at most 3 per second');
  clock.advance(1000);
  gate.observe(Buffer.from('\x1b[c'));
  gate.offer('later');
  clock.advance(25);
  assert.deepEqual(sent.at(-1), 'later');
});
