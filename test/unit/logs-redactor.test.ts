import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretName, Redactor, secretValues } from '../../src/logs/redactor.js';

test('secrets are env values by name (any case) or listed, 4 characters or more', { timeout: 5_000 }, () => {
  for (const name of ['GITHUB_TOKEN', 'api_key', 'MySecret', 'DB_PASSWORD', 'AWS_CREDENTIALS']) assert.ok(isSecretName(name), name);
  assert.equal(isSecretName('HOME'), false);
  assert.deepEqual(secretValues({ API_TOKEN: 'abcdef', HOME: '/root', DB_URL: 'postgres://x', SHORT_KEY: 'abc' }, ['DB_URL']).sort(), ['abcdef', 'postgres://x']);
});

test('a stream cut at every point is redacted exactly as the whole, and other bytes pass unchanged', { timeout: 10_000 }, () => {
  const redactor = new Redactor(['sekret-one', 'päss-wörd', 'sekret-one-longer']);
  const input = Buffer.concat([Buffer.from('a sekret-one b sekret-one-longer c päss-wörd d sekret-on'), Buffer.from([0xff, 0x00, 0x1b]), Buffer.from('päss-wörd')]);
  const whole = redactor.bytes(input);
  assert.equal(whole.toString('latin1').includes('sekret-one '), false);
  assert.ok(whole.includes(Buffer.from([0xff, 0x00, 0x1b])));
  for (let a = 0; a <= input.length; a++) {
    for (const b of [a, Math.min(input.length, a + 3), input.length]) {
      const stream = redactor.stream();
      const out = Buffer.concat([stream.push(input.subarray(0, a)), stream.push(input.subarray(a, b)), stream.push(input.subarray(b)), stream.flush()]);
      assert.deepEqual(out, whole, `cut at ${a}/${b}`);
    }
  }
  assert.equal(whole.toString('utf8'), 'a *** b *** c *** d sekret-on\ufffd\u0000\u001b***');
});

test('without secrets nothing changes and nothing is held back', { timeout: 5_000 }, () => {
  const stream = Redactor.none.stream();
  const chunk = Buffer.from('plain');
  assert.equal(stream.push(chunk), chunk);
});

test('events: argv, activity, excerpts, sent keys, facts, results and warnings are redacted', { timeout: 5_000 }, () => {
  const r = new Redactor(['tok-123456']);
  const e = r.event({
    type: 'job-intervention',
    at: 0,
    job: 'j',
    intervention: { at: 0, kind: 'answer', rule: null, excerpt: ['Use tok-123456?'], sent: 'tok-123456\\r' },
  });
  assert.deepEqual(e.type === 'job-intervention' ? [e.intervention.excerpt, e.intervention.sent] : null, [['Use ***?'], '***\\r']);
  const w = r.event({ type: 'warning', at: 0, job: null, message: 'bad tok-123456' });
  assert.equal(w.type === 'warning' ? w.message : '', 'bad ***');
});

test('excerpt rows: a secret wrapped onto the next row or cut short with … is redacted in every part', { timeout: 5_000 }, () => {
  const r = new Redactor(['tok-123456789']);
  assert.deepEqual(r.lines(['Use tok-1234', '56789? [y/n]']), ['Use ***', '***? [y/n]']);
  assert.deepEqual(r.lines(['a very long row ending in tok-12345…', 'next']), ['a very long row ending in ***…', 'next']);
  assert.deepEqual(r.lines(['nothing here', 'tok-123456789']), ['nothing here', '***']);
});

test('a multi-line secret is redacted whole as the terminal shows it (\\r\\n) and line by line', { timeout: 5_000 }, () => {
  const r = new Redactor(secretValues({ SSH_PRIVATE_KEY: '-----BEGIN KEY-----\nAAAAB3NzaC1yc2E\n-----END KEY-----' }));
  assert.equal(r.text('key:\r\n-----BEGIN KEY-----\r\nAAAAB3NzaC1yc2E\r\n-----END KEY-----\r\n'), 'key:\r\n***\r\n');
  assert.equal(r.text('AAAAB3NzaC1yc2E'), '***');
});

test('jsonLines: secrets inside JSON strings (escaped ones too) become ***, and every line stays valid JSON', { timeout: 5_000 }, () => {
  const redactor = new Redactor(['pa"ss\\word', 'tok-12345']);
  const lines = [JSON.stringify({ text: 'use pa"ss\\word now', nested: [{ t: 'tok-12345' }] }), JSON.stringify({ clean: true }), 'not json tok-12345', ''];
  const out = redactor.jsonLines(lines.join('\n')).split('\n');
  assert.deepEqual(JSON.parse(out[0]!), { text: 'use *** now', nested: [{ t: '***' }] });
  assert.equal(out[1], lines[1], 'an unchanged line keeps its bytes');
  assert.equal(out[2], 'not json ***');
  assert.equal(out[3], '');
});
