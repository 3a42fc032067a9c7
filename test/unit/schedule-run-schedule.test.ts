import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runSchedule, scheduleExitCode, scheduleRootFor, type RunScheduleOutcome } from '../../src/schedule/run-schedule.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';

test('--list: every scheduled job of every manifest, in order, with its next 3 fire times in its own zone', { timeout: 60_000 }, async () => {
  const dir = tempDir('codex-run-schedule-list-');
  const first = path.join(dir, 'jobs.yaml');
  const second = path.join(dir, 'more.yaml');
  writeFileSync(first, ['version: 1', 'jobs:', '  nightly:', '    prompt: p', '    schedule: { cron: "0 2 * * 1-5", timezone: Europe/Berlin }', '    jitter: 5m', '  manual: { prompt: p }', ''].join('\n'));
  writeFileSync(second, ['version: 1', 'jobs:', '  hourly: { prompt: p, schedule: { cron: "30 * * * *", timezone: UTC }, overlap: queue }', ''].join('\n'));
  // Friday 2026-03-27 12:00 UTC: the Berlin times cross the spring-forward weekend.
  const clock = new FakeClock(Date.UTC(2026, 2, 27, 12, 0, 0));
  const outcome = await runSchedule({ manifests: [first, second], mode: 'list', clock, cwd: dir });
  assert.deepEqual(outcome, {
    kind: 'listed',
    text: [
      `nightly  (${first})`,
      '  schedule  0 2 * * 1-5  Europe/Berlin',
      '  policy    overlap skip, catchUp false, jitter 5m',
      '  next      2026-03-30 02:00 +02:00',
      '            2026-03-31 02:00 +02:00',
      '            2026-04-01 02:00 +02:00',
      '',
      `hourly  (${second})`,
      '  schedule  30 * * * *  UTC',
      '  policy    overlap queue, catchUp false, jitter none',
      '  next      2026-03-27 12:30 +00:00',
      '            2026-03-27 13:30 +00:00',
      '            2026-03-27 14:30 +00:00',
      '',
    ].join('\n'),
  });
  assert.equal(scheduleExitCode(outcome), 0);
  assert.equal(existsSync(path.join(dir, '.codex-run')), false, '--list creates nothing');
});

test('an invalid manifest at start: located diagnostics of every manifest, exit 2, nothing created', { timeout: 60_000 }, async () => {
  const dir = tempDir('codex-run-schedule-invalid-');
  const good = path.join(dir, 'good.yaml');
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(good, 'version: 1\njobs:\n  a: { prompt: p, schedule: "0 2 * * *" }\n');
  writeFileSync(bad, 'version: 1\njobs:\n  b: { prompt: p, schedule: "0 2 * * 8" }\n');
  for (const mode of ['daemon', 'once', 'list'] as const) {
    const outcome = await runSchedule({ manifests: [good, bad], mode, cwd: dir, watch: () => assert.fail('nothing is watched') });
    assert.equal(outcome.kind, 'invalid-manifest', mode);
    assert.match(outcome.kind === 'invalid-manifest' ? outcome.diagnostics : '', /^bad\.yaml:3:29: error: invalid cron expression "0 2 \* \* 8": /);
    assert.equal(scheduleExitCode(outcome), 2);
  }
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
});

test('the schedule root is --out, else the runs root of the first manifest', { timeout: 60_000 }, () => {
  assert.equal(scheduleRootFor(['/srv/a/jobs.yaml', '/srv/b/jobs.yaml'], undefined), '/srv/a/.codex-run/runs');
  assert.equal(scheduleRootFor(['/srv/a/jobs.yaml'], '/var/runs'), '/var/runs');
});

test('exit codes: --once is 0 only when every run it started succeeded; a signal wins', { timeout: 60_000 }, () => {
  const run = (status: string | null) => ({ manifest: '/m.yaml', job: 'j', firedAt: 0, outcome: status === null ? null : { runDir: '/r', status } });
  const cases: Array<[RunScheduleOutcome, number]> = [
    [{ kind: 'ran-once', runs: [], signal: null }, 0],
    [{ kind: 'ran-once', runs: [run('succeeded'), run('succeeded')], signal: null }, 0],
    [{ kind: 'ran-once', runs: [run('succeeded'), run('failed')], signal: null }, 1],
    [{ kind: 'ran-once', runs: [run(null)], signal: null }, 1],
    [{ kind: 'ran-once', runs: [run('interrupted')], signal: 'SIGINT' }, 130],
    [{ kind: 'stopped', signal: 'SIGTERM' }, 143],
    [{ kind: 'stopped', signal: 'SIGINT' }, 130],
    [{ kind: 'stopped', signal: null }, 0],
    [{ kind: 'setup-failed', message: 'x' }, 1],
  ];
  for (const [outcome, code] of cases) assert.equal(scheduleExitCode(outcome), code, JSON.stringify(outcome));
});
