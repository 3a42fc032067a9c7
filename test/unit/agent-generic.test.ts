// The parts of `agent: generic` that need no process: argv templates, option checks, the
// session-file glob and the monitor's session-id rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fillArgv, namesSession } from '../../src/agents/generic/argv.js';
import { DONE_LINGER_MS, GenericMonitor } from '../../src/agents/generic/monitor.js';
import type { StopCause } from '../../src/session/job-session.js';
import { genericSpecOf, mergeGenericOptions, parseGenericOptions } from '../../src/agents/generic/options.js';
import { absoluteGlob, capture, newestFile, sessionIdFromFile } from '../../src/agents/generic/session-id.js';
import type { JobFacts } from '../../src/run/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';

test('fillArgv: placeholders inside one element, in one pass; a template without {prompt} gets it last', { timeout: 5_000 }, () => {
  const prompt = 'fix {session} and "quotes"; rm -rf /';
  assert.deepEqual(fillArgv(['acme', '--prompt={prompt}', '--id', '{session}'], { prompt, session: 'S1' }), ['acme', `--prompt=${prompt}`, '--id', 'S1']);
  assert.deepEqual(fillArgv(['acme', '--yes'], { prompt: '-v', session: null }), ['acme', '--yes', '-v']);
  assert.throws(() => fillArgv(['acme', '{session}'], { prompt: 'p', session: null }), /Internal error/);
  assert.equal(namesSession(['acme', '--resume={session}']), true);
  assert.equal(namesSession(['acme', '{prompt}']), false);
});

test('parseGenericOptions: every problem with its path; defaults applied; env merges by name', { timeout: 5_000 }, () => {
  const bad = parseGenericOptions({
    argv: ['{prompt}'],
    resume: ['acme', '--continue'],
    session: { pattern: '(a)(b)' },
    interruptFirst: 'no',
    wat: 1,
  });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.deepEqual(
    bad.error.map((p) => p.path.join('.')),
    ['argv.0', 'resume', 'session.pattern', 'interruptFirst', 'wat'],
  );
  assert.match(bad.error[2]!.message, /exactly one capture group .*found 2/);
  const none = parseGenericOptions({ argv: ['acme'], session: {} });
  assert.equal(none.ok, false);
  if (!none.ok) assert.match(none.error[0]!.message, /found neither/);

  const good = parseGenericOptions({ argv: ['acme'], session: { file: '~/.acme/*.json' }, env: { A: '1' } });
  assert.ok(good.ok);
  if (!good.ok) return;
  assert.deepEqual(good.value.session, { kind: 'file', glob: '~/.acme/*.json', pattern: null });
  const merged = mergeGenericOptions({ env: { A: '0', B: '2' }, fullScreen: true }, good.value);
  assert.deepEqual(merged.env, { A: '1', B: '2' });
  const spec = genericSpecOf(merged);
  assert.equal(spec.fullScreen, true);
  assert.deepEqual(spec.decline, { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] }, 'a full-screen agent declines with Esc');
  assert.deepEqual(genericSpecOf({ argv: ['acme'] }).decline, { kind: 'text', text: 'n', enter: true }, 'a line agent with n + Enter');
  assert.equal(genericSpecOf({ argv: ['acme'] }).interruptFirst, true);
});

test('session files: ~ and {workdir}, * ** ? [..] globs, only files written since the start, the newest wins', { timeout: 5_000 }, async () => {
  const dir = tempDir();
  assert.equal(absoluteGlob('~/.acme/*.json', '/w', dir), `${dir}/.acme/*.json`);
  assert.equal(absoluteGlob('{workdir}/s/*.json', '/w', dir), '/w/s/*.json');
  assert.equal(absoluteGlob('s/*.json', '/w', dir), '/w/s/*.json');
  const deep = path.join(dir, 'sessions', '2026', '11');
  mkdirSync(deep, { recursive: true });
  const now = Date.now();
  const old = path.join(deep, 'old-one.json');
  const newer = path.join(deep, 'abc-1.json');
  const newest = path.join(dir, 'sessions', 'xyz-2.json');
  writeFileSync(old, '{"session":"old"}');
  writeFileSync(newer, '{"session":"abc"}');
  writeFileSync(newest, '{"session":"xyz"}');
  writeFileSync(path.join(dir, 'sessions', '.hidden.json'), 'x');
  utimesSync(old, new Date(now - 3_600_000), new Date(now - 3_600_000));
  utimesSync(newer, new Date(now + 1_000), new Date(now + 1_000));
  utimesSync(newest, new Date(now + 2_000), new Date(now + 2_000));
  assert.equal(await newestFile(`${dir}/sessions/**/*.json`, now), newest);
  assert.equal(await newestFile(`${dir}/sessions/*/1?/[a-z]*.json`, now), newer);
  assert.equal(await newestFile(`${dir}/sessions/*/*/old-*.json`, now), null, 'written before the attempt');
  assert.equal(await newestFile(`${dir}/sessions/*/*/old-*.json`, now - 7_200_000), old);
  assert.equal(await newestFile(`${dir}/nowhere/*.json`, now), null);
  assert.equal(await sessionIdFromFile(newest, null), 'xyz-2');
  assert.equal(await sessionIdFromFile(newest, capture('"session":"([^"]+)"')), 'xyz');
  assert.equal(await sessionIdFromFile(newest, capture('nope: (\\w+)')), null);
});

