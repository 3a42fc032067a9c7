import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { burstShare, RUN_BURST_BYTES, SCREEN_BUDGET } from '../../src/session/screen-budget.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { floodSupervision } from '../helpers/flood-supervision.js';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

/** The budget as documented in src/session/job-supervision.ts: per tick, so much as it comes plus a tail (and the parser reset). */
const TICK_MS = SCREEN_BUDGET.tickMs;
const PER_TICK = SCREEN_BUDGET.bytesPerTick + SCREEN_BUDGET.tailBytes + 1;

const setup = floodSupervision;

const LINE = Buffer.from(`${'x'.repeat(75)}\r\n`);
const CHUNK = Buffer.concat(Array.from({ length: 54 }, () => LINE)); // about 4 KiB, a PTY read

async function answered(clock: FakeClock, supervision: JobSupervision, written: string[]): Promise<void> {
  await waitFor('the prompt to be answered', async () => {
    clock.advance(TICK_MS);
    await supervision.whenCaughtUp();
    clock.advance(5);
    return written.includes('y');
  });
}

test('a flood costs the screen model a bounded number of bytes per tick even when xterm keeps up, and holds a bounded tail', { timeout: 60_000 }, async () => {
  const { clock, supervision } = setup();
  const chunks = 2000; // 8 MiB over 2 s of (fake) time: 20 ticks
  let maxHeld = 0;
  for (let i = 0; i < chunks; i++) {
    supervision.write(CHUNK);
    clock.advance(1);
    // xterm catches up now and then: feeding must not depend on it falling behind.
    if (i % 4 === 0) await supervision.whenCaughtUp();
    maxHeld = Math.max(maxHeld, supervision.screenWork().held);
  }
  const work = supervision.screenWork();
  const ticks = Math.ceil(chunks / TICK_MS) + 1;
  const bound = SCREEN_BUDGET.burstBytes + ticks * PER_TICK;
  assert.equal(work.outputBytes, chunks * CHUNK.length);
  assert.ok(work.fed <= bound, `the screen parsed ${work.fed} of ${work.outputBytes} bytes: more than a burst and ${ticks} ticks x ${PER_TICK}`);
  assert.ok(maxHeld <= SCREEN_BUDGET.tailBytes + CHUNK.length, `held ${maxHeld} bytes for the tail`);
  // Policies read a snapshot about once a second during the flood (2 s here), not every tick
  // (a few more: while the first burst passes, and as the flood starts).
  assert.ok(work.snapshots <= 6, `${work.snapshots} snapshots during a 2 s flood`);
  supervision.dispose();
});

test('after a flood the screen is right again: a prompt at its end is shown and answered', { timeout: 60_000 }, async () => {
  const { clock, written, supervision } = setup();
  for (let i = 0; i < 1000; i++) {
    supervision.write(CHUNK);
    if (i % 8 === 0) await supervision.whenCaughtUp();
  }
  supervision.write(Buffer.from('Continue? [y/n] '));
  await answered(clock, supervision, written);
  const text = supervision.inspect().snapshot.text();
  assert.match(text, /Continue\? \[y\/n\] *$/, `the screen shows the prompt last:\n${text}`);
});

test('output skipped in the middle of an escape sequence does not swallow the tail: the parser is reset before it', { timeout: 60_000 }, async () => {
  const { clock, written, supervision } = setup();
  // Exactly the budget (a full bucket), parsed as it comes, ending inside an OSC string (a title that never ends)...
  const opening = Buffer.from('\x1b]0;a title');
  const piece = 4 * 1024;
  for (let fed = 0; fed < SCREEN_BUDGET.burstBytes - piece; fed += piece) {
    supervision.write(Buffer.alloc(piece, 0x61));
    await supervision.whenCaughtUp();
  }
  supervision.write(Buffer.concat([Buffer.alloc(piece - opening.length, 0x61), opening]));
  await supervision.whenCaughtUp();
  assert.equal(supervision.screenWork().fed, SCREEN_BUDGET.burstBytes, 'the whole budget went to the screen');
  // ...then output the screen skips, and a prompt in the tail.
  for (let i = 0; i < 20; i++) supervision.write(CHUNK);
  supervision.write(Buffer.from('Continue? [y/n] '));
  await answered(clock, supervision, written);
  assert.match(supervision.inspect().snapshot.text(), /Continue\? \[y\/n\]/);
});

test('xterm is loaded by the first screen model (a job starting), never by loading and validating a manifest', { timeout: 60_000 }, () => {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).some((file) => file.includes('@xterm'));
    const lib = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'index.js'))});
    await import(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'cli', 'validate-command.js'))});
    const before = loaded();
    const { ScreenModel } = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'session', 'screen.js'))});
    const afterImport = loaded();
    new ScreenModel({ cols: 80, rows: 24, clock: { now: () => 0, setTimeout: () => ({}), clearTimeout: () => {} } }).dispose();
    console.log(JSON.stringify({ exports: Object.keys(lib).length > 0, before, afterImport, afterScreen: loaded() }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}'), { exports: true, before: false, afterImport: false, afterScreen: true });
});

