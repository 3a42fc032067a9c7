/**
 * Progress that codex-run's own input cannot fake: a supervisor over a real screen model and
 * a fake clock, with a simulated terminal line discipline. In cooked mode every byte
 * codex-run types is echoed onto the screen as a terminal does (Enter as a new line, controls
 * as ^X); in raw mode nothing is. Time moves in 100 ms steps so an echo reaches the screen
 * when it would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel, ScreenSnapshot } from '../../src/session/screen.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { runSendSteps, type SendRun } from '../../src/session/policies/send-steps.js';
import { parseSupervision } from '../../src/session/policies/spec.js';
import { describeState, Supervisor } from '../../src/session/policies/supervisor.js';
import { echoTexts, MIN_ECHO_WINDOW_MS, ScreenJudge } from '../../src/session/policies/self-input.js';
import { FakeClock } from '../helpers/fake-clock.js';

const SECOND = 1000;
const STEP_MS = 100;

// What a cooked terminal shows for typed bytes: Enter as CR LF, other controls as ^X.
function cookedEcho(data: string): string {
  let out = '';
  for (const ch of data) {
    const code = ch.charCodeAt(0);
    if (ch === '\r' || ch === '\n') out += '\r\n';
    else if (code < 0x20) out += `^${String.fromCharCode(code + 64)}`;
    else out += ch;
  }
  return out;
}

function harness(raw: Record<string, unknown>, mode: 'cooked' | 'raw', size: { cols?: number; rows?: number } = {}) {
  const clock = new FakeClock();
  const parsed = parseSupervision(raw);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const screen = new ScreenModel({ cols: size.cols ?? 60, rows: size.rows ?? 12, clock, historyLines: Supervisor.historyLinesFor(parsed.value) });
  const decisions: Decision[] = [];
  const sends: SendRun[] = [];
  const echoes: string[] = [];
  const typed: string[] = [];
  const started = clock.now();
  // Everything the supervisor types goes through here, as in JobSupervision.
  const type = (data: string): void => {
    sup.observeInput(data);
    typed.push(data);
    if (mode === 'cooked') echoes.push(cookedEcho(data));
  };
  const sup: Supervisor = new Supervisor({
    spec: parsed.value,
    clock,
    timing: { enterDelayMs: 500, keyDelayMs: 50 },
    onDecision: (d) => {
      decisions.push(d);
      if (d.type === 'send') sends.push(runSendSteps(d.steps, type, clock));
    },
  });
  const offReply = screen.onReply(type);
  const observe = async (data: string): Promise<void> => {
    screen.write(data);
    await screen.whenParsed();
    sup.observeScreen(screen.snapshot());
  };
  const h = {
    clock,
    screen,
    sup,
    decisions,
    typed,
    /** The agent writes `data`; echoes of what it makes codex-run type reach the screen too. */
    async feed(data: string): Promise<void> {
      await observe(data);
      await h.flushEchoes();
    },
    async flushEchoes(): Promise<void> {
      while (echoes.length > 0) await observe(echoes.shift()!);
    },
    /** Moves time `ms` forward in 100 ms steps, echoing what was typed at once; `each` runs after every step. */
    async run(ms: number, each?: (elapsed: number) => Promise<void>): Promise<void> {
      for (let t = 0; t < ms; t += STEP_MS) {
        clock.advance(STEP_MS);
        await h.flushEchoes();
        await each?.(clock.now() - started);
      }
    },
    /** Decisions other than progress, as `type:kind` with the time since start in seconds. */
    kinds(): string[] {
      return decisions.filter((d) => d.type !== 'progress').map((d) => ('intervention' in d ? `${d.type}:${d.intervention.kind}` : d.type));
    },
    at(kind: string): number[] {
      return decisions.flatMap((d) => ('intervention' in d && d.intervention.kind === kind ? [(d.intervention.at - started) / SECOND] : []));
    },
    progressCount(): number {
      return decisions.filter((d) => d.type === 'progress').length;
    },
    status(): string {
      return describeState(sup.state());
    },
    dispose(): void {
      for (const s of sends) s.cancel();
      offReply();
      sup.dispose();
      screen.dispose();
    },
  };
  return h;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

// A hung spinner with a ticking timer, redrawn in place every 200 ms, as agent-spinner-hung.js draws it.
function spinnerFrame(elapsedMs: number): string {
  return `\r\x1b[2K${FRAMES[Math.floor(elapsedMs / 200) % FRAMES.length]} Working (${Math.floor(elapsedMs / SECOND)}s • esc to interrupt)`;
}

