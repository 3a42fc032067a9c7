/**
 * The last line of output the native pump decodes into the transcript itself
 * (src/logs/last-line-window.ts): decoded from the newest bytes when asked, it must say what the
 * eager decoder (every byte through PlainTextDecoder) said whenever that line is still within the
 * window, on every recorded terminal stream; and it keeps its promises at the edges (a line
 * across the ring's end, a restart inside an escape sequence, a window of nothing meaningful).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LastLineWindow, WINDOW_BYTES } from '../../src/logs/last-line-window.js';
import { PlainTextDecoder } from '../../src/logs/plain-text.js';
import { isMeaningfulLine, Transcript } from '../../src/logs/transcript.js';
import { repoRoot } from '../helpers/paths.js';
import { recordedStreams } from '../helpers/recorded-streams.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { tempDir } from '../helpers/temp-dir.js';

/** What the transcript said before the window: every byte decoded, the newest meaningful line kept, and where it was seen. */
class EagerLastLine {
  private readonly decoder = new PlainTextDecoder();
  private completed: string | null = null;
  /** Stream offset (end of the chunk) where `completed` was last replaced. */
  completedAt = 0;
  private total = 0;

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const lines = this.decoder.push(chunk);
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (isMeaningfulLine(line)) {
        this.completed = line;
        this.completedAt = this.total;
        break;
      }
    }
  }

  /** The answer, and whether it is the unfinished line (which is always in the window's reach). */
  lastLine(): { line: string | null; current: boolean } {
    const current = this.decoder.currentLine().trim();
    if (isMeaningfulLine(current)) return { line: current, current: true };
    return { line: this.completed, current: false };
  }
}

test('the window says what the eager decoder says while that line is within it, on every recorded stream', { timeout: 300_000 }, () => {
  const streams = [...recordedStreams(path.join(repoRoot, 'test', 'fixtures')), ...recordedStreams(path.join(repoRoot, '..', 'shared', 'reference'))];
  assert.ok(streams.length >= 5, `expected recorded terminal streams, found ${streams.length}`);
  let compared = 0;
  for (const [index, file] of streams.entries()) {
    const bytes = fs.readFileSync(file);
    const next = seededRandom(7000 + index);
    const eager = new EagerLastLine();
    const window = new LastLineWindow(isMeaningfulLine);
    let at = 0;
    while (at < bytes.length) {
      const chunk = bytes.subarray(at, at + 1 + Math.floor(next() * 512));
      at += chunk.length;
      eager.push(chunk);
      window.push(chunk);
      if (next() > 0.2 && at < bytes.length) continue;
      const expected = eager.lastLine();
      // The line must still be in the window: seen within its newest bytes, leaving room for the line itself.
      if (expected.line === null || (!expected.current && at - eager.completedAt > WINDOW_BYTES - 2048)) continue;
      assert.equal(window.lastLine(), expected.line, `${path.relative(repoRoot, file)} at byte ${at} (seed ${7000 + index})`);
      compared++;
    }
  }
  assert.ok(compared > 1000, `only ${compared} points compared`);
});

test('the unfinished line counts; blank, numeric and spinner-only lines keep the line before them', { timeout: 20_000 }, () => {
  const window = new LastLineWindow(isMeaningfulLine);
  assert.equal(window.lastLine(), null);
  window.push(Buffer.from('\x1b[1mBuilding\x1b[0m the project\r\n'));
  assert.equal(window.lastLine(), 'Building the project');
  window.push(Buffer.from('compiling 3 of'));
  assert.equal(window.lastLine(), 'compiling 3 of');
  window.push(Buffer.from(' 9\r\n\r\n42,751\r\n  \r\n⠋\r⠙\r'));
  assert.equal(window.lastLine(), 'compiling 3 of 9');
  // More than the whole window of nothing meaningful: the line before it stays.
  window.push(Buffer.from('1234\r\n'.repeat(WINDOW_BYTES)));
  assert.equal(window.lastLine(), 'compiling 3 of 9');
});

