import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, startCli, within } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

// Finishing work, end to end: the real Codex CLI against the scripted model server
// (`--rehearse`): verify and continue the same session, usage limits, budgets, retry.

interface Attempt {
  n: number;
  reason: string;
  sessionId: string | null;
  tokens: number | null;
  prompt: string;
  verify?: { exitCode: number | null; passed: boolean; logFile: string; tail: string };
}
interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  sessionId: string | null;
  outcome: string | null;
  attempts: Attempt[];
  startedAt: string | null;
}
interface RequestLog {
  seq: number;
  at: string;
  kind: string;
  outcome: string;
  sessionId: string | null;
  turns: number[];
  userMessages: string[];
}
interface Rehearsed {
  code: number | null;
  out: string;
  workdir: string;
  runDir: string;
  jobs: Map<string, ReportJob>;
  requests: Record<string, RequestLog[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A node script that passes when out.txt says "fixed".
const CHECK_JS = `const fs = require('fs');
const text = fs.existsSync('out.txt') ? fs.readFileSync('out.txt', 'utf8').trim() : '(missing)';
if (text !== 'fixed') { console.log('expected out.txt to say fixed, found ' + text); process.exit(3); }
console.log('ok');
`;

async function rehearse(body: (workdir: string) => string, files: Record<string, string> = {}): Promise<Rehearsed> {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(workdir, name), text);
  writeFileSync(path.join(dir, 'jobs.yaml'), body(workdir));
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 60_000, env: { HOME: dir } });
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.ok(runId !== undefined, r.stdout + r.stderr);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const requests = JSON.parse(readFileSync(path.join(runDir, 'rehearsal.json'), 'utf8')) as Record<string, RequestLog[]>;
  return { code: r.code, out: r.stdout + r.stderr, workdir, runDir, jobs: new Map(report.jobs.map((j) => [j.name, j])), requests };
}

test('verify fails after the first turn; the same session continues with the verify output and the job is verified in 2 turns', { timeout: 90_000 }, async () => {
  const { code, out, workdir, runDir, jobs, requests } = await rehearse(
    (workdir) => `version: 1
jobs:
  fix:
    prompt: "Make out.txt say fixed"
    workdir: ${workdir}
    codex: { sandbox: workspace-write }
    verify: { command: [node, check.js], timeout: 30s }
    until: verified
    maxTurns: 3
    rehearsal:
      - run: "echo broken > out.txt"
      - say: "Wrote it."
      - run: "echo fixed > out.txt"
      - say: "Fixed."
`,
    { 'check.js': CHECK_JS },
  );
  assert.equal(code, 0, out);
  assert.equal(readFileSync(path.join(workdir, 'out.txt'), 'utf8'), 'fixed\n');
  const job = jobs.get('fix')!;
  assert.equal(job.status, 'succeeded', out);
  assert.equal(job.outcome, 'verified');
  assert.match(job.sessionId ?? '', UUID);
  assert.deepEqual(
    job.attempts.map((a) => [a.n, a.prompt, a.reason, a.sessionId, a.verify?.passed, a.verify?.exitCode]),
    [
      [1, 'first', 'verify-failed', job.sessionId, false, 3],
      [2, 'continue', 'verified', job.sessionId, true, 0],
    ],
  );
  assert.equal(job.attempts[0]?.verify?.tail, 'expected out.txt to say fixed, found broken');
  assert.ok(job.attempts.every((a) => (a.tokens ?? 0) > 0), JSON.stringify(job.attempts));
  // The verify output is kept, private, per turn.
  const log1 = path.join(runDir, 'fix.verify-1.log');
  assert.equal(readFileSync(log1, 'utf8'), 'expected out.txt to say fixed, found broken\n');
  assert.equal(statSync(log1).mode & 0o777, 0o600);
  assert.equal(readFileSync(path.join(runDir, 'fix.verify-2.log'), 'utf8'), 'ok\n');
  // The continuation is the same conversation, and carries the verify output.
  const turns = (requests['fix'] ?? []).filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 4, JSON.stringify(turns));
  const continued = turns[2]!;
  assert.equal(continued.sessionId, job.sessionId);
  assert.ok(continued.userMessages.includes('Make out.txt say fixed'), 'the earlier conversation is carried');
  const last = continued.userMessages[continued.userMessages.length - 1] ?? '';
  assert.match(last, /`node check\.js` failed \(exit 3\)/);
  assert.match(last, /expected out\.txt to say fixed, found broken/);
});

