import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ACTIVITY_LINE_MAX_CHARS, ACTIVITY_MIN_GAP_MS } from '../../src/run/activity-sampler.js';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// Bytes of one activity line in events.jsonl besides the line itself: type, ISO time, job name.
const ACTIVITY_OVERHEAD_BYTES = 120;

test('jobs printing 70 KB lines fast: activity lines are capped and rate-limited, so events.jsonl stays small', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const jobs = ['a', 'b'].map((name) => `  ${name}:\n    agent: command\n    command: [node, ${JSON.stringify(fixture('long-lines.js'))}, "2", "70000", "30"]\n`).join('');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n${jobs}`);
  const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 50_000 });
  assert.equal(result.code, 0, result.stderr);
  const runDir = path.join(dir, 'runs', readdirSync(path.join(dir, 'runs'))[0]!);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: Array<{ name: string; durationMs: number; lastLine: string }> };
  const lines = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').trimEnd().split('\n');
  const events = lines.map((l) => JSON.parse(l) as { type: string; job?: string; line?: string });
  const other = lines.filter((_, i) => events[i]!.type !== 'job-activity').reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

  let bound = other;
  for (const job of report.jobs) {
    assert.ok(statSync(path.join(runDir, `${job.name}.log`)).size > 1_000_000, 'the job printed megabytes');
    const activity = events.filter((e) => e.type === 'job-activity' && e.job === job.name);
    for (const e of activity) assert.ok(e.line!.length <= ACTIVITY_LINE_MAX_CHARS, `an activity line of ${e.line!.length} characters`);
    // One per gap while it ran, the first at once, and the final line when it finished.
    const allowed = Math.floor(job.durationMs / ACTIVITY_MIN_GAP_MS) + 2;
    assert.ok(activity.length <= allowed, `${job.name}: ${activity.length} activity lines in ${job.durationMs} ms (at most ${allowed})`);
    assert.ok(job.lastLine.length <= ACTIVITY_LINE_MAX_CHARS);
    bound += allowed * (ACTIVITY_LINE_MAX_CHARS + ACTIVITY_OVERHEAD_BYTES);
  }
  const size = statSync(path.join(runDir, 'events.jsonl')).size;
  assert.ok(size <= bound, `events.jsonl is ${size} bytes, bound ${bound}`);
  assert.ok(size < 64 * 1024, `events.jsonl is ${size} bytes`);
});