test('monitor: each new id in a line is reported once; a resumed run that shows none keeps the resumed id, one that shows another reports that', { timeout: 5_000 }, async () => {
  const clock = new FakeClock();
  const start = (knownId: { id: string; chosen: boolean } | null): { monitor: GenericMonitor; facts: JobFacts[] } => {
    const facts: JobFacts[] = [];
    const monitor = new GenericMonitor({
      clock,
      target: { facts: (f) => facts.push(f), blocked: () => {}, stop: () => {} },
      session: { kind: 'output', pattern: '^session: (\\S+)' },
      fullScreen: false,
      knownId,
      done: null,
    });
    assert.ok(monitor.prepare().ok);
    return { monitor, facts };
  };
  const exit = { exitCode: 0, signal: null };

  const fresh = start(null);
  for (const line of ['hello', 'session: A', 'session: A', 'not session: B', 'session: C']) fresh.monitor.onLine(line);
  await fresh.monitor.finish(exit);
  assert.deepEqual(fresh.facts, [{ sessionId: 'A' }, { sessionId: 'C' }]);

  const quiet = start({ id: 'R', chosen: false });
  quiet.monitor.onLine('resumed');
  await quiet.monitor.finish(exit);
  assert.deepEqual(quiet.facts, [{ sessionId: 'R' }]);

  const other = start({ id: 'R', chosen: false });
  other.monitor.onLine('session: NEW');
  await other.monitor.finish(exit);
  assert.deepEqual(other.facts, [{ sessionId: 'NEW' }], 'a different id is reported, so the runner sees the lost context');

  const chosen = start({ id: 'U', chosen: true });
  assert.deepEqual(chosen.facts, [{ sessionId: 'U' }], 'an id chosen up front is known from the start');
  await chosen.monitor.finish(exit);
  assert.deepEqual(chosen.facts, [{ sessionId: 'U' }]);
});

test('monitor: the done pattern closes a lingering agent as succeeded after DONE_LINGER_MS, once; an exit first cancels it', { timeout: 5_000 }, async () => {
  const clock = new FakeClock();
  const make = (): { monitor: GenericMonitor; stops: StopCause[] } => {
    const stops: StopCause[] = [];
    const monitor = new GenericMonitor({
      clock,
      target: { facts: () => {}, blocked: () => {}, stop: (cause) => stops.push(cause) },
      session: null,
      fullScreen: false,
      knownId: null,
      done: '^Task complete',
    });
    assert.ok(monitor.prepare().ok);
    assert.equal(monitor.wantsLines, true, 'lines are read for the done pattern');
    return { monitor, stops };
  };
  const lingering = make();
  lingering.monitor.onLine('working on Task complete soon');
  lingering.monitor.onLine('Task complete.');
  lingering.monitor.onLine('Task complete.');
  clock.advance(DONE_LINGER_MS - 1);
  assert.equal(lingering.stops.length, 0);
  clock.advance(1);
  assert.equal(lingering.stops.length, 1);
  assert.equal(lingering.stops[0]?.status, 'succeeded');
  clock.advance(DONE_LINGER_MS * 2);
  assert.equal(lingering.stops.length, 1);

  const exiting = make();
  exiting.monitor.onLine('Task complete.');
  await exiting.monitor.finish({ exitCode: 0, signal: null });
  clock.advance(DONE_LINGER_MS * 2);
  assert.equal(exiting.stops.length, 0, 'the agent exited by itself');
  assert.equal(clock.timerCount, 0);
});