test('only the newest output is kept, and a line across the end of the ring reads whole', { timeout: 20_000 }, () => {
  for (const offset of [0, 1, 37, 500, WINDOW_BYTES - 5, WINDOW_BYTES + 3]) {
    const window = new LastLineWindow(isMeaningfulLine);
    window.push(Buffer.alloc(offset, 0x41));
    window.push(Buffer.from('\r\nearly line\r\n'));
    // Pushed in uneven pieces, one of them bigger than the window.
    const filler = Buffer.from('x'.repeat(WINDOW_BYTES * 2 + 11));
    window.push(filler.subarray(0, 100));
    window.push(filler.subarray(100));
    window.push(Buffer.from('\r\nthe final \x1b[32mlong\x1b[0m answer: '));
    window.push(Buffer.from('done\r\n'));
    assert.equal(window.lastLine(), 'the final long answer: done', `after ${offset} bytes`);
  }
});

test('asking often while nothing meaningful comes reads only the new output, not the window again', { timeout: 20_000 }, () => {
  let decoded = 0;
  const counting = (): PlainTextDecoder => {
    const decoder = new PlainTextDecoder();
    const push = decoder.push.bind(decoder);
    decoder.push = (chunk: Uint8Array) => {
      decoded += chunk.length;
      return push(chunk);
    };
    return decoder;
  };
  const window = new LastLineWindow(isMeaningfulLine, counting);
  window.push(Buffer.from('the build started\r\n'));
  assert.equal(window.lastLine(), 'the build started');
  window.push(Buffer.from('1234\r\n'.repeat(WINDOW_BYTES)));
  assert.equal(window.lastLine(), 'the build started');
  decoded = 0;
  // A progress dot at a time, and the display asking after each.
  for (let i = 0; i < 200; i++) {
    window.push(Buffer.from('.'));
    assert.equal(window.lastLine(), 'the build started');
  }
  assert.ok(decoded <= 200 * 1024, `decoded ${decoded} bytes for 200 new bytes`);
  window.push(Buffer.from(' done: 3 packages\r\n'));
  assert.equal(window.lastLine(), '.'.repeat(200) + ' done: 3 packages');
});

test('a restart ends the line and any escape sequence the skipped output cut', { timeout: 20_000 }, () => {
  const window = new LastLineWindow(isMeaningfulLine);
  window.push(Buffer.from('first step done\r\nhalf a lin'));
  window.push(Buffer.from('\x1b]0;a title cut by the sk'));
  window.restart();
  window.push(Buffer.from('tail starts here'));
  assert.equal(window.lastLine(), 'tail starts here');
  window.restart();
  assert.equal(window.lastLine(), 'tail starts here');
});

test('a lent transcript reports the last line from the window, and keeps it after the loan', { timeout: 20_000 }, async () => {
  const opened = await Transcript.open(path.join(tempDir(), 'lent.txt'));
  assert.ok(opened.ok);
  const transcript = opened.value;
  const notes: string[] = [];
  const fd = transcript.lend(undefined, (text) => notes.push(text));
  assert.notEqual(fd, null);
  assert.equal(transcript.lastLine(), null);
  transcript.write(Buffer.from('\x1b[2mstep\x1b[0m one\r\nstep tw'));
  assert.equal(transcript.lastLine(), 'step tw');
  transcript.skipped();
  transcript.write(Buffer.from('\r\n\r\n'));
  assert.equal(transcript.lastLine(), 'step tw');
  transcript.mark('── attempt 2 ──');
  assert.deepEqual(notes, ['── attempt 2 ──']);
  transcript.write(Buffer.from('second attempt\r\n   \r\n'));
  transcript.reclaim(null);
  assert.equal(transcript.lastLine(), 'second attempt');
  await transcript.close();
});
