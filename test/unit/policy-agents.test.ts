/**
 * The fake agents in test/fixtures/agent-*.js, each run once in a real PTY with a real
 * screen model and supervisor (system clock, short timings), answers typed back into the
 * PTY. Checks that the fixtures behave as the session tests will need them to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodePtyFactory } from '../../src/session/pty-host.js';
import type { PtyExit } from '../../src/session/pty.js';
import { ScreenModel } from '../../src/session/screen.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { runSendSteps, type SendRun } from '../../src/session/policies/send-steps.js';
import { parseSupervision } from '../../src/session/policies/spec.js';
import { Supervisor } from '../../src/session/policies/supervisor.js';
import { systemClock } from '../../src/util/clock.js';
import { fixture, repoRoot } from '../helpers/paths.js';

interface AgentRun {
  output: string;
  decisions: Decision[];
  exit: PtyExit;
  screen: string[];
}

const DEADLINE_MS = 10_000;

/**
 * Runs a fixture under supervision until it exits; a supervisor stop sends SIGTERM. With
 * `fromFirstOutput`, supervision (and so the idle ladder's clock) starts when the agent first
 * prints, not at the spawn: a short `poke` then cannot fall inside Node's start-up on a busy
 * machine (the poke would reach a terminal not yet in raw mode, and the first frame would be
 * progress that starts a new idle period).
 */
async function runAgent(name: string, args: string[], raw: Record<string, unknown>, direct = false, fromFirstOutput = false): Promise<AgentRun> {
  const parsed = parseSupervision(raw);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const cols = 100;
  const rows = 30;
  const pty = nodePtyFactory({
    file: direct ? fixture(name) : process.execPath,
    args: direct ? args : [fixture(name), ...args],
    cwd: repoRoot,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: os.tmpdir(), TERM: 'xterm-256color' },
    cols,
    rows,
  });
  const screen = new ScreenModel({ cols, rows, clock: systemClock, throttleMs: 20, historyLines: Supervisor.historyLinesFor(parsed.value) });
  const decisions: Decision[] = [];
  const sends: SendRun[] = [];
  let sup: Supervisor | null = null;
  const supervise = (): Supervisor => {
    const started = new Supervisor({
      spec: parsed.value,
      clock: systemClock,
      timing: { enterDelayMs: 50, keyDelayMs: 20 },
      onDecision: (d) => {
        decisions.push(d);
        const type = (data: string): void => {
          started.observeInput(data);
          pty.write(data);
        };
        if (d.type === 'send') sends.push(runSendSteps(d.steps, type, systemClock));
        if (d.type === 'stop') pty.kill('SIGTERM');
      },
    });
    started.attach(screen);
    return started;
  };
  if (!fromFirstOutput) sup = supervise();
  let output = '';
  pty.onData((chunk) => {
    sup ??= supervise();
    output += chunk.toString('utf8');
    screen.write(chunk);
    sup.observeOutput(chunk.length);
  });
  let deadline: NodeJS.Timeout | undefined;
  try {
    const exit = await new Promise<PtyExit>((resolve, reject) => {
      pty.onExit(resolve);
      deadline = setTimeout(() => {
        pty.kill('SIGKILL');
        reject(new Error(`${name} did not finish within ${DEADLINE_MS} ms; output so far:\n${JSON.stringify(output)}`));
      }, DEADLINE_MS);
    });
    await screen.whenParsed();
    return { output, decisions, exit, screen: screen.snapshot().lines.filter((l) => l !== '') };
  } finally {
    clearTimeout(deadline);
    for (const s of sends) s.cancel();
    sup?.dispose();
    screen.dispose();
  }
}

function sent(run: AgentRun): string[] {
  return run.decisions.flatMap((d) => (d.type === 'send' ? [d.intervention.sent ?? ''] : []));
}

function stops(run: AgentRun): string[] {
  return run.decisions.flatMap((d) => (d.type === 'stop' ? [d.reason] : []));
}

test('agent-yn-prompt (run by its shebang): each prompt answered once with "y" then Enter', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-yn-prompt.js', ['2'], { answers: [{ match: 'Apply changes \\(\\d/\\d\\)\\? \\[y/n\\]', send: 'y' }] }, true);
  assert.equal(run.exit.exitCode, 0, run.output);
  assert.deepEqual(sent(run), ['y\\r', 'y\\r']);
  assert.match(run.output, /answer 1: "y\\r"\r\n/);
  assert.match(run.output, /answer 2: "y\\r"\r\n/);
  assert.match(run.output, /done\r\n$/);
});

