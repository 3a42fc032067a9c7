/**
 * Golden test of the native transcript decoder (native/pump/plaintext.c) against the JavaScript
 * one: for every recorded terminal stream in the repository and in ../shared/reference, and for
 * generated adversarial input, `codex-run-pump --decode` must write exactly the bytes the JS
 * Transcript writes to <job>.txt, whatever the chunking (whole, 1 byte, random) and with marks
 * between chunks. On a difference it prints the first differing byte with context.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { Transcript } from '../../src/logs/transcript.js';
import { repoRoot } from '../helpers/paths.js';
import { recordedStreams } from '../helpers/recorded-streams.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { tempDir } from '../helpers/temp-dir.js';

const PUMP_DIR = path.join(repoRoot, 'native', 'pump');
const PUMP = path.join(PUMP_DIR, 'build', 'codex-run-pump');
const REFERENCE = path.join(repoRoot, '..', 'shared', 'reference');
const FIXTURES = path.join(repoRoot, 'test', 'fixtures');
const ESC = '\x1b';

type Step = { data: Buffer } | { mark: string };
interface Case {
  name: string;
  steps: Step[];
  maxLineBytes?: number;
}

function newestSource(): number {
  return Math.max(...['pump.c', 'plaintext.c', 'plaintext.h'].map((name) => fs.statSync(path.join(PUMP_DIR, name)).mtimeMs));
}

before(() => {
  const stale = !fs.existsSync(PUMP) || fs.statSync(PUMP).mtimeMs < newestSource();
  if (stale) {
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-pump.mjs')], { encoding: 'utf8', timeout: 120_000 });
    if (!fs.existsSync(PUMP) || fs.statSync(PUMP).mtimeMs < newestSource()) {
      throw new Error(`the native pump could not be built: ${built.stdout}${built.stderr}${built.error?.message ?? ''}`);
    }
  }
});

// Bytes as text a person can compare: printable ASCII as is, everything else as \xNN.
function show(bytes: Buffer): string {
  let text = '';
  for (const b of bytes) text += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x0a ? '\\n\n    ' : `\\x${b.toString(16).padStart(2, '0')}`;
  return text;
}

function assertSameBytes(native: Buffer, js: Buffer, what: string): void {
  if (native.equals(js)) return;
  let i = 0;
  while (i < native.length && i < js.length && native[i] === js[i]) i++;
  const from = Math.max(0, i - 120);
  assert.fail(
    `${what}: the C transcript differs from the JS one at byte ${i} (C wrote ${native.length} bytes, JS ${js.length})\n` +
      `  JS: ${show(js.subarray(from, i))}[HERE]${show(js.subarray(i, i + 60))}\n` +
      `  C:  ${show(native.subarray(from, i))}[HERE]${show(native.subarray(i, i + 60))}`,
  );
}

let files = 0;
async function jsTranscript(dir: string, c: Case): Promise<Buffer> {
  const file = path.join(dir, `${files++}.txt`);
  const opened = await Transcript.open(file, c.maxLineBytes === undefined ? {} : { maxLineBytes: c.maxLineBytes });
  if (!opened.ok) throw new Error(opened.error);
  const transcript = opened.value;
  for (const step of c.steps) {
    if ('data' in step) transcript.write(step.data);
    else transcript.mark(step.mark);
  }
  await transcript.close();
  assert.equal(transcript.error(), null);
  return fs.readFileSync(file);
}

function runPump(args: string[], input: Buffer, maxLineBytes: number | undefined): Buffer {
  const argv = ['--decode', ...(maxLineBytes === undefined ? [] : [String(maxLineBytes)]), ...args];
  const run = spawnSync(PUMP, argv, { input, maxBuffer: 1 << 30, timeout: 60_000 });
  if (run.error !== undefined) throw run.error;
  assert.equal(run.status, 0, `codex-run-pump ${argv.join(' ')} exited ${run.status} ${run.signal ?? ''}: ${run.stderr.toString()}`);
  return run.stdout;
}

/** The C decoder fed exactly the case's chunks and marks (`--decode --framed`). */
function nativeFramed(c: Case): Buffer {
  const frames: Buffer[] = [];
  for (const step of c.steps) {
    const payload = 'data' in step ? step.data : Buffer.from(step.mark, 'utf8');
    const head = Buffer.alloc(5);
    head[0] = 'data' in step ? 0x64 : 0x6d;
    head.writeUInt32BE(payload.length, 1);
    frames.push(head, payload);
  }
  return runPump(['--framed'], Buffer.concat(frames), c.maxLineBytes);
}