test('a usage limit with a 3-second reset parks the job, no other codex job starts meanwhile, then the same session finishes', { timeout: 90_000 }, async () => {
  // `gate` is a command job that ends only once `limited` is shown parked (events.jsonl), so
  // its slot frees while the limit holds: `later`, a codex job, must still wait for the reset.
  const { code, out, jobs, requests } = await rehearse(
    (workdir) => `version: 1
concurrency: 2
jobs:
  limited:
    prompt: "Say hello"
    workdir: ${workdir}
    rehearsal:
      - limit: 3s
      - say: "Done after the reset."
  gate:
    agent: command
    workdir: ${workdir}
    command: [node, wait-parked.js]
  later:
    prompt: "Say later"
    workdir: ${workdir}
    rehearsal:
      - say: "Later done."
`,
    {
      'wait-parked.js': `const fs = require('fs'); const path = require('path');
const root = path.join(__dirname, '..', '.codex-run', 'runs');
const deadline = Date.now() + 30000;
(function poll() {
  for (const run of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const events = path.join(root, run, 'events.jsonl');
    if (fs.existsSync(events) && fs.readFileSync(events, 'utf8').includes('waiting: usage limit')) process.exit(0);
  }
  if (Date.now() > deadline) process.exit(7);
  setTimeout(poll, 50);
})();
`,
    },
  );
  assert.equal(code, 0, out);
  assert.equal(jobs.get('gate')?.status, 'succeeded', 'the gate job saw the parked state');
  const limited = jobs.get('limited')!;
  assert.equal(limited.status, 'succeeded', out);
  assert.match(limited.sessionId ?? '', UUID);
  // Codex prints the reset to the minute, so a resume can come a little early and park again.
  const attempts = limited.attempts.map((a) => [a.prompt, a.reason, a.sessionId]);
  assert.deepEqual(attempts[0], ['first', 'usage-limit', limited.sessionId]);
  assert.deepEqual(attempts[attempts.length - 1], ['resume', 'succeeded', limited.sessionId]);
  for (const middle of attempts.slice(1, -1)) assert.deepEqual(middle, ['resume', 'usage-limit', limited.sessionId]);
  // The reset's time of day, with its date in front when it falls tomorrow (a run just before midnight).
  assert.match(out, /waiting: usage limit, resets (?:\d{4}-\d\d-\d\d )?\d\d:\d\d \(in \d+s\)/);
  const limitedTurns = (requests['limited'] ?? []).filter((r) => r.kind === 'turn');
  const firstAt = Date.parse(limitedTurns[0]!.at);
  const answered = limitedTurns.filter((r) => r.turns.includes(1));
  assert.equal(answered.length, 1, JSON.stringify(limitedTurns));
  assert.equal(answered[0]?.sessionId, limited.sessionId, 'the same session finished');
  assert.ok(Date.parse(answered[0]!.at) >= firstAt + 3000, 'resumed only after the reset');
  // No codex job of the same account started while the limit held.
  const later = jobs.get('later')!;
  assert.equal(later.status, 'succeeded', out);
  const laterFirst = (requests['later'] ?? [])[0];
  assert.ok(laterFirst !== undefined);
  assert.ok(Date.parse(laterFirst.at) >= firstAt + 3000, `later started at ${laterFirst.at}, before the reset (limit hit at ${limitedTurns[0]!.at})`);
});

