import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Intervention {
  at: string;
  kind: string;
  rule: { index: number; match: string } | null;
  excerpt: string[];
  sent: string | null;
}
interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string;
  logFile: string;
  transcriptFile: string;
  interventions: Intervention[];
}

/** Runs a manifest through the built CLI and returns its report, keyed by job name. */
async function runManifest(body: string, deadlineMs = 45_000): Promise<{ code: number | null; jobs: Map<string, ReportJob>; runDir: string; out: string }> {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), body);
  const r = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs });
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => !name.endsWith('.log') && !name.endsWith('.json'));
  assert.ok(runId, `no run folder; output:\n${r.stdout}${r.stderr}`);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  return { code: r.code, jobs: new Map(report.jobs.map((j) => [j.name, j])), runDir, out: r.stdout + r.stderr };
}

function transcript(runDir: string, job: ReportJob): string {
  return readFileSync(path.join(runDir, job.transcriptFile), 'utf8');
}

function job(jobs: Map<string, ReportJob>, name: string): ReportJob {
  const found = jobs.get(name);
  assert.ok(found, `no job ${name} in the report`);
  return found;
}

test('answer rules over fake agents: y/n, split prompt, redraw answered once, menu keys, deny; every answer recorded', { timeout: 120_000 }, async () => {
  const { code, jobs, runDir, out } = await runManifest(`version: 1
concurrency: 5
defaults:
  agent: command
  enterDelay: 100ms
jobs:
  yn:
    command: [node, ${fixture('agent-yn-prompt.js')}, "2"]
    answers:
      - match: "Apply changes \\\\(\\\\d/\\\\d\\\\)\\\\? \\\\[y/n\\\\]"
        send: "y"
  split:
    command: [node, ${fixture('agent-split-prompt.js')}]
    answers:
      - match: "Do you want to continue\\\\? \\\\[y/n\\\\]"
        send: "y"
  redraw:
    command: [node, ${fixture('agent-redraw.js')}]
    answers:
      - match: "Overwrite file\\\\? \\\\[y/n\\\\]"
        send: "y"
  menu:
    command: [node, ${fixture('agent-menu.js')}]
    answers:
      - match: "› 1\\\\. Yes, proceed"
        send: { keys: [down, enter] }
  dangerous:
    command: [node, ${fixture('agent-dangerous.js')}]
    answers:
      - match: "rm -rf"
        action: deny
        send: esc
      - match: "Would you like to run the following command\\\\?"
        send: { keys: [y] }
`);
  assert.equal(code, 0, out);

  const yn = job(jobs, 'yn');
  assert.equal(yn.status, 'succeeded');
  assert.match(transcript(runDir, yn), /answer 1: "y\\r"/);
  assert.match(transcript(runDir, yn), /answer 2: "y\\r"/);
  assert.deepEqual(yn.interventions.map((i) => [i.kind, i.rule?.index, i.sent]), [
    ['answer', 0, 'y\\r'],
    ['answer', 0, 'y\\r'],
  ]);
  assert.ok(yn.interventions[0]!.excerpt.some((line) => line.includes('Apply changes (1/2)? [y/n]')), JSON.stringify(yn.interventions[0]));

  assert.match(transcript(runDir, job(jobs, 'split')), /received: "y\\r"/);
  const redraw = job(jobs, 'redraw');
  assert.match(transcript(runDir, redraw), /received: "y\\r"$/m, 'a redrawn prompt is answered exactly once');
  assert.equal(redraw.interventions.filter((i) => i.kind === 'answer').length, 1);

  const menu = job(jobs, 'menu');
  assert.match(transcript(runDir, menu), /No, cancel/);
  assert.deepEqual(menu.interventions.map((i) => [i.kind, i.sent]), [['answer', '\\x1b[B\\r']]);

  const dangerous = job(jobs, 'dangerous');
  assert.match(transcript(runDir, dangerous), /declined/);
  assert.doesNotMatch(transcript(runDir, dangerous), /RAN rm -rf/);
  assert.deepEqual(dangerous.interventions.map((i) => [i.kind, i.rule?.index]), [['deny', 0]]);
});