test('a burst bigger than the tick budget but smaller than the tail (a full-screen redraw) reaches the screen whole, a tick late', { timeout: 60_000 }, async () => {
  const { clock, supervision } = setup();
  // A TUI frame: every row drawn by cursor addressing, in colour, no newlines: about 20 KiB.
  let frame = '\x1b[?1049h\x1b[H';
  for (let row = 1; row <= 24; row++) {
    frame += `\x1b[${row};1H`;
    for (let col = 0; col < 40; col++) frame += `\x1b[3${col % 8}m${String.fromCharCode(65 + ((row + col) % 26))}\x1b[0m `;
  }
  frame += '\x1b[24;1HContinue? [y/n] ';
  const bytes = Buffer.from(frame);
  assert.ok(bytes.length > SCREEN_BUDGET.bytesPerTick && bytes.length < SCREEN_BUDGET.tailBytes, `frame of ${bytes.length} bytes`);
  // A flood has emptied the bucket (plain lines, then a clear screen)...
  const drain = Buffer.alloc(4096, 0x0a);
  for (let fed = 0; fed < SCREEN_BUDGET.burstBytes; fed += drain.length) {
    supervision.write(drain);
    await supervision.whenCaughtUp();
  }
  await waitFor('the drained output to be replayed', async () => {
    clock.advance(TICK_MS);
    await supervision.whenCaughtUp();
    return supervision.screenWork().held === 0;
  });
  const before = supervision.screenWork().fed;
  for (let at = 0; at < bytes.length; at += 4096) supervision.write(bytes.subarray(at, at + 4096));
  await waitFor('the held part to be replayed', async () => {
    clock.advance(TICK_MS);
    await supervision.whenCaughtUp();
    return supervision.screenWork().held === 0;
  });
  const { ScreenModel } = await import('../../src/session/screen.js');
  const reference = new ScreenModel({ cols: 80, rows: 24, clock: new FakeClock() });
  reference.write(bytes);
  await reference.whenParsed();
  assert.deepEqual(supervision.inspect().snapshot.lines, reference.snapshot().lines);
  assert.equal(supervision.screenWork().fed - before, bytes.length, 'every byte once, no reset');
  reference.dispose();
  supervision.dispose();
});

test("a run's jobs share its screen burst: up to four jobs at once get a full burst each, more get an equal share, never under a tick's refill", { timeout: 10_000 }, () => {
  assert.equal(burstShare(1), SCREEN_BUDGET.burstBytes);
  assert.equal(burstShare(4), SCREEN_BUDGET.burstBytes);
  assert.equal(burstShare(8), 8 * 1024);
  assert.equal(burstShare(21), Math.floor(RUN_BURST_BYTES / 21));
  assert.equal(burstShare(32), SCREEN_BUDGET.bytesPerTick);
  assert.equal(burstShare(1000), SCREEN_BUDGET.bytesPerTick);
  // Nonsense counts are one job (a run always has one).
  for (const odd of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(burstShare(odd), SCREEN_BUDGET.burstBytes, String(odd));
  for (let jobs = 1; jobs <= 300; jobs++) {
    const share = burstShare(jobs);
    assert.ok(share <= SCREEN_BUDGET.burstBytes && share >= SCREEN_BUDGET.bytesPerTick, `${jobs} jobs: ${share}`);
    assert.ok(share <= burstShare(jobs - 1 || 1), `${jobs} jobs: the share never grows with more jobs`);
    // Together, the bursts stay within the run's (or the floor of one tick's refill each).
    assert.ok(jobs * share <= Math.max(RUN_BURST_BYTES, jobs * SCREEN_BUDGET.bytesPerTick), `${jobs} jobs: ${jobs * share} in all`);
  }
});

test("a job's share of the run's burst is what its screen parses at once; the rest is held and reaches the screen whole a tick later", { timeout: 60_000 }, async () => {
  const burst = burstShare(21);
  const { clock, supervision } = setup({ screenBurstBytes: burst });
  assert.equal(supervision.screenBurstBytes, burst);
  // A start-up screen of 10 KiB in 1 KiB writes (lines, then a prompt): more than the share, less than a tail.
  const line = Buffer.from(`${'s'.repeat(1022)}\r\n`);
  for (let i = 0; i < 10; i++) supervision.write(line);
  supervision.write(Buffer.from('Continue? [y/n] '));
  await supervision.whenCaughtUp();
  const first = supervision.screenWork();
  assert.ok(first.fed <= burst && first.fed > burst - line.length, `${first.fed} bytes parsed at once with a burst of ${burst}`);
  assert.equal(first.fed + first.held, 10 * line.length + 'Continue? [y/n] '.length, 'the rest is held, none of it dropped');
  await waitFor('the held part to be replayed', async () => {
    clock.advance(TICK_MS);
    await supervision.whenCaughtUp();
    return supervision.screenWork().held === 0;
  });
  assert.equal(supervision.screenWork().fed, 10 * line.length + 'Continue? [y/n] '.length, 'the whole start-up screen reached the screen');
  assert.match(supervision.inspect().snapshot.text(), /Continue\? \[y\/n\] *$/);
  // The same screen with one job's full burst passes at once.
  const alone = setup();
  for (let i = 0; i < 10; i++) alone.supervision.write(line);
  await alone.supervision.whenCaughtUp();
  assert.deepEqual([alone.supervision.screenWork().fed, alone.supervision.screenWork().held], [10 * line.length, 0]);
});
