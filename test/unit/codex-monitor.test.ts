/**
 * The codex adapter wired into a job: a real JobSession and JobSupervision (screen model,
 * supervisor, codex monitor) over a FakePty that replays what real codex 0.169.0 printed
 * (test/fixtures/codex-0.169), on a FakeClock. Checks the OSC state shown live, the linger stop
 * after a finished turn, facts for the report, the private folder, and failure reasons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codexAdapter } from '../../src/agents/codex.js';
import { codexSpecOf, type CodexSpec } from '../../src/agents/codex/options.js';
import { EXEC_LINGER_MS, TUI_LINGER_MS } from '../../src/agents/codex/monitor.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { EventBus, type JobFacts, type JobResult, type RunEvent } from '../../src/run/events.js';
import { JobSession } from '../../src/session/job-session.js';
import { JobSupervision } from '../../src/session/job-supervision.js';
import type { TreeControl } from '../../src/session/tree-control.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fakePtyFactory, type FakePty } from '../helpers/fake-pty.js';
import { MemorySink } from '../helpers/memory-sink.js';
import { fixture } from '../helpers/paths.js';
import { defaultSupervision } from '../helpers/supervision.js';

/** Finds no strays and signals nothing real. */
const noTree: TreeControl = { find: async (rootPid) => [rootPid], signal: (pids) => pids.length };

const COLS = 120;
const ROWS = 45;

function raw(name: string): Buffer {
  return readFileSync(fixture(`codex-0.169/${name}`));
}

/** The exit of a TUI closed with Ctrl-C (`--no-daemon`), from raw_t12.log. */
const TUI_EXIT = Buffer.from(
  '\x1b]7501;state=clear\x1b\\Token usage: total=45 input=30 output=15\r\nTo continue this session, run:\r\n  \x1b[36mcodex resume 01a20a43-a35a-7e40-8f56-2ce6167a502f\x1b[39m\r\n',
);

function job(mode: CodexSpec['mode'], workdir: string): JobSpec {
  return {
    name: 'fix',
    agent: 'codex',
    prompt: 'Fix the tests',
    command: null,
    workdir,
    env: {},
    timeoutMs: null,
    schedule: null,
    supervision: defaultSupervision(),
    enterDelayMs: 500,
    codex: { ...codexSpecOf(undefined), mode },
    resume: null,
    rehearsal: null,
    location: { file: 'jobs.yaml', line: 1, col: 1, endLine: 1, endCol: 4 },
  } as JobSpec;
}