const spin = (h: ReturnType<typeof harness>) => async (elapsed: number) => {
  if (elapsed % 200 === 0) await h.feed(spinnerFrame(elapsed));
};

for (const mode of ['cooked', 'raw'] as const) {
  for (const [label, pokeWith] of [
    ['Enter', '\r'],
    ['text and Enter', 'status'],
    ['keys', { keys: ['down', 'enter'] }],
  ] as const) {
    test(`a hung spinner poked with ${label}, terminal ${mode === 'cooked' ? 'echoing (cooked)' : 'silent (raw)'}: one poke at poke, stopped at kill`, { timeout: 30_000 }, async () => {
      const h = harness({ idle: { poke: '2s', kill: '5s', pokeWith } }, mode);
      await h.feed(`Thinking about the change\r\n${spinnerFrame(0)}`);
      await h.run(8 * SECOND, spin(h));
      assert.deepEqual(h.kinds(), ['send:poke', 'stop:kill'], `screen:\n${h.screen.snapshot().lines.join('\n')}`);
      assert.deepEqual(h.at('poke'), [2]);
      assert.deepEqual(h.at('kill'), [5]);
      assert.equal(h.progressCount(), 1, 'only the first screen was progress');
      assert.ok(h.typed.length > 0, 'the poke was typed');
      if (mode === 'cooked' && pokeWith === 'status') {
        assert.ok(
          h.screen.snapshot().lines.filter((l) => l.includes('Working')).length >= 2,
          'the echoed Enter left a frame behind, and that is not progress either',
        );
      }
      const stop = h.decisions.find((d) => d.type === 'stop');
      assert.equal(stop?.type === 'stop' && stop.reason, 'idle-killed');
      assert.equal(stop?.type === 'stop' && stop.message, 'no progress for 5s');
      h.dispose();
    });
  }
}

test('an agent that replies to the poke with new text made progress: not killed at kill, poked again a full period later', { timeout: 30_000 }, async () => {
  const h = harness({ idle: { poke: '2s', kill: '5s', pokeWith: 'status' } }, 'cooked');
  await h.feed(spinnerFrame(0));
  let replied = false;
  await h.run(6 * SECOND, async (elapsed) => {
    // The agent answers once, a second after the Enter of the poke reached it.
    if (!replied && h.typed.includes('\r') && elapsed >= 3500) {
      replied = true;
      await h.feed(`\r\x1b[2Kreply 1: got "status"\r\n${spinnerFrame(elapsed)}`);
    }
    await spin(h)(elapsed);
  });
  assert.deepEqual(h.kinds(), ['send:poke', 'send:poke'], 'no kill at 5s: the reply at 3.5s was progress');
  assert.equal(h.status(), 'poked');
  await h.run(3 * SECOND, spin(h));
  assert.deepEqual(h.kinds(), ['send:poke', 'send:poke', 'stop:kill']);
  assert.deepEqual(h.at('poke'), [2, 5.5]);
  assert.deepEqual(h.at('kill'), [8.5]);
  h.dispose();
});

test('the reply counts even when it arrives in the same screen change as the echo', { timeout: 30_000 }, async () => {
  const h = harness({ idle: { poke: '2s', kill: '5s' } }, 'cooked');
  await h.feed(spinnerFrame(0));
  await h.run(2 * SECOND, spin(h));
  assert.deepEqual(h.kinds(), ['send:poke']);
  const before = h.progressCount();
  // Echo and reply parsed together: the judge sees one change holding both.
  await h.feed('\r\x1b[2Kstill working on src/app.ts\r\n');
  assert.equal(h.progressCount(), before + 1);
  h.dispose();
});

test('onBlocked: poke pokes an unanswered question once, whether or not the terminal echoes; a real change unblocks', { timeout: 30_000 }, async () => {
  for (const mode of ['cooked', 'raw'] as const) {
    const h = harness({ idle: { blockedAfter: '1s', onBlocked: 'poke', pokeWith: 'later' } }, mode);
    await h.feed('Overwrite config.toml? [y/n] ');
    await h.run(20 * SECOND);
    assert.deepEqual(h.kinds(), ['blocked:blocked', 'send:poke'], `${mode}: screen:\n${h.screen.snapshot().lines.join('\n')}`);
    assert.equal(h.status(), 'waiting for input');
    await h.feed('\r\nkept the old file\r\n');
    assert.deepEqual(h.kinds(), ['blocked:blocked', 'send:poke', 'unblocked'], mode);
    h.dispose();
  }
});

