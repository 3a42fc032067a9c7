import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePieces, PARSE_PIECE, pooledTerminals, ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';

function model(cols = 40, rows = 6, extra: { historyLines?: number; throttleMs?: number; quietMs?: number; silenceMs?: number; inputWindowMs?: number; highWaterMark?: number } = {}): { screen: ScreenModel; clock: FakeClock } {
  const clock = new FakeClock();
  return { screen: new ScreenModel({ cols, rows, clock, ...extra }), clock };
}

async function fed(screen: ScreenModel, ...chunks: (string | Uint8Array)[]): Promise<void> {
  for (const c of chunks) screen.write(c);
  await screen.whenParsed();
}

test('snapshot shows visible lines with trailing spaces trimmed, and the cursor', async () => {
  const { screen } = model();
  await fed(screen, 'hello   \r\n\x1b[31mred\x1b[0m text\r\nask? ');
  const snap = screen.snapshot();
  assert.deepEqual(snap.lines, ['hello', 'red text', 'ask?', '', '', '']);
  assert.deepEqual(snap.cursor, { row: 2, col: 5 });
  assert.equal(snap.buffer, 'normal');
  assert.equal(snap.text(), 'hello\nred text\nask?\n\n\n');
  screen.dispose();
});

test('wrapped rows are joined into one logical line, spaces at the wrap kept', async () => {
  const { screen } = model(10, 4);
  await fed(screen, 'ok\r\nContinue with the op? [y/n] ');
  const snap = screen.snapshot();
  assert.deepEqual(snap.wrapped, [false, false, true, true]);
  assert.equal(snap.text(), 'ok\nContinue with the op? [y/n]');
  assert.deepEqual(snap.logicalLines(), [
    { text: 'ok', row: 0 },
    { text: 'Continue with the op? [y/n]', row: 1 },
  ]);
  const at = snap.text().indexOf('[y/n]');
  assert.equal(snap.rowAt(at), 3);
  assert.equal(snap.rowAt(0), 0);
  screen.dispose();
});

test('a UTF-8 character split across writes arrives whole', async () => {
  const { screen } = model();
  const bytes = Buffer.from('spin ⠋ ok', 'utf8');
  const cut = bytes.indexOf(0xe2) + 1;
  await fed(screen, bytes.subarray(0, cut), bytes.subarray(cut));
  assert.equal(screen.snapshot().lines[0], 'spin ⠋ ok');
  screen.dispose();
});

test('version grows per parsed write; hash changes only with the picture; snapshots are cached', async () => {
  const { screen } = model();
  assert.equal(screen.version, 0);
  await fed(screen, 'a');
  const first = screen.snapshot();
  assert.equal(screen.snapshot(), first);
  await fed(screen, '\x1b[1m\x1b[0m');
  const second = screen.snapshot();
  assert.equal(second.version, 2);
  assert.notEqual(second, first);
  assert.equal(second.hash, first.hash);
  await fed(screen, 'b');
  assert.notEqual(screen.snapshot().hash, first.hash);
  screen.dispose();
});

test('output is parsed at the end of the task that wrote it, every chunk of the task at once, without waiting for a timer (issue 16)', { timeout: 5000 }, async () => {
  const { screen, clock } = model();
  const seen: string[][] = [];
  screen.onSnapshot((snap) => seen.push([...snap.lines.slice(0, 2)]));
  clock.advance(1000);
  screen.write('Continue? ');
  screen.write(Buffer.from('[y/n] '));
  assert.equal(screen.snapshot().lines[0], '', 'not parsed inside write()');
  // A microtask later: before any timer (xterm's own write() parses in a setTimeout, >= 1 ms later).
  await Promise.resolve();
  assert.equal(screen.snapshot().lines[0], 'Continue? [y/n]');
  assert.equal(screen.version, 1, 'one parse for the chunks of one task');
  assert.deepEqual(seen, [['Continue? [y/n]', '']], 'the leading edge is notified in the same task');
  screen.dispose();
});

test('a chunk too big for the end-of-task parse goes through the async parse, and later chunks wait behind it', { timeout: 5000 }, async () => {
  const { screen } = model(40, 6);
  const big = `${'x'.repeat(39)}\r\n`.repeat(2000);
  screen.write(big);
  screen.write('after');
  await Promise.resolve();
  assert.equal(screen.version, 0, 'nothing parsed out of order before the big chunk');
  await screen.whenParsed();
  assert.equal(screen.snapshot().lines.at(-1), 'after');
  screen.dispose();
});

