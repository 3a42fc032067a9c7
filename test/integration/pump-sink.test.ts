// The native pump writes the log and the transcript on a second thread (native/pump/sink.c):
// the reading thread hands batches, notes ('n') and the end over one ordered queue. Real pump,
// real PTY, real files and sockets: the log is every output byte, and the transcript is byte
// for byte what the JS Transcript makes of the log with the notes at the points Node sent them,
// for steps from 1 byte to several MiB, and when the transcript's reader falls behind (the
// queue fills, the pump stops reading the terminal, and nothing is lost).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { Transcript } from '../../src/logs/transcript.js';
import { defaultPumpBinary } from '../../src/session/pty-backend.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const PUMP = defaultPumpBinary();
const MIB = 1024 * 1024;

function frame(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

interface Note {
  /** Output bytes Node had received when it sent the note. */
  at: number;
  text: string;
}

interface StepsRun {
  log: Buffer;
  output: Buffer;
  transcript: Buffer;
  notes: Note[];
  events: string;
  /** With holdTranscript: output bytes Node had when the pump stopped reading (the transcript unread). */
  stalledAt: number | null;
}

/**
 * Runs test/fixtures/pump-steps.js in the pump (full mode): after each step's output, a note,
 * then a line on the terminal for the next step. With `holdTranscript`, the transcript (a
 * socket here) is not read until the output has stopped coming (the pump's writer is stuck).
 */
async function runSteps(t: { after(fn: () => void): void }, sizes: number[], holdTranscript = false): Promise<StepsRun> {
  const dir = tempDir();
  const logFile = path.join(dir, 'job.log');
  const logFd = fs.openSync(logFile, 'wx', 0o600);
  const child = spawn(PUMP, ['100', '30', dir, '5000', process.execPath, fixture('pump-steps.js'), ...sizes.map(String)], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', logFd, 'pipe'],
  });
  fs.closeSync(logFd);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  const control = child.stdio[0] as Writable;
  const events: string[] = [];
  (child.stdio[3] as Readable).on('data', (d: Buffer) => events.push(d.toString('utf8')));
  let stderr = '';
  (child.stdio[2] as Readable).on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const transcriptChunks: Buffer[] = [];
  const transcriptStream = (child.stdio as unknown as Readable[])[5]!;
  transcriptStream.on('data', (d: Buffer) => transcriptChunks.push(d));
  if (holdTranscript) transcriptStream.pause();
  const transcriptEnded = new Promise<void>((resolve) => transcriptStream.on('end', resolve));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const outputChunks: Buffer[] = [];
  let received = 0;
  let pending = Buffer.alloc(0);
  let tail = '';
  let stepsDone = 0;
  (child.stdio[1] as Readable).on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 5) {
      const len = pending.readUInt32BE(1);
      if (pending.length < 5 + len) break;
      const type = String.fromCharCode(pending[0]!);
      // Full mode sends output frames, and after the reply to input ('w' below) the quiet word.
      assert.ok(type === 'd' || (type === 'q' && len === 0), `full mode sends only output frames and quiet words, got '${type}'`);
      const bytes = pending.subarray(5, 5 + len);
      outputChunks.push(Buffer.from(bytes));
      received += len;
      tail = (tail + bytes.toString('latin1')).slice(-100);
      while (tail.includes(`@@step ${stepsDone} done@@`)) {
        tail = tail.slice(tail.indexOf(`@@step ${stepsDone} done@@`) + 1);
        stepsDone++;
      }
      pending = pending.subarray(5 + len);
    }
  });

  let stalledAt: number | null = null;
  if (holdTranscript) {
    // The output stops (no new byte over 5 polls in a row): the pump no longer reads the terminal.
    let last = -1;
    let still = 0;
    stalledAt = await waitFor('the output to stop while the transcript is not read', () => {
      still = received > 0 && received === last ? still + 1 : 0;
      last = received;
      return still >= 5 ? received : false;
    }, 60_000);
    transcriptStream.resume();
  }

  const notes: Note[] = [];
  for (let step = 0; step < sizes.length; step++) {
    await waitFor(`step ${step} of the fixture (stderr: ${stderr}, events: ${events.join('')})`, () => stepsDone > step, 60_000);
    const text = `── note after step ${step} ──`;
    notes.push({ at: received, text });
    control.write(frame('n', Buffer.from(text, 'utf8')));
    control.write(frame('w', Buffer.from('go\r', 'latin1')));
  }
  await exited;
  await transcriptEnded;
  assert.equal(stderr, '');
  return {
    log: fs.readFileSync(logFile),
    output: Buffer.concat(outputChunks),
    transcript: Buffer.concat(transcriptChunks),
    notes,
    events: events.join(''),
    stalledAt,
  };
}

/** What the JS Transcript writes for the log with the notes at their offsets. */
async function expectedTranscript(run: StepsRun): Promise<Buffer> {
  const file = path.join(tempDir(), 'expected.txt');
  const opened = await Transcript.open(file);
  if (!opened.ok) throw new Error(opened.error);
  const transcript = opened.value;
  let from = 0;
  for (const note of run.notes) {
    transcript.write(run.log.subarray(from, note.at));
    transcript.mark(note.text);
    from = note.at;
  }
  transcript.write(run.log.subarray(from));
  await transcript.close();
  return fs.readFileSync(file);
}

function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(
    `${what} differs at byte ${i} (got ${actual.length} bytes, expected ${expected.length}):\n` +
      `  expected: ${JSON.stringify(expected.subarray(Math.max(0, i - 80), i + 40).toString('utf8'))}\n` +
      `  got:      ${JSON.stringify(actual.subarray(Math.max(0, i - 80), i + 40).toString('utf8'))}`,
  );
}

test('the pump\'s transcript thread keeps every byte and the notes in order, for steps of 1 byte to 3 MiB', { timeout: 180_000 }, async (t) => {
  const run = await runSteps(t, [1, 7, 300, 70_000, 3 * MIB, 2, MIB + 17, 4096]);
  assert.match(run.events, /^pid \d+ transcript\n/);
  assert.match(run.events, /exit 0 0\n$/);
  assertSameBytes(run.log, run.output, 'the log (against the output Node received)');
  assert.ok(run.log.length > 4 * MIB);
  assertSameBytes(run.transcript, await expectedTranscript(run), 'the transcript');
  // Every note is in it, in order.
  let at = 0;
  for (const note of run.notes) {
    const found = run.transcript.indexOf(note.text, at, 'utf8');
    assert.ok(found >= at, `${note.text} is in the transcript after the previous one`);
    at = found;
  }
});

test('a transcript reader that falls behind holds the terminal back and loses nothing', { timeout: 180_000 }, async (t) => {
  // The transcript is not read at first: the writer thread blocks on the full socket, its queue
  // (8 batches of at most 128 KiB) fills, and the pump stops reading the terminal, short of the
  // 6 MiB step (the queue, the socket and the pump's buffer for Node hold far less).
  const run = await runSteps(t, [6 * MIB, 5], true);
  assert.ok(run.stalledAt !== null && run.stalledAt < 6 * MIB, `the pump stopped reading at ${run.stalledAt} bytes`);
  assert.match(run.events, /exit 0 0\n$/);
  assert.doesNotMatch(run.events, /txterror|logerror|error/);
  assertSameBytes(run.log, run.output, 'the log (against the output Node received)');
  assertSameBytes(run.transcript, await expectedTranscript(run), 'the transcript');
});