test('echoed replies to terminal queries are neither progress nor a loop', { timeout: 30_000 }, async () => {
  // A hung program in cooked mode asks for the cursor position every second and ends the line:
  // the echo of each reply (^[[6;1R) piles up, identical, at the bottom of the screen.
  const h = harness({ loop: { repeats: 3 }, idle: { kill: '15s' } }, 'cooked', { rows: 6 });
  await h.feed('build running\r\n');
  await h.run(20 * SECOND, async (elapsed) => {
    if (elapsed % SECOND === 0) {
      await h.feed('\x1b[6n');
      await h.feed('\r\n');
    }
  });
  assert.ok(h.typed.filter((t) => t === '\x1b[6;1R').length >= 5, `replies typed: ${JSON.stringify(h.typed)}`);
  assert.ok(h.screen.snapshot().lines.filter((l) => l === '^[[6;1R').length >= 3, h.screen.snapshot().lines.join('\n'));
  assert.deepEqual(h.kinds(), ['stop:kill'], 'idle-killed at 15s, not stopped as looping');
  assert.deepEqual(h.at('kill'), [15]);
  h.dispose();
});

test('echoTexts: what a cooked terminal and a TUI show for typed bytes', () => {
  assert.deepEqual(echoTexts('\r'), []);
  assert.deepEqual(echoTexts('y\r'), ['y']);
  assert.deepEqual(echoTexts('status'), ['status']);
  assert.deepEqual(echoTexts('\x1b[B\r'), ['^[[B', '[B']);
  assert.deepEqual(echoTexts('\x1b'), ['^[']);
  assert.deepEqual(echoTexts('ab\x7fc'), ['ac']);
});

test('the echo window: explained changes are codex-run\'s only shortly after it typed; new words are always the agent\'s', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const screen = new ScreenModel({ cols: 40, rows: 6, clock });
  const judge = new ScreenJudge();
  const show = async (data: string): Promise<string> => {
    screen.write(data);
    await screen.whenParsed();
    return judge.judge(screen.snapshot(), clock.now());
  };
  assert.equal(await show('⠋ Working (1s)'), 'agent', 'the first screen');
  assert.equal(await show('\r\x1b[2K⠙ Working (2s)'), 'unchanged', 'a spinner turned');
  judge.noteInput('\r', clock.now());
  clock.advance(50);
  assert.equal(await show('\r\n⠹ Working (2s)'), 'self', 'the echoed Enter: a frame left behind, the spinner a row lower');
  judge.noteInput('status', clock.now());
  assert.equal(await show('status'), 'self', 'the echo of typed text after an old line');
  assert.equal(await show('\r\x1b[2K⠸ Working (3s)'), 'self', 'the agent redrew over its echo');
  assert.equal(await show('\r\nstatus: 3 files left'), 'agent', 'new words, even inside the window');
  clock.advance(MIN_ECHO_WINDOW_MS + 1);
  assert.equal(await show('\r\n⠼ Working (4s)'), 'agent', 'a new frame line long after any input is the agent\'s');
  // A terminal slower than the window: its first late echo counts once, and widens the window.
  judge.noteInput('go', clock.now());
  clock.advance(800);
  assert.equal(await show('go'), 'agent', 'an echo 800 ms late is past the 500 ms window');
  assert.equal(judge.echoWindowMs, 1600, 'twice the latency seen');
  clock.advance(10_000);
  judge.noteInput('on', clock.now());
  clock.advance(800);
  assert.equal(await show('on'), 'self', 'the next one, as late, is in the window');
  // An echoed Enter moves the cursor a row lower, where the agent's next frame lands however
  // late it comes: that first change after the Enter is judged against the input; the next is not.
  clock.advance(10_000);
  judge.noteInput('\r', clock.now());
  assert.equal(await show('\r\n'), 'unchanged', 'the echoed Enter alone: a blank row');
  clock.advance(3000);
  assert.equal(await show('⠦ Working (15s)'), 'self', 'the first frame after the Enter, 3 s later, a row lower');
  clock.advance(1000);
  assert.equal(await show('\r\n⠧ Working (16s)'), 'agent', 'a second new frame line is the agent\'s');
  assert.ok(judge.isEchoLine('› status'));
  assert.ok(!judge.isEchoLine('status: 3 files left'));
  screen.dispose();
});

