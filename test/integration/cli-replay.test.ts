import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Intervention {
  kind: string;
  rule: { index: number; match: string } | null;
  sent: string | null;
  question?: { text: string; options: unknown[] };
}

// Two y/n prompts: a rule answers the first; the second stays unanswered until the job fails as blocked.
const manifest = (match: string): string => `version: 1
jobs:
  ask:
    agent: command
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fixture('agent-yn-prompt.js'))}, "2"]
    answers:
      - match: ${JSON.stringify(match)}
        send: "y"
    idle: { blockedAfter: 1s, onBlocked: fail }
`;

test('replay: a past job\'s log through a fresh supervisor makes the decisions the run recorded', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), manifest('Apply changes \\(1/2\\)\\? \\[y/n\\]'));
  const run = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs: 45_000 });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  // The summary says what the job was left waiting for.
  assert.match(run.stdout, /\n {5}waiting for: Apply changes \(2\/2\)\?.*\n/);
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root);
  assert.ok(runId);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: Array<{ interventions: Intervention[] }> };
  const recorded = report.jobs[0]!.interventions;
  assert.deepEqual(recorded.map((i) => i.kind), ['answer', 'blocked', 'fail']);
  assert.match(recorded[1]!.question?.text ?? '', /Apply changes \(2\/2\)\?/);

  // The timing index sits beside the log, private like it.
  const timing = path.join(runDir, 'ask.timing');
  assert.equal(statSync(timing).mode & 0o777, 0o600);
  assert.match(readFileSync(timing, 'utf8'), /^codex-run timing 1 start=\d+\n(\d+ \d+\n)+$/);

  const replay = await runCli(['replay', runDir, 'ask'], { cwd: dir });
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /timing: recorded \(ask\.timing, \d+ entries\)\n/);
  assert.match(replay.stdout, /\n {2}\+\S+ +answer {3}answers\[0\] "Apply changes \\\(1\/2\\\)\\\? \\\[y\/n\\\]" types y\\r\n {13}│ Apply changes \(1\/2\)\? \[y\/n\]\n/);
  assert.match(replay.stdout, /\n {2}\+\S+ +blocked {2}waiting for input: Apply changes \(2\/2\)\?.*\n/);
  assert.match(replay.stdout, /\n {2}\+\S+ +fail {5}stops the job: a question stayed unanswered for 1s\n/);
  assert.match(replay.stdout, /same as the run: 3 interventions recorded, each made again\n$/);

  const json = await runCli(['replay', runDir, 'ask', '--json'], { cwd: dir });
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { same: boolean; decisions: Array<{ intervention: Intervention }> };
  assert.equal(out.same, true);
  assert.deepEqual(
    out.decisions.map((d) => [d.intervention.kind, d.intervention.rule?.index ?? null, d.intervention.sent]),
    recorded.map((i) => [i.kind, i.rule?.index ?? null, i.sent]),
  );

  // Other rules on the same output: the differences are flagged, exit 1.
  writeFileSync(path.join(dir, 'other.yaml'), manifest('Apply changes \\(2/2\\)\\? \\[y/n\\]'));
  const other = await runCli(['replay', runDir, 'ask', '--manifest', 'other.yaml'], { cwd: dir });
  assert.equal(other.code, 1, other.stdout + other.stderr);
  assert.match(other.stdout, /different from the run \(report\.json\):\n/);
  assert.match(other.stdout, /\n {2}- run {7}\+\S+ answer rule 0 "Apply changes \\\(1\/2\\\)\\\? \\\[y\/n\\\]" typed y\\r\n/);
  assert.match(other.stdout, /\n {2}\+ replay {4}\+\S+ answer answers\[0\] "Apply changes \\\(2\/2\\\)\\\? \\\[y\/n\\\]" types y\\r\n/);

  // A run from before timing indexes: the pace is estimated from the report, and said so.
  renameSync(timing, `${timing}.moved`);
  const estimated = await runCli(['replay', runDir, 'ask'], { cwd: dir });
  assert.match(estimated.stdout, /timing: estimated: this run has no timing index/);

  const unknown = await runCli(['replay', runDir, 'nope'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no job "nope" in .*: expected one of "ask"\n/);
});