test('waiting out a usage limit uses no turns: maxTurns 2 still allows the continuation, verify logs count verify runs', { timeout: 90_000 }, async () => {
  const { code, out, runDir, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  fix:
    prompt: "Make out.txt say fixed"
    workdir: ${workdir}
    codex: { sandbox: workspace-write }
    verify: { command: [node, check.js], timeout: 30s }
    until: verified
    maxTurns: 2
    budget: { turns: 2 }
    limits: { wait: 1m }
    rehearsal:
      - limit: 1s
      - run: "echo broken > out.txt"
      - say: "Wrote it."
      - run: "echo fixed > out.txt"
      - say: "Fixed."
`,
    { 'check.js': CHECK_JS },
  );
  assert.equal(code, 0, out);
  const job = jobs.get('fix')!;
  assert.equal(job.outcome, 'verified', out);
  const attempts = job.attempts.map((a) => [a.prompt, a.reason, a.verify?.logFile ?? null]);
  assert.deepEqual(attempts[0], ['first', 'usage-limit', null]);
  for (const parked of attempts.slice(1, -2)) assert.deepEqual(parked, ['resume', 'usage-limit', null]);
  assert.deepEqual(attempts.slice(-2), [
    ['resume', 'verify-failed', 'fix.verify-1.log'],
    ['continue', 'verified', 'fix.verify-2.log'],
  ]);
  assert.equal(readFileSync(path.join(runDir, 'fix.verify-1.log'), 'utf8'), 'expected out.txt to say fixed, found broken\n');
  assert.equal(readFileSync(path.join(runDir, 'fix.verify-2.log'), 'utf8'), 'ok\n');
  assert.match(out, /continuing session \S+ \(turn 2\)/);
  assert.match(out, /\[verified, 2 turns, \d+ tokens\]/);
});

test('codex-run kill ends a job parked at the usage limit at once, as killed by the user', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir, { recursive: true });
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1
jobs:
  limited:
    prompt: "Say hello"
    workdir: ${workdir}
    limits: { wait: 1h }
    rehearsal:
      - limit: 30m
      - say: "Never played."
`);
  const env = { HOME: dir };
  const run = startCli(['jobs.yaml', '--rehearse'], { cwd: dir, env });
  const root = path.join(dir, '.codex-run', 'runs');
  const runDir = await waitFor('the job to be parked', () => {
    for (const name of existsSync(root) ? readdirSync(root) : []) {
      const events = path.join(root, name, 'events.jsonl');
      if (existsSync(events) && readFileSync(events, 'utf8').includes('waiting: usage limit')) return path.join(root, name);
    }
    return null;
  }, 30_000, 100);
  const killed = await runCli(['kill', 'limited', '--by', 'tester'], { cwd: dir, env, deadlineMs: 20_000 });
  assert.equal(killed.code, 0, killed.stdout + killed.stderr);
  const result = await within(run.result, 30_000, () => 'the run did not end after the kill');
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: Array<ReportJob & { interventions: Array<{ kind: string; by?: string }> }> };
  const job = report.jobs[0]!;
  assert.equal(job.status, 'killed');
  assert.equal(job.reason, 'killed-by-user');
  assert.equal(job.outcome, 'killed-by-user');
  assert.deepEqual(job.attempts.map((a) => [a.prompt, a.reason]), [['first', 'usage-limit']]);
  assert.deepEqual(job.interventions.map((i) => [i.kind, i.by ?? null]), [['usage-limit', null], ['kill', 'tester']]);
});

test('a reset beyond limits.wait ends the job rate-limited, with its session id to resume later', { timeout: 60_000 }, async () => {
  const { code, out, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  limited:
    prompt: "Say hello"
    workdir: ${workdir}
    limits: { wait: 1s }
    rehearsal:
      - limit: 5m
      - say: "Never played."
`,
  );
  assert.equal(code, 1, out);
  const job = jobs.get('limited')!;
  assert.equal(job.status, 'failed');
  assert.equal(job.reason, 'rate-limited');
  assert.equal(job.outcome, 'rate-limited');
  assert.match(job.sessionId ?? '', UUID);
  assert.ok(job.message?.includes(`codex-run resume ${job.name}\` (session ${job.sessionId})`), job.message ?? '');
  assert.deepEqual(job.attempts.map((a) => [a.prompt, a.reason, a.sessionId]), [['first', 'usage-limit', job.sessionId]]);
});