async function assertSame(dir: string, c: Case): Promise<void> {
  assertSameBytes(nativeFramed(c), await jsTranscript(dir, c), c.name);
}

function wholeChunks(bytes: Buffer): Step[] {
  return [{ data: bytes }];
}

function byteChunks(bytes: Buffer): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < bytes.length; i++) steps.push({ data: bytes.subarray(i, i + 1) });
  return steps;
}

/** Random-sized chunks (1 byte to 8 KiB), with a mark between chunks now and then. */
function randomChunks(bytes: Buffer, seed: number, marks: boolean): Step[] {
  const next = seededRandom(seed);
  const steps: Step[] = [];
  let i = 0;
  while (i < bytes.length) {
    const size = 1 + Math.floor(next() * [1, 5, 64, 8192][Math.floor(next() * 4)]!);
    steps.push({ data: bytes.subarray(i, i + size) });
    i += size;
    if (marks && next() < 0.02) steps.push({ mark: `── attempt ${steps.length} ──` });
  }
  if (marks) steps.push({ mark: 'the end' });
  return steps;
}

/**
 * Every chunking of one stream: whole, 1 byte, random with marks, random with a small line cap,
 * and the C decoder's own random-sized reads of the raw stream.
 */
async function assertEveryChunking(dir: string, name: string, bytes: Buffer, seed: number): Promise<void> {
  await assertSame(dir, { name: `${name} (whole)`, steps: wholeChunks(bytes) });
  await assertSame(dir, { name: `${name} (1-byte chunks)`, steps: byteChunks(bytes) });
  await assertSame(dir, { name: `${name} (random chunks and marks, seed ${seed})`, steps: randomChunks(bytes, seed, true) });
  await assertSame(dir, { name: `${name} (random chunks, 37-byte lines, seed ${seed})`, steps: randomChunks(bytes, seed + 1, false), maxLineBytes: 37 });
  const js = await jsTranscript(dir, { name, steps: wholeChunks(bytes) });
  assertSameBytes(runPump([], bytes, undefined), js, `${name} (the pump's own random reads)`);
}

test('the C transcript equals the JS one on every terminal stream in test/fixtures', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const streams = recordedStreams(FIXTURES);
  assert.ok(streams.length >= 5, `expected recorded streams in ${FIXTURES}, found ${streams.length}`);
  for (const [index, file] of streams.entries()) {
    await assertEveryChunking(dir, path.relative(repoRoot, file), fs.readFileSync(file), 1000 + index);
  }
});

test('the C transcript equals the JS one on every terminal stream in ../shared/reference', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const streams = recordedStreams(REFERENCE);
  assert.ok(streams.length >= 50, `expected the captures of ${REFERENCE}, found ${streams.length}`);
  for (const [index, file] of streams.entries()) {
    await assertEveryChunking(dir, path.relative(path.join(repoRoot, '..'), file), fs.readFileSync(file), 2000 + index);
  }
});