test('OSC handlers receive machine signals; titles are reported and not on screen', async () => {
  const { screen } = model();
  const osc: string[] = [];
  const titles: string[] = [];
  screen.onOsc(7501, (data) => osc.push(data));
  screen.onTitle((t) => titles.push(t));
  await fed(screen, 'x\x1b]7501;state=blocked:app=codex:kind=permission\x1b\\y\x1b]0;⠋ codex\x07');
  assert.deepEqual(osc, ['state=blocked:app=codex:kind=permission']);
  assert.deepEqual(titles, ['⠋ codex']);
  assert.equal(screen.snapshot().lines[0], 'xy');
  screen.dispose();
});

test('terminal replies to queries are offered to the caller', async () => {
  const { screen } = model();
  const replies: string[] = [];
  screen.onReply((r) => replies.push(r));
  await fed(screen, 'ab\x1b[6n');
  assert.deepEqual(replies, ['\x1b[1;3R']);
  screen.dispose();
});

test('an anchor follows its line as output scrolls the normal buffer', async () => {
  const { screen } = model(20, 4);
  await fed(screen, 'one\r\nprompt? [y/n]\r\n');
  const anchor = screen.snapshot().anchor(1);
  assert.ok(anchor !== null);
  assert.equal(anchor.row, 1);
  await fed(screen, 'a\r\nb\r\nc\r\n');
  assert.deepEqual(screen.snapshot().lines, ['a', 'b', 'c', '']);
  assert.equal(anchor.row, -1);
  anchor.dispose();
  screen.dispose();
});

test('an anchor on a line erased and redrawn in place keeps its row', async () => {
  const { screen } = model(20, 4);
  await fed(screen, 'one\r\nprompt? [y/n] ');
  const anchor = screen.snapshot().anchor(1);
  await fed(screen, '\x1b[2J\x1b[Hone\r\nprompt? [y/n] ');
  assert.equal(anchor?.row, 1);
  anchor?.dispose();
  screen.dispose();
});

test('an anchor from a stale snapshot is refused; alternate-buffer anchors end at a buffer switch', async () => {
  const { screen } = model(20, 4);
  await fed(screen, 'x');
  const stale = screen.snapshot();
  await fed(screen, 'y');
  assert.equal(stale.anchor(0), null);
  await fed(screen, '\x1b[?1049h\x1b[2;1Hmenu');
  const snap = screen.snapshot();
  assert.equal(snap.buffer, 'alternate');
  const anchor = snap.anchor(1);
  assert.equal(anchor?.row, 1);
  await fed(screen, '\x1b[?1049l');
  assert.equal(anchor?.row, null);
  screen.dispose();
});

test('history carries the scrollback rows just above the viewport', async () => {
  const { screen } = model(20, 3, { historyLines: 2 });
  await fed(screen, '1\r\n2\r\n3\r\n4\r\n5');
  const snap = screen.snapshot();
  assert.deepEqual(snap.history, ['1', '2']);
  assert.deepEqual(snap.lines, ['3', '4', '5']);
  assert.deepEqual(
    snap.logicalLines(true).map((l) => [l.text, l.row]),
    [
      ['1', -2],
      ['2', -1],
      ['3', 0],
      ['4', 1],
      ['5', 2],
    ],
  );
  screen.dispose();
});

test('change notifications are coalesced: leading edge, then at most one per throttle window', async () => {
  const { screen, clock } = model(20, 3, { throttleMs: 100 });
  const seen: string[] = [];
  screen.onSnapshot((s) => seen.push(s.lines[0] ?? ''));
  await fed(screen, 'a');
  assert.deepEqual(seen, ['a']);
  await fed(screen, 'b');
  await fed(screen, 'c');
  assert.deepEqual(seen, ['a'], 'within the window nothing more is built');
  clock.advance(100);
  assert.deepEqual(seen, ['a', 'abc']);
  clock.advance(1000);
  assert.deepEqual(seen, ['a', 'abc'], 'nothing parsed, nothing notified');
  assert.equal(clock.timerCount, 0);
  screen.dispose();
});