test('a token budget used up before verify passes ends the job budget-exhausted at a clean point', { timeout: 60_000 }, async () => {
  const { code, out, jobs, requests } = await rehearse(
    (workdir) => `version: 1
jobs:
  fix:
    prompt: "Make out.txt say fixed"
    workdir: ${workdir}
    codex: { sandbox: workspace-write }
    verify: { command: "node check.js" }
    until: verified
    maxTurns: 5
    budget: { tokens: 1k }
    rehearsal:
      - run: "echo broken > out.txt"
      - say: "Wrote it."
      - run: "echo fixed > out.txt"
      - say: "Fixed."
`,
    { 'check.js': CHECK_JS },
  );
  assert.equal(code, 1, out);
  const job = jobs.get('fix')!;
  assert.equal(job.reason, 'budget-exhausted', job.message ?? '');
  assert.equal(job.outcome, 'budget-exhausted');
  assert.match(job.message ?? '', /token budget is used up: \d+ tokens of 1000/);
  assert.equal(job.attempts.length, 1);
  assert.equal(job.attempts[0]?.verify?.passed, false);
  assert.equal((requests['fix'] ?? []).filter((r) => r.kind === 'turn').length, 2, 'no further turn started');
});

test('a command job with retry: a failed attempt is tried again after the back-off and succeeds', { timeout: 30_000 }, async () => {
  const { code, out, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  flaky:
    agent: command
    workdir: ${workdir}
    command: [node, flaky.js]
    retry: { max: 2, backoff: 200ms }
  hopeless:
    agent: command
    workdir: ${workdir}
    command: [node, -e, "process.exit(4)"]
    retry: { max: 1, backoff: 100ms }
`,
    { 'flaky.js': `const fs = require('fs'); if (fs.existsSync('seen')) process.exit(0); fs.writeFileSync('seen', ''); process.exit(5);\n` },
  );
  assert.equal(code, 1, out);
  const flaky = jobs.get('flaky')!;
  assert.equal(flaky.status, 'succeeded', out);
  assert.equal(flaky.outcome, 'succeeded');
  assert.deepEqual(flaky.attempts.map((a) => [a.n, a.prompt, a.reason]), [[1, 'first', 'exit-non-zero'], [2, 'retry', 'succeeded']]);
  const hopeless = jobs.get('hopeless')!;
  assert.equal(hopeless.status, 'failed');
  assert.deepEqual(hopeless.attempts.map((a) => [a.prompt, a.reason]), [['first', 'exit-non-zero'], ['retry', 'exit-non-zero']]);
});

test('a command job until verified runs again until verify passes; a wall budget stops a long attempt through the ladder', { timeout: 30_000 }, async () => {
  const { code, out, runDir, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  counter:
    agent: command
    workdir: ${workdir}
    command: [node, count.js]
    verify: { command: [node, -e, "process.exit(Number(require('fs').readFileSync('n', 'utf8')) >= 2 ? 0 : 1)"] }
    until: verified
    maxTurns: 4
  endless:
    agent: command
    workdir: ${workdir}
    command: [node, -e, "setInterval(() => {}, 1000)"]
    budget: { wall: 500ms }
`,
    { 'count.js': `const fs = require('fs'); const n = fs.existsSync('n') ? Number(fs.readFileSync('n', 'utf8')) : 0; fs.writeFileSync('n', String(n + 1));\n` },
  );
  assert.equal(code, 1, out);
  const counter = jobs.get('counter')!;
  assert.equal(counter.outcome, 'verified', out);
  assert.deepEqual(counter.attempts.map((a) => [a.prompt, a.reason, a.verify?.exitCode]), [['first', 'verify-failed', 1], ['continue', 'verified', 0]]);
  assert.equal(statSync(path.join(runDir, 'counter.verify-2.log')).size, 0);
  const endless = jobs.get('endless')!;
  assert.equal(endless.status, 'failed');
  assert.equal(endless.reason, 'budget-exhausted');
  assert.match(endless.message ?? '', /wall budget of 500ms is used up/);
});