/** One codex job in a fake PTY, supervised as a run would. */
function rig(mode: CodexSpec['mode']) {
  const workdir = mkdtempSync(path.join(tmpdir(), 'codex-run-monitor-'));
  const clock = new FakeClock();
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const spec = job(mode, workdir);
  const launch = codexAdapter.plan(spec, { PATH: '/nonexistent' });
  assert.ok(launch.ok, JSON.stringify(!launch.ok && launch.error));
  const { factory, spawned } = fakePtyFactory();
  const supervision = new JobSupervision({
    job: spec,
    cols: COLS,
    rows: ROWS,
    clock,
    bus,
    decline: codexAdapter.decline,
    target: { write: (data) => session.write(data), stop: (cause, options) => session.stop(cause, options) },
  });
  const session: JobSession = new JobSession({
    job: spec,
    launch,
    env: { PATH: '/usr/bin:/bin' },
    interruptFirst: codexAdapter.interruptFirst,
    sink: new MemorySink(),
    observer: supervision,
    bus,
    clock,
    ptyFactory: factory,
    tree: noTree,
    marker: { name: 'CODEX_RUN_JOB_TOKEN', value: 'test' },
    graceMs: 1000,
    cols: COLS,
    rows: ROWS,
  });
  const pty = (): FakePty => {
    const p = spawned[0];
    assert.ok(p, 'no PTY was spawned');
    return p;
  };
  return {
    clock,
    events,
    session,
    supervision,
    launch: launch.value,
    pty,
    /** codex prints: feed the bytes in PTY-sized chunks and wait until the screen parsed them. */
    async print(data: Buffer | string, chunk = 256): Promise<void> {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let i = 0; i < bytes.length; i += chunk) pty().emit(bytes.subarray(i, i + chunk));
      await supervision.whenCaughtUp();
    },
    typed(): string {
      return pty().written.map((w) => w.toString()).join('');
    },
    facts(): JobFacts {
      return Object.assign({}, ...events.flatMap((e) => (e.type === 'job-facts' ? [e.facts] : []))) as JobFacts;
    },
    details(): (string | null)[] {
      return events.flatMap((e) => (e.type === 'job-state' && e.phase === 'running' ? [e.detail] : []));
    },
    cleanup(): void {
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}

async function exitWith(r: ReturnType<typeof rig>, exitCode: number): Promise<JobResult> {
  r.pty().exit({ exitCode, signal: null });
  return r.session.finished;
}

test('tui: a finished turn (raw_t3) is closed after the linger with Ctrl-C and reported as success, with session and tokens', async () => {
  const r = rig('tui');
  try {
    void r.session.start();
    assert.ok(r.pty().options.args.includes('--no-daemon'));
    await r.print(raw('raw_t3.log'));
    r.clock.advance(TUI_LINGER_MS - 1);
    assert.equal(r.typed().includes('\x03'), false, 'nothing typed before the linger is over');
    r.clock.advance(1);
    assert.ok(r.typed().endsWith('\x03'), `Ctrl-C after the linger; typed ${JSON.stringify(r.typed())}`);
    await r.print(TUI_EXIT);
    const result = await exitWith(r, 0);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.reason, null);
    assert.equal(result.stoppedBy, 'ctrl-c');
    assert.equal(result.message, 'codex finished its turn; codex-run closed the TUI');
    assert.deepEqual(r.facts(), { tokensUsed: 45, sessionId: '01a20a43-a35a-7e40-8f56-2ce6167a502f' });
  } finally {
    r.cleanup();
  }
});

test('tui: a permission dialog (OSC blocked kind=permission) shows "waiting for input" at once, and working again after', async () => {
  const r = rig('tui');
  try {
    void r.session.start();
    const bytes = raw('raw_t4_approval.log');
    const blocked = bytes.indexOf('\x1b]7501;state=blocked');
    const end = bytes.indexOf('\x1b\\', blocked) + 2;
    await r.print(bytes.subarray(0, end));
    assert.equal(r.details().at(-1), 'waiting for input');
    const working = bytes.indexOf('\x1b]7501;state=working', end);
    await r.print(bytes.subarray(end, bytes.indexOf('\x1b\\', working) + 2));
    assert.equal(r.details().at(-1), 'working');
    assert.equal(r.typed().includes('y'), false, 'approval dialogs get no built-in answer');
    r.session.stop({ status: 'interrupted', reason: 'interrupted', message: 'test over' }, { immediate: true });
    await exitWith(r, 0);
  } finally {
    r.cleanup();
  }
});

test('tui: an error turn (OSC error) is closed after the linger and fails with codex\'s message', async () => {
  const r = rig('tui');
  try {
    void r.session.start();
    await r.print('\x1b]7501;state=working:app=codex\x1b\\\x1b[2J\x1b[H› RESPFAILED now\r\n■ stream disconnected before completion: mock response.failed\r\n\x1b]7501;state=error:app=codex\x1b\\');
    r.clock.advance(TUI_LINGER_MS);
    assert.ok(r.typed().endsWith('\x03'));
    const result = await exitWith(r, 0);
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'model-error');
    assert.equal(result.message, 'codex: stream disconnected before completion: mock response.failed');
  } finally {
    r.cleanup();
  }
});