test('a change followed by silence is notified at once; a stream that keeps coming waits for the throttle window', async () => {
  const { screen, clock } = model(20, 3, { throttleMs: 100, quietMs: 3 });
  const seen: string[] = [];
  screen.onSnapshot((s) => seen.push(s.lines[0] ?? ''));
  await fed(screen, 'a');
  await fed(screen, 'b');
  clock.advance(2);
  await fed(screen, 'c');
  clock.advance(2);
  assert.deepEqual(seen, ['a'], 'output still coming: no snapshot yet');
  clock.advance(1);
  assert.deepEqual(seen, ['a', 'abc'], 'the output paused for 3 ms: the prompt is seen at once');
  assert.equal(clock.timerCount, 0, 'the throttle timer went with it');
  screen.dispose();
});

// A job printing a line every 10 ms for `ms` on the fake clock; returns when it stopped.
async function steady(screen: ScreenModel, clock: FakeClock, ms: number, from = 0): Promise<number> {
  let i = from;
  for (let t = 0; t < ms; t += 10) {
    await fed(screen, `line ${i++}\r\n`);
    clock.advance(10);
  }
  return i;
}

test('steady output (a line every 10 ms) gets the throttle, not a snapshot per pause (issue 16)', { timeout: 30_000 }, async () => {
  const { screen, clock } = model(40, 6, { throttleMs: 100, quietMs: 1 });
  let notified = 0;
  screen.onSnapshot(() => notified++);
  await steady(screen, clock, 2000);
  // 2 s at <= one per 100 ms, plus the first burst's edges; a quiet edge per line would be ~200.
  assert.ok(notified <= 24, `${notified} notifications in 2 s of a line every 10 ms`);
  assert.ok(notified >= 18, `${notified}: the throttle still shows the screen about 10 times a second`);
  screen.dispose();
});

test('a prompt after a silence is noticed at its quiet edge, also after steady output', { timeout: 30_000 }, async () => {
  const { screen, clock } = model(40, 6, { throttleMs: 100, quietMs: 1 });
  const seen: string[] = [];
  screen.onSnapshot((s) => seen.push(s.lines.filter((l) => l !== '').at(-1) ?? ''));
  await steady(screen, clock, 500);
  clock.advance(150);
  const before = seen.length;
  await fed(screen, 'Continue? [y/n] ');
  clock.advance(1);
  assert.equal(seen.at(-1), 'Continue? [y/n]', 'seen 1 ms after it appeared');
  assert.ok(seen.length > before);
  screen.dispose();
});

test('output right after codex-run typed into the job is noticed at its quiet edge, even within steady output', { timeout: 30_000 }, async () => {
  const { screen, clock } = model(40, 6, { throttleMs: 100, quietMs: 1, inputWindowMs: 500 });
  const seen: string[] = [];
  screen.onSnapshot((s) => seen.push(s.lines.filter((l) => l !== '').at(-1) ?? ''));
  const next = await steady(screen, clock, 500);
  // The steady lines are throttled: a line 5 ms after the last notification is not shown yet.
  await fed(screen, `line ${next}\r\n`);
  clock.advance(5);
  assert.notEqual(seen.at(-1), `line ${next}`, 'steady output waits for the throttle');
  screen.inputSent();
  clock.advance(5);
  await fed(screen, 'Continue? [y/n] ');
  clock.advance(1);
  assert.equal(seen.at(-1), 'Continue? [y/n]', 'the reply to our input is seen 1 ms after it appeared');
  // After the window, steady output is throttled again.
  clock.advance(600);
  const from = seen.length;
  await steady(screen, clock, 1000, next + 1);
  assert.ok(seen.length - from <= 13, `${seen.length - from} notifications in 1 s of steady output after the window`);
  screen.dispose();
});