test('the idle ladder and guards stop jobs with their reasons: poke then kill a hung spinner, looping, output cap, unanswered question', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const pokes = path.join(dir, 'pokes.txt');
  const { code, jobs, runDir, out } = await runManifest(`version: 1
concurrency: 5
defaults:
  agent: command
  enterDelay: 0ms
jobs:
  spinner:
    command: [node, ${fixture('agent-spinner-hung.js')}, ${pokes}]
    # The idle ladder counts from the spawn: on a loaded machine (a 20 MB flood beside it, the
    # JS PTY backend) node took ~1.9 s to draw the first frame, after a poke at 1.5 s, and that
    # first frame was rightly progress: the ladder started again (two pokes).
    idle: { poke: 3s, pokeWith: "status", kill: 6s }
  silent:
    command: [node, ${fixture('agent-silent.js')}]
    idle: { kill: 1500ms }
  loop:
    command: [node, ${fixture('agent-loop.js')}]
    loop: { repeats: 6 }
  flood:
    command: [node, ${fixture('agent-flood.js')}, "20"]
    maxOutput: 1MB
  unanswered:
    command: [node, ${fixture('agent-yn-prompt.js')}]
    idle: { blockedAfter: 1s, onBlocked: fail }
`);
  assert.equal(code, 1, out);

  const spinner = job(jobs, 'spinner');
  assert.equal(spinner.status, 'killed');
  assert.equal(spinner.reason, 'idle-killed');
  assert.deepEqual(spinner.interventions.map((i) => i.kind), ['poke', 'kill']);
  assert.equal(spinner.interventions[0]!.sent, 'status\\r');
  assert.equal(readFileSync(pokes, 'utf8'), 'status\r', 'the hung agent received the poke once');

  const silent = job(jobs, 'silent');
  assert.equal(silent.status, 'killed');
  assert.equal(silent.reason, 'idle-killed');

  const loop = job(jobs, 'loop');
  assert.equal(loop.status, 'killed');
  assert.equal(loop.reason, 'looping');
  assert.equal(loop.interventions.at(-1)?.kind, 'loop');

  const flood = job(jobs, 'flood');
  assert.equal(flood.status, 'killed');
  assert.equal(flood.reason, 'output-limit');
  assert.doesNotMatch(transcript(runDir, flood), /flood done/);

  const unanswered = job(jobs, 'unanswered');
  assert.equal(unanswered.status, 'failed');
  assert.equal(unanswered.reason, 'waiting-for-input');
  assert.deepEqual(unanswered.interventions.map((i) => i.kind), ['blocked', 'fail']);
  assert.ok(unanswered.interventions[0]!.excerpt.some((line) => line.includes('[y/n]')));
});