test('tui: a new turn (working) cancels the linger', async () => {
  const r = rig('tui');
  try {
    void r.session.start();
    await r.print('\x1b]7501;state=done:app=codex\x1b\\');
    r.clock.advance(TUI_LINGER_MS - 10);
    await r.print('\x1b]7501;state=working:app=codex\x1b\\');
    r.clock.advance(TUI_LINGER_MS * 3);
    assert.equal(r.typed().includes('\x03'), false);
    r.session.stop({ status: 'interrupted', reason: 'interrupted', message: 'test over' }, { immediate: true });
    await exitWith(r, 0);
  } finally {
    r.cleanup();
  }
});

test('tui: the sign-in screen of a fresh home (captures/16) fails the job at once as not-logged-in', async () => {
  const r = rig('tui');
  try {
    void r.session.start();
    const screen = readFileSync(fixture('codex-0.169/16_fresh_home_first_screen.txt'), 'utf8').replace(/\n$/, '').split('\n').join('\r\n');
    await r.print(screen);
    // Snapshots are throttled (100 ms): the last one of a burst comes on the trailing edge.
    r.clock.advance(100);
    assert.ok(r.typed().endsWith('\x03'), 'stopped through the ladder');
    const result = await exitWith(r, 0);
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'not-logged-in');
  } finally {
    r.cleanup();
  }
});

test('exec: exits by itself after its turn (exec_in_pty): success, facts, last message read from the private folder, folder removed', async () => {
  const r = rig('exec');
  try {
    const oIndex = r.launch.args.indexOf('-o');
    const lastMessageFile = r.launch.args[oIndex + 1] ?? '';
    const folder = path.dirname(lastMessageFile);
    assert.equal(existsSync(folder), false, 'the folder is made only when the job starts');
    void r.session.start();
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    await r.print(raw('exec_in_pty.typescript'), 64);
    writeFileSync(lastMessageFile, 'Hello from mock model (req 24)\n');
    const result = await exitWith(r, 0);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.stoppedBy, null);
    assert.equal(r.typed().includes('\x03'), false);
    assert.deepEqual(r.facts(), { sessionId: '01a20a43-5161-7642-a3b8-890f5a6f748b', tokensUsed: 15, lastMessage: 'Hello from mock model (req 24)' });
    assert.equal(existsSync(folder), false, 'the private folder is removed after the exit');
    assert.equal(r.clock.timerCount, 0, 'no timer is left behind');
  } finally {
    r.cleanup();
  }
});

test('exec: a turn that is done but whose process hangs is stopped after the linger and reported as success', async () => {
  const r = rig('exec');
  try {
    void r.session.start();
    await r.print(raw('exec_in_pty.typescript'));
    r.clock.advance(EXEC_LINGER_MS - 1);
    assert.equal(r.typed().includes('\x03'), false);
    r.clock.advance(1);
    assert.ok(r.typed().endsWith('\x03'));
    const result = await exitWith(r, 130);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.stoppedBy, 'ctrl-c');
    assert.match(result.message ?? '', /did not exit within 10s/);
  } finally {
    r.cleanup();
  }
});

test('exec: codex rejecting its arguments (exit 2) fails as agent-usage with codex\'s own words', async () => {
  const r = rig('exec');
  try {
    void r.session.start();
    await r.print(
      "error: unexpected argument '--full-auto' found\r\n\r\n  tip: to pass '--full-auto' as a value, use '-- --full-auto'\r\n\r\nUsage: codex exec [OPTIONS] [PROMPT]\r\n       codex exec [OPTIONS] <COMMAND> [ARGS]\r\n\r\nFor more information, try '--help'.\r\n",
    );
    const result = await exitWith(r, 2);
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, 'agent-usage');
    assert.equal(result.exitCode, 2);
    assert.match(result.message ?? '', /^codex refused to start \(exit 2\): error: unexpected argument '--full-auto' found/);
  } finally {
    r.cleanup();
  }
});

test('exec: an unexplained non-zero exit stays exit-non-zero', async () => {
  const r = rig('exec');
  try {
    void r.session.start();
    await r.print('OpenAI Codex v0.169.0\r\nsomething odd\r\n');
    const result = await exitWith(r, 7);
    assert.equal(result.reason, 'exit-non-zero');
  } finally {
    r.cleanup();
  }
});