test('a PTY that says the reply went quiet (outputQuiet) gets the quiet edge at once, not after quietMs; elsewhere it changes nothing', { timeout: 30_000 }, async () => {
  const { screen, clock } = model(40, 6, { throttleMs: 100, quietMs: 5, inputWindowMs: 500 });
  const seen: string[] = [];
  screen.onSnapshot((s) => seen.push(s.lines.filter((l) => l !== '').at(-1) ?? ''));
  await fed(screen, 'working\r\n');
  assert.deepEqual(seen, ['working'], 'leading edge');
  // Within the throttle window, the reply to our input: without a word from the PTY it waits for quietMs...
  clock.advance(10);
  screen.inputSent();
  await fed(screen, 'Continue? [y/n] ');
  assert.deepEqual(seen, ['working']);
  clock.advance(4);
  assert.deepEqual(seen, ['working'], 'not before quietMs');
  // ...and with it, at once: written and said quiet in the same task (the pump's 'd' and 'q' in one read).
  screen.write('y\r\nnext? [y/n] ');
  screen.outputQuiet();
  assert.deepEqual(seen, ['working'], 'not before the bytes before it are parsed');
  await screen.whenParsed();
  assert.deepEqual(seen, ['working', 'next? [y/n]'], 'the quiet edge, with no time passing');
  // Said quiet when nothing is pending, or for output outside the input window: nothing happens.
  screen.outputQuiet();
  assert.equal(seen.length, 2);
  clock.advance(1000);
  const next = await steady(screen, clock, 500);
  screen.write(`line ${next}\r\n`);
  screen.outputQuiet();
  await screen.whenParsed();
  assert.notEqual(seen.at(-1), `line ${next}`, 'steady output is not notified by a quiet word (it gets the throttle)');
  clock.advance(100);
  assert.equal(seen.at(-1), `line ${next}`);
  screen.dispose();
});

test('the reply to the input codex-run typed has its snapshot taken as soon as it is parsed, while the pause is waited out; output after a silence does not (issue 16)', { timeout: 30_000 }, async () => {
  const { screen, clock } = model(40, 6, { throttleMs: 1000, quietMs: 5, silenceMs: 100, inputWindowMs: 500 });
  const seen: { line: string; at: number }[] = [];
  screen.onSnapshot((s) => seen.push({ line: s.lines.filter((l) => l !== '').at(-1) ?? '', at: s.at }));
  await fed(screen, 'working\r\n');
  clock.advance(10);
  screen.inputSent();
  await fed(screen, 'Continue? [y/n] ');
  const parsedAt = clock.now();
  clock.advance(5);
  // The quiet edge shows the snapshot taken at the parse (nothing came since), not a new one.
  assert.deepEqual(seen.at(-1), { line: 'Continue? [y/n]', at: parsedAt });
  // More output before the quiet edge: the edge shows the screen as it is then.
  clock.advance(10);
  screen.inputSent();
  await fed(screen, 'y\r\nnext? ');
  clock.advance(2);
  await fed(screen, '[y/n] ');
  const lastAt = clock.now();
  clock.advance(5);
  assert.deepEqual(seen.at(-1), { line: 'next? [y/n]', at: lastAt });
  // After a silence (within the throttle), with no input: the snapshot is taken at the quiet edge
  // (a batch of jobs that print and exit pays nothing ahead).
  clock.advance(600);
  await fed(screen, '\r\nProceed? [y/n] ');
  const silentAt = clock.now();
  clock.advance(5);
  assert.deepEqual(seen.at(-1), { line: 'Proceed? [y/n]', at: silentAt + 5 });
  screen.dispose();
});

test('write() asks for backpressure above the high-water mark until parsed', async () => {
  const { screen } = model(20, 3, { highWaterMark: 1000 });
  assert.equal(screen.write('x'.repeat(500)), true);
  assert.equal(screen.write('y'.repeat(600)), false);
  assert.equal(screen.pendingBytes, 1100);
  await screen.whenParsed();
  assert.equal(screen.pendingBytes, 0);
  assert.equal(screen.bytesWritten, 1100);
  screen.dispose();
});

// xterm's parser decodes each call's input into a buffer it keeps, and only ever grows (issue 16:
// a 16 KiB tail made every flooding job's terminal keep 64 KiB more; 200 jobs, 20 MB).
function parseBufferLength(screen: ScreenModel): number {
  const term = (screen as unknown as { term: { _core?: { _inputHandler?: { _parseBuffer?: Uint32Array } } } }).term;
  const buffer = term._core?._inputHandler?._parseBuffer;
  assert.ok(buffer instanceof Uint32Array, "xterm's parse buffer was not found where it was (has xterm changed?)");
  return buffer.length;
}