test('what codex-run types is not progress: a poked spinner is idle-killed at kill with one poke, echoing terminal or not; a reply to the poke is progress', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const received = (name: string): string => path.join(dir, `${name}.received`);
  const { jobs, runDir, out } = await runManifest(`version: 1
concurrency: 3
defaults:
  agent: command
jobs:
  cooked:
    command: [node, ${fixture('agent-spinner-hung.js')}, --cooked, ${received('cooked')}]
    idle: { poke: 2s, kill: 5s }
    timeout: 20s
  raw:
    command: [node, ${fixture('agent-spinner-hung.js')}, ${received('raw')}]
    idle: { poke: 2s, kill: 5s }
    timeout: 20s
  replying:
    command: [node, ${fixture('agent-spinner-hung.js')}, --cooked, --reply]
    idle: { poke: 2s, kill: 5s, pokeWith: "status" }
    timeout: 20s
`);
  const since = (j: ReportJob, at: string): number => Date.parse(at) - Date.parse(j.startedAt ?? '');
  for (const name of ['cooked', 'raw']) {
    const spinner = job(jobs, name);
    const story = `${name}: ${JSON.stringify(spinner.interventions.map((i) => [i.kind, since(spinner, i.at)]))}\n${out}`;
    assert.equal(spinner.status, 'killed', story);
    assert.equal(spinner.reason, 'idle-killed', story);
    assert.deepEqual(spinner.interventions.map((i) => i.kind), ['poke', 'kill'], story);
    const kill = spinner.interventions[1]!;
    // Killed at `kill` measured from the last real progress, long before the 20s timeout. The
    // issue's figure (ended within 7s) is measured by hand and in the bench, not asserted here:
    // on a loaded CI machine the stop ladder's own timing would make it flaky.
    assert.ok(since(spinner, kill.at) >= 5000 && since(spinner, spinner.finishedAt) < 15_000, `stopped at kill (5s), well before the timeout: ${story}`);
  }
  // The cooked terminal turns the Enter into a newline before the agent reads it.
  assert.equal(readFileSync(received('cooked'), 'utf8'), '\n', 'the echoing agent got exactly one poke');
  assert.equal(readFileSync(received('raw'), 'utf8'), '\r', 'the raw agent got exactly one poke');
  assert.match(transcript(runDir, job(jobs, 'cooked')), /Working[^\n]*\n[^\n]*Working/, 'the echoed Enter left a frame behind');

  const replying = job(jobs, 'replying');
  assert.equal(replying.status, 'succeeded', `a reply is progress, so kill never came: ${JSON.stringify(replying.interventions)}`);
  assert.deepEqual(replying.interventions.map((i) => [i.kind, i.sent]), [
    ['poke', 'status\\r'],
    ['poke', 'status\\r'],
    ['poke', 'status\\r'],
  ]);
  assert.match(transcript(runDir, replying), /reply 3: got "status"/);
});

test('a cooked agent redrawing "\\r| Analyzing repository… Ns" (no line clear, bare timer, ASCII spinner): the poke\'s echo glued to the timer and the line the Enter leaves behind are not progress; one poke, idle-killed', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const received = (name: string): string => path.join(dir, `${name}.received`);
  const agent = (name: string, periodMs: number): string => `[node, ${fixture('agent-status-cooked.js')}, "${periodMs}", ${received(name)}]`;
  const { jobs, runDir, out } = await runManifest(`version: 1
concurrency: 4
defaults:
  agent: command
  timeout: 20s
jobs:
  go:
    command: ${agent('go', 700)}
    idle: { poke: 2s, kill: 5s, pokeWith: "go\\r" }
  please:
    command: ${agent('please', 300)}
    idle: { poke: 2s, kill: 5s, pokeWith: "please continue\\r" }
  enter:
    command: ${agent('enter', 1000)}
    idle: { poke: 2s, kill: 5s }
  keys:
    command: ${agent('keys', 1000)}
    idle: { poke: 2s, kill: 5s, pokeWith: { keys: [esc, down, enter] } }
`);
  const since = (j: ReportJob, at: string): number => Date.parse(at) - Date.parse(j.startedAt ?? '');
  for (const [name, got] of [
    ['go', 'go\n'],
    ['please', 'please continue\n'],
    ['enter', '\n'],
    ['keys', '\x1b\x1b[B\n'],
  ] as const) {
    const spinner = job(jobs, name);
    const story = `${name}: ${JSON.stringify(spinner.interventions.map((i) => [i.kind, since(spinner, i.at)]))}\n${transcript(runDir, spinner)}\n${out}`;
    assert.equal(spinner.status, 'killed', story);
    assert.equal(spinner.reason, 'idle-killed', story);
    assert.deepEqual(spinner.interventions.map((i) => i.kind), ['poke', 'kill'], story);
    // Killed at `kill` from the last real progress, long before the 20 s timeout (no tight bound: see above).
    assert.ok(since(spinner, spinner.finishedAt) < 15_000, `stopped well before the timeout: ${story}`);
    assert.equal(readFileSync(received(name), 'utf8'), got, `the agent got exactly one poke: ${story}`);
  }
  assert.match(transcript(runDir, job(jobs, 'go')), /Analyzing repository… \d+s\S*o\n/, 'the echo stuck to the timer on the line left behind');
  assert.match(transcript(runDir, job(jobs, 'please')), /Analyzing repository… \d+s\S*ase continue\n/, 'the echo stuck to the timer on the line left behind');
});