test('a TUI that draws the typed text in its input box and redraws in steps: its input box and footer coming back are not new', { timeout: 10_000 }, async () => {
  // Like Codex's TUI during a turn: a spinner, an input box, a footer; typed text appears in
  // the box; a snapshot may catch a frame drawn only in part.
  const clock = new FakeClock();
  const screen = new ScreenModel({ cols: 50, rows: 8, clock });
  const judge = new ScreenJudge();
  const frame = (box: string | null, footer: string | null, queued = ''): string =>
    `\x1b[H\x1b[2J• Working (3s • esc to interrupt)\r\n${queued}${box === null ? '' : `› ${box}\r\n`}${footer ?? ''}`;
  const show = async (data: string): Promise<string> => {
    screen.write(data);
    await screen.whenParsed();
    return judge.judge(screen.snapshot(), clock.now());
  };
  assert.equal(await show(frame('Ask Codex to do anything', '? for shortcuts')), 'agent');
  for (let poke = 0; poke < 3; poke++) {
    clock.advance(10_000);
    judge.noteInput('status', clock.now());
    clock.advance(30);
    assert.equal(await show(frame('status', '? for shortcuts')), 'self', `poke ${poke}: the typed text in the box`);
    clock.advance(500);
    judge.noteInput('\r', clock.now());
    clock.advance(30);
    assert.equal(await show(frame(null, null)), 'self', `poke ${poke}: a frame caught half drawn`);
    clock.advance(30);
    assert.equal(await show(frame('Ask Codex to do anything', '? for shortcuts')), 'self', `poke ${poke}: the box and footer back`);
  }
  clock.advance(10_000);
  assert.equal(await show(frame('Ask Codex to do anything', '? for shortcuts', 'Edited src/app.ts (+3 -1)\r\n')), 'agent', 'the agent at work');
  screen.dispose();
});

// An agent that keeps the terminal cooked and redraws its status with a bare CR, no line
// clear: `\r| Analyzing repository… 12s`, a bare `Ns` timer, an ASCII spinner. What codex-run
// types is echoed at the cursor, at the end of the timer (`… 2sgo`); the agent's next frame
// (as long or longer, `… 10s`) overwrites part of the echo; the echoed Enter moves the
// spinner a row lower and leaves that line behind, one per poke.
const ASCII = ['|', '/', '-', '\\'];
const statusFrame = (elapsedMs: number, n: number): string => `\r${ASCII[n % ASCII.length]} Analyzing repository… ${Math.floor(elapsedMs / SECOND)}s`;

for (const [label, pokeWith] of [
  ['"go\\r"', 'go\r'],
  ['"please continue\\r"', 'please continue\r'],
  ['Enter', '\r'],
  ['keys esc, down, enter', { keys: ['esc', 'down', 'enter'] }],
] as const) {
  for (const periodMs of [300, 700, 1000]) {
    // Frames start at an offset so that some land long (more than the shortest echo window)
    // after the echo of the poke's Enter.
    test(`a cooked agent redrawing "\\r| Analyzing repository… Ns" every ${periodMs} ms, poked with ${label}: one poke, stopped at kill`, { timeout: 30_000 }, async () => {
      const h = harness({ idle: { poke: '2s', kill: '5s', pokeWith } }, 'cooked', { cols: 80, rows: 24 });
      let n = 0;
      await h.feed('Agent v9 starting\r\n');
      await h.feed(statusFrame(0, n++));
      await h.run(12 * SECOND, async (elapsed) => {
        if ((elapsed + 200) % periodMs === 0) await h.feed(statusFrame(elapsed, n++));
      });
      const lines = h.screen.snapshot().lines.join('\n');
      assert.deepEqual(h.kinds().slice(0, 2), ['send:poke', 'stop:kill'], `screen:\n${lines}`);
      assert.deepEqual(h.at('poke'), [2]);
      assert.deepEqual(h.at('kill'), [5]);
      if (typeof pokeWith === 'string' && pokeWith !== '\r') {
        assert.match(lines, /Analyzing repository… \d+s[a-z]+ ?[a-z]*\n/, 'the echo stuck to the timer and stayed on the line left behind');
      }
      h.dispose();
    });
  }
}