// Pieces that stress the decoder: every control it acts on, sequences it drops, broken UTF-8.
const TOKENS: Buffer[] = [
  ...['a', 'b', 'xyz', 'Hello, world', ' ', '   ', '\t', '\r', '\n', '\r\n', '\b', '\b\b\b', '\x0b', '\x0c', '\x00', '\x07', '\x7f', '\x18', '\x1a', ESC],
  ...['[', '[K', '[0K', '[1K', '[2K', '[3K', '[;K', '[?1K', '[5C', '[C', '[0C', '[3D', '[D', '[10G', '[G', '[0G', '[4`', '[2X', '[X', '[2P', '[P'].map((s) => ESC + s),
  ...['[A', '[2B', '[E', '[F', '[5d', '[2J', '[3;7H', '[H', '[;5f', '[1;31m', '[38:2:1:2:3m', '[99999999999C', '[4294967296C', '[4294967297K', '[8589934593;4294967296H', '[ q', '[>c', '[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18K'].map((s) => ESC + s),
  ...[']0;title é\x07', `]8;;http://x${ESC}\\`, ']', 'P', `Pq#0;1\x07still${ESC}\\`, 'X', '^', '_', '\\', '(B', '(', ' ', ' \x7f', '7', '=', '\x7f'].map((s) => ESC + s),
  ...['é', 'ä', '中文', '😀', '\u00a0', '\ufeff'],
].map((s) => Buffer.from(s, 'utf8'));
const BYTE_TOKENS: Buffer[] = [
  [0xe4, 0xb8], [0xf0, 0x9f], [0xf0, 0x9f, 0x98], [0xc3], [0x80], [0xbf], [0xbf, 0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xed, 0xa0, 0x80],
  [0xed, 0x9f, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf5], [0xff], [0xfe], [0xe0, 0x80, 0x80], [0xe0, 0xa0], [0xf0, 0x80], [0x9b],
  [0x1b, 0x5b, 0x33, 0xc3, 0xa9], [0x1b, 0xe4, 0xb8, 0xad], [0x1b, 0x20, 0x80],
].map((bytes) => Buffer.from(bytes));

function tokenSoup(seed: number, size: number): Buffer {
  const next = seededRandom(seed);
  const all = [...TOKENS, ...BYTE_TOKENS];
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const token = all[Math.floor(next() * all.length)]!;
    const repeat = next() < 0.05 ? 1 + Math.floor(next() * 40) : 1;
    for (let k = 0; k < repeat; k++) parts.push(token);
    length += token.length * repeat;
  }
  return Buffer.concat(parts);
}

test('the C transcript equals the JS one on random bytes and on soups of controls, sequences and broken UTF-8', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  for (let seed = 1; seed <= 6; seed++) {
    const next = seededRandom(seed);
    const bytes = Buffer.alloc(6000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    await assertEveryChunking(dir, `random bytes, seed ${seed}`, bytes, seed);
  }
  for (let seed = 1; seed <= 12; seed++) {
    const bytes = tokenSoup(seed, 8000);
    await assertEveryChunking(dir, `token soup, seed ${seed}`, bytes, seed);
    for (const maxLineBytes of [1, 4, 5, 6, 11]) {
      await assertSame(dir, { name: `token soup, seed ${seed}, ${maxLineBytes}-byte lines (whole)`, steps: wholeChunks(bytes), maxLineBytes });
      await assertSame(dir, { name: `token soup, seed ${seed}, ${maxLineBytes}-byte lines (random chunks and marks)`, steps: randomChunks(bytes, seed, true), maxLineBytes });
    }
  }
});

test('the C transcript equals the JS one at every split point of multi-byte characters and escape sequences', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const samples = [
    'héllo wörld 中文 😀 end\r\n',
    `${ESC}[1;31mred${ESC}[0m ${ESC}]0;tïtle${ESC}\\ ${ESC}]8;;x\x07link${ESC}]8;;\x07\n`,
    `${ESC}Pq#0;2${ESC}\\dcs${ESC}_apc${ESC}\\ ${ESC}[?25l${ESC}[2K\rprogress 😀 50%\r${ESC}[Kdone\n`,
    `中文 abc\r${ESC}[3C😀${ESC}[1K|${ESC}[2D${ESC}[2X${ESC}[P\b\b\b\tq${ESC}[5Gz${ESC}[2;4Hnext\n`,
    `a${ESC}[31\x18b${ESC}]0;t\x1ac${ESC}[${ESC}[1mé${ESC}(Bx${ESC}é${ESC}[3é\n`,
    `${ESC}]0;t${ESC}\x07x${ESC}Pd${ESC}${ESC}\\y${ESC}]1${ESC}\x18z${ESC}_${ESC}\x7fw${ESC}X${ESC}\né\n`,
  ].map((s) => Buffer.from(s, 'utf8'));
  samples.push(Buffer.concat([Buffer.from('ab'), ...BYTE_TOKENS, Buffer.from('\r😀\r\n')]));
  for (const [index, sample] of samples.entries()) {
    const steps: Step[] = [];
    for (let k = 1; k < sample.length; k++) {
      steps.push({ data: sample.subarray(0, k) }, { data: sample.subarray(k) }, { mark: `split at ${k}` });
    }
    await assertSame(dir, { name: `sample ${index} split in two at every byte`, steps });
    await assertSame(dir, { name: `sample ${index} split in two at every byte, 5-byte lines`, steps, maxLineBytes: 5 });
  }
});