test('big chunks reach xterm in pieces: its parse buffer stays small, and UTF-8 and surrogate pairs cut between pieces still read right', async () => {
  const { screen } = model(40, 6);
  const before = parseBufferLength(screen);
  // Bytes: a 2-byte and a 4-byte UTF-8 sequence straddle the 4096-byte cuts.
  const bytes = Buffer.from(`${'a'.repeat(PARSE_PIECE - 1)}é${'b'.repeat(PARSE_PIECE - 3)}😀\r\n${'c'.repeat(60_000)}\r\nend of bytes é😀`, 'utf8');
  assert.ok(bytes.length > 2 * PARSE_PIECE);
  assert.equal(bytes.subarray(PARSE_PIECE - 1, PARSE_PIECE + 1).toString('utf8'), 'é');
  await fed(screen, bytes);
  assert.equal(screen.snapshot().lines.at(-1), 'end of bytes é😀');
  // A string: a surrogate pair straddles the 4096-unit cut.
  await fed(screen, `\r\n${'d'.repeat(PARSE_PIECE - 3)}😀${'e'.repeat(70_000)}\r\nend of text 😀`);
  assert.equal(screen.snapshot().lines.at(-1), 'end of text 😀');
  assert.equal(parseBufferLength(screen), before);
  assert.ok(before <= PARSE_PIECE);
  screen.dispose();
});

test('parsePieces cuts at PARSE_PIECE without copying bytes, and leaves small input whole', () => {
  const small = Buffer.from('small');
  assert.deepEqual(parsePieces(small), [small]);
  const big = Buffer.alloc(PARSE_PIECE * 2 + 5, 0x61);
  const pieces = parsePieces(big) as Buffer[];
  assert.deepEqual(pieces.map((p) => p.length), [PARSE_PIECE, PARSE_PIECE, 5]);
  assert.equal(pieces[0]!.buffer, big.buffer);
  assert.deepEqual((parsePieces('x'.repeat(PARSE_PIECE + 1)) as string[]).map((p) => p.length), [PARSE_PIECE, 1]);
});

test("the bottom row keeps no trailing spaces once the scrollback is full and its oldest row is a wrapped one", async () => {
  const { screen } = model(10, 3);
  // 10 columns, 3 rows, 3 rows of scrollback: a long line wraps over rows that reach the top of
  // the ring, then a short last line.
  await fed(screen, `${'w'.repeat(65)}\r\nlast`);
  assert.equal(screen.snapshot().lines.at(-1), 'last');
  screen.dispose();
});

test("a screen on the terminal of a job that ended starts blank whatever that job left; the old screen's handlers hear nothing more (issue 16: terminals are pooled)", async () => {
  const clock = new FakeClock();
  const old = new ScreenModel({ cols: 40, rows: 6, clock });
  const heard: string[] = [];
  old.onOsc(7501, (p) => heard.push(`osc ${p}`));
  old.onTitle((t) => heard.push(`title ${t}`));
  old.onReply((r) => heard.push(`reply ${JSON.stringify(r)}`));
  old.onSnapshot(() => heard.push('snapshot'));
  // Alternate buffer, a colour, a scroll region, a cursor far down, and an OSC left unfinished.
  await fed(old, 'left behind\r\n\x1b[?1049h\x1b[31mred\x1b[2;4r\x1b[6;30H\x1b]0;unfinished title');
  heard.length = 0;
  const before = pooledTerminals();
  old.dispose();
  assert.equal(pooledTerminals(), before + 1, 'the ended screen gave its terminal back');

  const next = new ScreenModel({ cols: 30, rows: 5, clock, historyLines: 2 });
  assert.equal(pooledTerminals(), before, 'the next screen took it');
  const mine: string[] = [];
  next.onOsc(7501, (p) => mine.push(`osc ${p}`));
  next.onTitle((t) => mine.push(`title ${t}`));
  next.onReply((r) => mine.push(`reply ${JSON.stringify(r)}`));
  await fed(next, '\x1b]7501;state=busy\x07\x1b]0;new title\x07\x1b[6n', 'a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng');
  assert.deepEqual(heard, [], 'nothing reaches the old screen');
  assert.deepEqual(mine, ['osc state=busy', 'title new title', 'reply "\\u001b[1;1R"']);
  const snap = next.snapshot();
  assert.equal(snap.cols, 30);
  assert.equal(snap.rows, 5);
  assert.equal(snap.buffer, 'normal');
  assert.deepEqual(snap.lines, ['c', 'd', 'e', 'f', 'g'], 'the whole screen scrolls: no scroll region left over');
  assert.deepEqual(snap.history, ['a', 'b']);
  assert.deepEqual(snap.cursor, { row: 4, col: 1 });
  next.dispose();
});