test('agent-menu: [down, enter] reaches the agent as exactly ESC [ B, CR', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-menu.js', [], { answers: [{ match: '^› 1\\. Yes', send: { keys: ['down', 'enter'] } }] });
  assert.equal(run.exit.exitCode, 0, run.output);
  assert.deepEqual(sent(run), ['\\x1b[B\\r']);
  assert.deepEqual(run.screen.slice(-4), ['  1. Yes, proceed', '› 2. No, cancel', 'received: "\\u001b[B\\r"', 'selected: 2. No, cancel']);
});

test('agent-split-prompt: the prompt arriving in pieces is answered once', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-split-prompt.js', [], { answers: [{ match: 'Do you want to continue\\? \\[y/n\\]', send: 'y' }] });
  assert.equal(run.exit.exitCode, 0, run.output);
  assert.match(run.output, /received: "y\\r"/);
});

test('agent-redraw: a prompt repainted five times still gets a single answer', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-redraw.js', [], { answers: [{ match: 'Overwrite file\\? \\[y/n\\]', send: 'y' }] });
  assert.equal(run.exit.exitCode, 0, run.output);
  assert.deepEqual(sent(run), ['y\\r']);
  assert.match(run.output, /received: "y\\r"\r\n/);
});

test('agent-dangerous: the deny rule declines with Esc and the approval is never typed', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-dangerous.js', [], {
    answers: [
      { match: 'rm -rf', action: 'deny' },
      { match: 'Would you like to run the following command\\?', send: 'y' },
    ],
  });
  assert.equal(run.exit.exitCode, 0, run.output);
  assert.deepEqual(sent(run), ['\\x1b']);
  assert.match(run.output, /received: "\\u001b"\r\ndeclined\r\n/);
  assert.doesNotMatch(run.output, /RAN rm -rf/);
});

test('agent-spinner-hung: busy-looking but idle, poked at `poke` then stopped at `kill`', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-agents-'));
  try {
    const received = path.join(dir, 'received');
    const started = Date.now();
    const run = await runAgent('agent-spinner-hung.js', [received], { idle: { poke: '300ms', kill: '900ms', pokeWith: 'status' } }, false, true);
    const took = Date.now() - started;
    assert.deepEqual(sent(run), ['status\\r']);
    assert.deepEqual(stops(run), ['idle-killed']);
    assert.equal(run.exit.signal, 15, 'stopped with SIGTERM');
    assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
    assert.equal(fs.readFileSync(received, 'utf8'), 'status\r');
    assert.match(run.screen.at(-1) ?? '', /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Working \(\d+s • esc to interrupt\)$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('agent-silent: prints "started" and nothing more, so it is idle-killed', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-silent.js', [], { idle: { kill: '300ms' } });
  assert.deepEqual(stops(run), ['idle-killed']);
  assert.deepEqual(run.screen, ['started']);
});

test('agent-loop: the repeated block is caught by the loop guard', { timeout: 60_000 }, async () => {
  const run = await runAgent('agent-loop.js', [], { loop: { repeats: 5 } });
  assert.deepEqual(stops(run), ['looping']);
  const stop = run.decisions.find((d) => d.type === 'stop');
  assert.deepEqual(
    stop?.type === 'stop' && stop.intervention.excerpt.map((l) => l.replace(/\d+ms/, 'Nms')),
    ['Running the test suite (took Nms)', 'Error: expected 1 to equal 2'],
  );
});

test('agent-flood: the output cap stops a flood; unsupervised it ends with its byte count', { timeout: 60_000 }, async () => {
  const capped = await runAgent('agent-flood.js', ['4'], { maxOutput: '1MB' });
  assert.deepEqual(stops(capped), ['output-limit']);
  assert.equal(capped.exit.signal, 15);
  assert.ok(capped.output.length < 4 * 1024 * 1024);

  const free = await runAgent('agent-flood.js', ['1'], {});
  assert.equal(free.exit.exitCode, 0);
  assert.match(free.screen.at(-1) ?? '', /^flood done: \d+ bytes$/);
});