test('the echo glued to a ticking timer, drawn over in part by the next frame and left behind by the Enter, is codex-run\'s; new words are the agent\'s', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const screen = new ScreenModel({ cols: 60, rows: 10, clock });
  const judge = new ScreenJudge();
  const show = async (data: string): Promise<string> => {
    screen.write(data);
    await screen.whenParsed();
    return judge.judge(screen.snapshot(), clock.now());
  };
  // A cooked terminal: the test writes the echo where the line discipline would.
  const type = async (data: string, echo: string): Promise<string> => {
    judge.noteInput(data, clock.now());
    clock.advance(30);
    return show(echo);
  };
  assert.equal(await show('Agent v9 starting\r\n| Analyzing repository… 9s'), 'agent');
  assert.equal(await type('please continue', 'please continue'), 'self', 'the echo at the cursor, glued to the timer: `… 9splease continue`');
  clock.advance(300);
  assert.equal(await show('\r/ Analyzing repository… 10s'), 'self', 'the next frame, longer, drew over the start of the echo: `… 10slease continue`');
  assert.match(screen.snapshot().lines[1] ?? '', /… 10slease continue$/);
  clock.advance(200);
  assert.equal(await type('\r', '\r\n'), 'unchanged', 'the echoed Enter: a blank row');
  clock.advance(900);
  assert.equal(await show('- Analyzing repository… 11s'), 'self', 'the first frame after the Enter, a row lower, the window long closed');
  assert.equal(await show('\r\\ Analyzing repository… 12s'), 'unchanged');
  clock.advance(2000);
  assert.equal(await type('go', 'go'), 'self', '`… 12sgo`');
  assert.equal(await show('\r| Analyzing repository… 12s: cloning submodules'), 'agent', 'new words on the echo\'s line, inside the window');
  // Wide characters: the cursor's column is not the index in the line's text.
  clock.advance(10_000);
  assert.equal(await show('\r\n⠋ 正在分析仓库… 9s'), 'agent');
  clock.advance(10_000);
  assert.equal(await type('go', 'go'), 'self', '`仓库… 9sgo`');
  assert.equal(await show('\r⠙ 正在分析仓库… 10s'), 'self', '`仓库… 10so`: the echo found where it landed though columns and characters differ');
  assert.match(screen.snapshot().lines.join('\n'), /仓库… 10so$/m);
  screen.dispose();
});

test('a screen that flickers between a full redraw and its erased half (ink, e.g. Gemini CLI stalled on its spinner) is not progress', () => {
  const judge = new ScreenJudge();
  const snap = (lines: string[], hash: number): Parameters<ScreenJudge['judge']>[0] =>
    new ScreenSnapshot({ version: hash, at: 0, cols: 80, rows: lines.length, lines, wrapped: lines.map(() => false), history: [], historyWrapped: [], cursor: { row: 0, col: 0 }, buffer: 'normal', hash });
  const full = (seconds: number, glyph: string): string[] => [' > Summarise the project', ` ${glyph} Thinking... (esc to cancel, ${seconds}s)`, ' >   Type your message or @path/to/file'];
  const erased = [' > Summarise the project', '', ''];
  const verdicts = [
    judge.judge(snap(full(1, '⠋'), 1), 0),
    judge.judge(snap(erased, 2), 80),
    judge.judge(snap(full(1, '⠙'), 3), 160),
    judge.judge(snap(erased, 4), 240),
    judge.judge(snap(full(2, '⠹'), 5), 1000),
    judge.judge(snap(erased, 6), 1080),
  ];
  assert.deepEqual(verdicts, ['agent', 'agent', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  // Something new is progress again.
  assert.equal(judge.judge(snap([...full(3, '⠸'), '✦ Here is the summary.'], 7), 1200), 'agent');
});

test('a spinner line caught half-drawn (a frame split across reads on a busy machine) is not progress; a line the agent really changes is', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const screen = new ScreenModel({ cols: 60, rows: 6, clock });
  const judge = new ScreenJudge();
  const show = async (data: string): Promise<string> => {
    clock.advance(80);
    screen.write(data);
    await screen.whenParsed();
    return judge.judge(screen.snapshot(), clock.now());
  };
  assert.equal(await show('Build started\r\n⠋ Working (1s • esc to interrupt)'), 'agent', 'the first screen');
  assert.equal(await show('\r\x1b[2K⠙ Working (2s • esc to interrupt)'), 'unchanged', 'a spinner turned');
  // The frame's erase and its first characters in one read, the rest in the next.
  for (const half of ['⠹ Wor', '⠸ Working (9', '⠼ Working (10s • esc to inter']) {
    assert.equal(await show(`\r\x1b[2K${half}`), 'unchanged', `caught half-drawn: ${half}`);
    assert.equal(await show(`\r\x1b[2K⠴ Working (10s • esc to interrupt)`), 'unchanged', 'the whole frame again');
  }
  // Cut short where the agent moved on is not a frame being drawn: another line there, or a new one above it.
  assert.equal(await show('\r\x1b[2K⠦ Compiling'), 'agent', 'another text on the spinner line');
  assert.equal(await show('\r\x1b[2KStep 2 done\r\n⠧ Wor'), 'agent', 'a new line above the cursor');
  screen.dispose();
});