test('a parked job shows its wait in report.json and an interrupt ends the wait at once', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(workdir, { recursive: true });
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  limited:
    prompt: "Say hello"
    workdir: ${workdir}
    rehearsal:
      - limit: 10m
      - say: "Never played."
`,
  );
  const cli = startCli(['jobs.yaml', '--rehearse'], { cwd: dir, env: { HOME: dir } });
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  // The run folder is created under a temporary name and renamed: look for its report afresh each time.
  const root = path.join(dir, '.codex-run', 'runs');
  const currentReport = (): string | null => {
    if (!existsSync(root)) return null;
    return readdirSync(root).map((name) => path.join(root, name, 'report.json')).find((file) => existsSync(file)) ?? null;
  };
  const detail = await waitFor('the parked state in report.json', () => {
    try {
      const file = currentReport();
      const job = file === null ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as { jobs: Array<{ detail: string | null }> }).jobs[0];
      return job?.detail?.startsWith('waiting: usage limit') === true ? job.detail : null;
    } catch {
      return null;
    }
  }, 30_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${cli.stdout()}`);
  });
  // With the reset's date in front when it falls tomorrow (from 23:50 on).
  assert.match(detail, /^waiting: usage limit, resets (?:\d{4}-\d\d-\d\d )?\d\d:\d\d \(in (?:\d+m)?\d*s?\)$/);
  cli.child.kill('SIGINT');
  const r = await cli.result;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  const reportFile = currentReport();
  assert.ok(reportFile !== null);
  const job = (JSON.parse(readFileSync(reportFile, 'utf8')) as { jobs: ReportJob[] }).jobs[0]!;
  assert.equal(job.status, 'interrupted');
  assert.deepEqual(job.attempts.map((a) => [a.prompt, a.reason]), [['first', 'usage-limit']]);
});

test("the run's budget: once its turns are spent, queued jobs are skipped as budget-exhausted", { timeout: 30_000 }, async () => {
  const { code, out, jobs } = await rehearse(
    (workdir) => `version: 1
concurrency: 1
budget: { turns: 1 }
jobs:
  first:
    agent: command
    workdir: ${workdir}
    command: [node, -e, "0"]
  second:
    agent: command
    workdir: ${workdir}
    command: [node, -e, "0"]
`,
  );
  assert.equal(code, 1, out);
  assert.equal(jobs.get('first')?.status, 'succeeded');
  const second = jobs.get('second')!;
  assert.equal(second.status, 'skipped');
  assert.equal(second.reason, 'budget-exhausted');
  assert.equal(second.message, "not started: the run's budget is used up");
});

test('a codex job with retry: a model error is tried again afresh, as a new session', { timeout: 60_000 }, async () => {
  const { code, out, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  flaky:
    prompt: "Say hello"
    workdir: ${workdir}
    retry: { max: 1, backoff: 100ms }
    rehearsal:
      - fail: 400
        times: 1
      - say: "Second time lucky."
`,
  );
  assert.equal(code, 0, out);
  const job = jobs.get('flaky')!;
  assert.equal(job.outcome, 'succeeded');
  assert.deepEqual(job.attempts.map((a) => [a.prompt, a.reason]), [['first', 'model-error'], ['retry', 'succeeded']]);
  assert.notEqual(job.attempts[0]?.sessionId, job.attempts[1]?.sessionId, 'a retry starts a new session');
});

test('verify that never passes: verify-failed after maxTurns, and at once without until', { timeout: 30_000 }, async () => {
  const { code, out, jobs } = await rehearse(
    (workdir) => `version: 1
defaults:
  agent: command
  workdir: ${workdir}
  command: [node, -e, "0"]
  verify: { command: "echo still broken; exit 1" }
jobs:
  stubborn:
    until: verified
    maxTurns: 2
  once: {}
`,
  );
  assert.equal(code, 1, out);
  const stubborn = jobs.get('stubborn')!;
  assert.equal(stubborn.reason, 'verify-failed');
  assert.equal(stubborn.message, 'verify `echo still broken; exit 1` failed (exit 1); output in stubborn.verify-2.log, after 2 turns (maxTurns 2)');
  assert.deepEqual(stubborn.attempts.map((a) => [a.prompt, a.reason, a.verify?.tail]), [['first', 'verify-failed', 'still broken'], ['continue', 'verify-failed', 'still broken']]);
  const once = jobs.get('once')!;
  assert.equal(once.outcome, 'verify-failed');
  assert.equal(once.attempts.length, 1);
});