test('the C transcript equals the JS one on lines longer than the cap, \\r\\n, backspaces at column 0 and erases', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const cap = 64 * 1024;
  const cases: [string, Buffer][] = [
    ['200 KB line of ASCII', Buffer.from(`${'x'.repeat(200_000)}\r\nafter\n`)],
    ['long line crossing the cap inside a 4-byte character', Buffer.from(`${'x'.repeat(cap - 2)}${'😀'.repeat(5)}\n${'y'.repeat(cap - 1)}中${'z'.repeat(cap)}é\n`)],
    ['continuation bytes overwriting a full line', Buffer.concat([Buffer.from(`${'x'.repeat(cap + 3)}\r`), Buffer.from('😀😀😀😀中中é\n')])],
    ['full line then invalid continuation bytes at the cap', Buffer.concat([Buffer.from('q'.repeat(cap)), Buffer.alloc(10, 0x80), Buffer.from('\rabc'), Buffer.alloc(9, 0xbf), Buffer.from('\n')])],
    ['cursor moves past the cap', Buffer.from(`ab${ESC}[99999Cc\r${ESC}[70000Gd\n${'w'.repeat(cap)}${ESC}[5C${ESC}[H${ESC}[1;99999Hx\n`)],
    ['\\r\\n, \\n\\r and lone \\r', Buffer.from('one\r\ntwo\n\rthree\r\rfour\r\n\r\n\n\r')],
    ['backspaces at column 0 and over wide characters', Buffer.from('\b\b\bab\b\b\b\bc\r\n中😀\b\bx\b\b\by\n\b\n')],
    ['erase-line variants', Buffer.from(`abcdef\r${ESC}[3C${ESC}[K|\nabcdef${ESC}[3D${ESC}[1K|\nab中😀ef${ESC}[3D${ESC}[2K|\nabc${ESC}[5K${ESC}[?2K${ESC}[0K${ESC}[;1K\n   ${ESC}[2K\n`)],
    ['OSC with ST and with BEL, DCS, SOS/PM/APC, cancelled by CAN and SUB', Buffer.from(`${ESC}]0;a\x07x${ESC}]2;b${ESC}\\y${ESC}P1$r${ESC}\\z${ESC}X sos ${ESC}\\${ESC}^pm\x07${ESC}\\${ESC}_apc\x18w${ESC}]0;\x1av\n`)],
    ['a soft break on an all-blank line writes nothing', Buffer.from(`   ${ESC}[A${ESC}[2Ktext${ESC}[2J   \t${ESC}[B${ESC}[H\n`)],
  ];
  for (const [name, bytes] of cases) {
    await assertSame(dir, { name: `${name} (whole)`, steps: wholeChunks(bytes) });
    await assertSame(dir, { name: `${name} (random chunks and marks)`, steps: randomChunks(bytes, 7, true) });
    await assertSame(dir, { name: `${name} (random chunks, 4-byte lines)`, steps: randomChunks(bytes, 8, false), maxLineBytes: 4 });
    if (bytes.length < 20_000) await assertSame(dir, { name: `${name} (1-byte chunks)`, steps: byteChunks(bytes) });
    const js = await jsTranscript(dir, { name, steps: wholeChunks(bytes) });
    assertSameBytes(runPump([], bytes, undefined), js, `${name} (the pump's own random reads)`);
  }
});

test('marks write the pending line, then the note between blank lines, even before any output and twice in a row', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const steps: Step[] = [
    { mark: 'first' },
    { data: Buffer.from('partial') },
    { mark: '── attempt 2 ──' },
    { mark: '' },
    { data: Buffer.from(`${ESC}[3`) },
    { mark: 'inside a CSI' },
    { data: Buffer.from('1mline   ') },
    { mark: 'é\n中' },
  ];
  const native = nativeFramed({ name: 'marks', steps });
  assertSameBytes(native, await jsTranscript(dir, { name: 'marks', steps }), 'marks');
  assert.equal(native.toString('utf8'), '\nfirst\n\npartial\n\n── attempt 2 ──\n\n\n\n\n\ninside a CSI\n\n1mline\n\né\n中\n\n');
});
