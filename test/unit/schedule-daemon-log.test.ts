import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DaemonLogWriter, formatDaemonEvent } from '../../src/schedule/daemon-log.js';
import type { DaemonEvent } from '../../src/schedule/daemon-events.js';

const at = Date.UTC(2026, 0, 1, 2, 0, 5);
const firedAt = Date.UTC(2026, 0, 1, 2);
const ref = { manifest: '/repo/jobs.yaml', job: 'nightly' };

test('one line per event; reload diagnostics follow indented', () => {
  const events: DaemonEvent[] = [
    { type: 'fire', at, ...ref, firedAt, trigger: 'schedule', workdir: '/repo' },
    { type: 'skip', at, ...ref, firedAt, reason: 'previous-run-active', detail: 'still going' },
    { type: 'reload-ok', at, file: '/repo/jobs.yaml', added: ['b'], removed: [], changed: ['nightly'] },
    { type: 'reload-failed', at, file: '/repo/jobs.yaml', diagnostics: 'jobs.yaml:3:15: error: bad cron\n  schedule: "x"\n            ^^^\n' },
    { type: 'error', at, message: 'runner exploded', job: ref },
    { type: 'stopped', at },
  ];
  assert.equal(
    events.map(formatDaemonEvent).join(''),
    [
      '2026-01-01T02:00:05.000Z fire nightly (/repo/jobs.yaml) fired-at=2026-01-01T02:00:00.000Z trigger=schedule workdir=/repo',
      '2026-01-01T02:00:05.000Z skip nightly (/repo/jobs.yaml) fired-at=2026-01-01T02:00:00.000Z reason=previous-run-active: still going',
      '2026-01-01T02:00:05.000Z reload-ok /repo/jobs.yaml added=[b] removed=[] changed=[nightly]',
      '2026-01-01T02:00:05.000Z reload-failed /repo/jobs.yaml: kept the previous schedule',
      '  jobs.yaml:3:15: error: bad cron',
      '    schedule: "x"',
      '              ^^^',
      '2026-01-01T02:00:05.000Z error nightly (/repo/jobs.yaml): runner exploded',
      '2026-01-01T02:00:05.000Z stopped',
      '',
    ].join('\n'),
  );
});

test('the writer sends the same text to the sink and to schedule.log (0600, appended)', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-log-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const runsRoot = path.join(root, 'runs');
  const sink: string[] = [];
  const event: DaemonEvent = { type: 'stopped', at };
  for (let i = 0; i < 2; i++) {
    const opened = DaemonLogWriter.open(runsRoot, { write: (text) => sink.push(text) });
    assert.ok(opened.ok);
    if (!opened.ok) return;
    opened.value.write(event);
    opened.value.close();
  }
  const file = path.join(runsRoot, 'schedule.log');
  assert.equal(fs.readFileSync(file, 'utf8'), formatDaemonEvent(event).repeat(2));
  assert.deepEqual(sink, [formatDaemonEvent(event), formatDaemonEvent(event)]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(runsRoot).mode & 0o777, 0o700);
});

test('an existing log file with loose permissions is tightened to 0600', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-log-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const file = path.join(root, 'schedule.log');
  fs.writeFileSync(file, '', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  const opened = DaemonLogWriter.open(root, null);
  assert.ok(opened.ok);
  if (opened.ok) opened.value.close();
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});
