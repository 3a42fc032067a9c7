import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseRequest } from '../../src/control/protocol.js';
import { identityOf, isSameProcessAlive } from '../../src/control/process-identity.js';
import { waitFor } from '../helpers/wait-for.js';

test('requests: version, op and field types are checked, with the id echoed when it could be read', { timeout: 5000 }, () => {
  const good = parseRequest('{"v":1,"id":7,"op":"send","job":"a","keys":["esc","enter"],"by":"me"}');
  assert.deepEqual(good, { ok: true, request: { v: 1, id: 7, op: 'send', job: 'a', keys: ['esc', 'enter'], by: 'me' } });
  const cases: Array<[string, string]> = [
    ['not json', 'bad-request'],
    ['[1]', 'bad-request'],
    ['{"v":2,"id":"x","op":"status"}', 'unsupported-version'],
    ['{"v":1,"id":"x","op":"format-disk"}', 'unknown-op'],
    ['{"v":1,"id":"x","op":"send","job":3}', 'bad-request'],
    ['{"v":1,"id":"x","op":"send","keys":"esc"}', 'bad-request'],
    ['{"v":1,"id":"x","op":"send","enter":"yes"}', 'bad-request'],
  ];
  for (const [line, code] of cases) {
    const parsed = parseRequest(line);
    assert.equal(parsed.ok, false, line);
    if (parsed.ok) continue;
    assert.equal(parsed.response.ok, false);
    if (!parsed.response.ok) assert.equal(parsed.response.error.code, code, line);
    if (line.includes('"id":"x"')) assert.equal(parsed.response.id, 'x');
  }
});

test('a recorded process is alive only with the same start time; a dead or reused pid is not', { timeout: 10_000 }, async (t) => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid!;
  const recorded = identityOf(pid);
  assert.ok(recorded.startTime !== null, 'the start time is read from /proc');
  assert.equal(isSameProcessAlive(recorded), true);
  assert.equal(isSameProcessAlive({ ...recorded, startTime: String(Number(recorded.startTime) + 1) }), false, 'same pid, other start time: a reused pid');
  assert.equal(isSameProcessAlive({ ...recorded, bootId: 'another-boot' }), false);
  child.kill('SIGKILL');
  await waitFor('the child to be reaped', () => child.exitCode !== null || child.signalCode !== null);
  assert.equal(isSameProcessAlive(recorded), false);
});
