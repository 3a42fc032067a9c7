import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainTextDecoder } from '../../src/logs/plain-text.js';

const ESC = '\x1b';

/** Decodes `chunks` (strings are taken as UTF-8; Buffers as given) and returns every line, flush included. */
function decode(chunks: (string | Buffer)[], options: { maxLineBytes?: number } = {}): string[] {
  const decoder = new PlainTextDecoder(options);
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...decoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  lines.push(...decoder.flush());
  return lines;
}

const cases: { name: string; chunks: (string | Buffer)[]; lines: string[] }[] = [
  { name: 'CRLF and LF line ends, blank lines kept', chunks: ['one\r\ntwo\n\nfour\r\n'], lines: ['one', 'two', '', 'four'] },
  {
    name: 'spinner overwritten with \\r collapses to its final state',
    chunks: ['⠋ Working\r', '⠙ Working\r', '⠹ Working\r', 'Done.    \r\n'],
    lines: ['Done.'],
  },
  { name: 'a shorter overwrite without erase keeps the tail, as the screen did', chunks: ['100%\r50%\r\n'], lines: ['50%%'] },
  { name: '\\r then erase-line replaces the line', chunks: [`Downloading 10%\r${ESC}[KDone\r\n`], lines: ['Done'] },
  { name: 'erase-line 2 then \\r', chunks: [`progress 99%${ESC}[2K\rbye\n`], lines: ['bye'] },
  { name: 'SGR colours are stripped', chunks: [`${ESC}[1;32mOK${ESC}[0m passed ${ESC}[38;2;255;0;0mred${ESC}[m\n`], lines: ['OK passed red'] },
  { name: 'CSI split across chunks', chunks: [`a${ESC}`, '[3', '1', 'mb', `${ESC}[`, '0mc\n'], lines: ['abc'] },
  { name: 'OSC title (BEL) split across chunks', chunks: [`${ESC}]0;my ti`, 'tle é\x07after\r\n'], lines: ['after'] },
  {
    name: 'OSC 8 hyperlink with ST split between ESC and backslash',
    chunks: [`${ESC}]8;;https://example.com${ESC}`, '\\link', `${ESC}]8;;${ESC}\\ done\n`],
    lines: ['link done'],
  },
  { name: 'DCS and APC strings are dropped up to ST', chunks: [`${ESC}Pq#0;2;0;0;0${ESC}\\a${ESC}_apc\x07still${ESC}\\b\n`], lines: ['ab'] },
  { name: 'charset and keypad escapes are dropped', chunks: [`${ESC}(Bplain${ESC}=${ESC}7${ESC}8\n`], lines: ['plain'] },
  { name: 'private modes are dropped, not acted on', chunks: [`${ESC}[?25lno cursor${ESC}[?25h${ESC}[?2004h\n`], lines: ['no cursor'] },
  { name: 'ESC inside an OSC starts a new sequence', chunks: [`${ESC}]0;title${ESC}[31mred\n`], lines: ['red'] },
  { name: 'a non-ASCII byte ends an unfinished sequence and is printed', chunks: [`${ESC}[3é${ESC}é\n`], lines: ['éé'] },
  { name: 'CAN cancels a sequence', chunks: [`${ESC}[31\x18text\n`], lines: ['text'] },
  {
    name: 'UTF-8 split across chunks at every byte',
    chunks: [Buffer.from([0x63, 0x61, 0x66, 0xc3]), Buffer.from([0xa9, 0x20, 0xe2]), Buffer.from([0x82]), Buffer.from([0xac, 0x20, 0xf0, 0x9f]), Buffer.from([0x9a, 0x80, 0x0a])],
    lines: ['café € 🚀'],
  },
  { name: 'backspace moves left and the next character overwrites', chunks: ['abc\b\bX\r\n'], lines: ['aXc'] },
  { name: 'backspace-space-backspace erases', chunks: ['ab\b \b\n'], lines: ['a'] },
  { name: 'backspace over a multibyte character', chunks: ['é€\bx\n'], lines: ['éx'] },
  { name: 'backspace at the line start stays put', chunks: ['\b\bab\n'], lines: ['ab'] },
  { name: 'overwriting ASCII with multibyte and back', chunks: ['aaa\ré\n', 'ééé\rx\n'], lines: ['éaa', 'xéé'] },
  { name: 'erase to the start of the line, cursor included', chunks: [`hello world${ESC}[6D${ESC}[1K\n`], lines: ['      world'] },
  { name: 'erase to the end of the line', chunks: [`hello world${ESC}[6D${ESC}[K\n`], lines: ['hello'] },
  { name: 'cursor to a column', chunks: [`abcdef${ESC}[3Gx\n`], lines: ['abxdef'] },
  { name: 'cursor forward pads with spaces', chunks: [`a${ESC}[3Cb\n`], lines: ['a   b'] },
  { name: 'erase and delete characters', chunks: [`abcdef${ESC}[4D${ESC}[2X\n`, `abcdef${ESC}[4D${ESC}[2P\n`], lines: ['ab  ef', 'abef'] },
  {
    name: 'vertical moves end the line; cursor position keeps its column',
    chunks: [`line1${ESC}[2;1Hline2${ESC}[3;4Hline3${ESC}[1Aline4${ESC}[2J${ESC}[H\n`],
    lines: ['line1', 'line2', '   line3', 'line4', ''],
  },
  { name: 'tabs are kept, bells and NULs dropped', chunks: ['a\tb\x07\x00c\n'], lines: ['a\tbc'] },
  { name: 'invalid UTF-8 becomes U+FFFD', chunks: [Buffer.from([0xff, 0xfe, 0x6f, 0x6b, 0x0a])], lines: ['\ufffd\ufffdok'] },
  { name: 'an unfinished last line is returned by flush', chunks: ['done\npartial'], lines: ['done', 'partial'] },
  { name: 'an unfinished blank line is not', chunks: ['done\n   '], lines: ['done'] },
];

for (const c of cases) {
  test(`decodes: ${c.name}`, () => {
    const actual = decode(c.chunks);
    assert.deepEqual(actual, c.lines, `actual lines:\n${JSON.stringify(actual, null, 2)}`);
  });
}

test('the result does not depend on where chunks are split', () => {
  const complete = cases
    .map((c) => ({ bytes: Buffer.concat(c.chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk))), lines: c.lines }))
    .filter((c) => c.bytes.at(-1) === 0x0a);
  const whole = Buffer.concat(complete.map((c) => c.bytes));
  const expected = decode([whole]);
  assert.deepEqual(expected, complete.flatMap((c) => c.lines));
  for (let cut = 1; cut < whole.length; cut++) {
    assert.deepEqual(decode([whole.subarray(0, cut), whole.subarray(cut)]), expected, `split at byte ${cut}`);
  }
  const bytes = [...whole].map((b) => Buffer.from([b]));
  assert.deepEqual(decode(bytes), expected, 'one byte per chunk');
});

test('currentLine shows the line being written; push returns only completed lines', () => {
  const decoder = new PlainTextDecoder();
  assert.deepEqual(decoder.push(Buffer.from(`${ESC}[32mhal`)), []);
  assert.equal(decoder.currentLine(), 'hal');
  assert.deepEqual(decoder.push(Buffer.from('f\rH')), []);
  assert.equal(decoder.currentLine(), 'Half');
  assert.deepEqual(decoder.push(Buffer.from('\nnext')), ['Half']);
  assert.deepEqual(decoder.flush(), ['next']);
  assert.deepEqual(decoder.flush(), []);
});

test('a line over the cap is cut into pieces without splitting a character', () => {
  assert.deepEqual(decode(['abcdefghij\n'], { maxLineBytes: 8 }), ['abcdefgh', 'ij']);
  assert.deepEqual(decode(['abcdefgé\n'], { maxLineBytes: 8 }), ['abcdefgé']);
  assert.deepEqual(decode(['abcdefgh€x\n'], { maxLineBytes: 8 }), ['abcdefgh', '€x']);
});

test('memory stays bounded: a 1 MB line without a newline, and a never-ending OSC', () => {
  const decoder = new PlainTextDecoder({ maxLineBytes: 1024 });
  const lines = decoder.push(Buffer.alloc(1024 * 1024, 0x61));
  assert.equal(lines.length, 1023);
  assert.ok(lines.every((l) => l.length === 1024));
  assert.equal(decoder.currentLine().length, 1024);
  decoder.flush();
  assert.deepEqual(decoder.push(Buffer.concat([Buffer.from(`${ESC}]0;`), Buffer.alloc(1024 * 1024, 0x62)])), []);
  assert.equal(decoder.currentLine(), '');
  assert.deepEqual(decoder.push(Buffer.from('\x07ok\n')), ['ok']);
});

test('a decoder holds little until a long line comes: 2,000 idle decoders take well under 64 KiB each', () => {
  const before = process.memoryUsage().arrayBuffers;
  const decoders = Array.from({ length: 2000 }, () => new PlainTextDecoder());
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 16 * 1024 * 1024, `${(grown / 1024 / 1024).toFixed(1)} MiB for ${decoders.length} decoders`);
  assert.deepEqual(decoders[0]?.push(Buffer.from('short\n')), ['short']);
});

test('the line grows past its first size with the default cap: long lines, edits, UTF-8 at the cut', () => {
  const long = 'x'.repeat(70_000);
  assert.deepEqual(decode([long.slice(0, 100), long.slice(100, 5000), `${long.slice(5000)}\n`]), [long.slice(0, 65_536), long.slice(65_536)]);
  // Overwrites and cursor moves far past the first size keep what was written before.
  assert.deepEqual(decode([`${'a'.repeat(3000)}\r${'b'.repeat(10)}${ESC}[5000Cz\n`]), [`${'b'.repeat(10)}${'a'.repeat(2990)}${' '.repeat(2010)}z`]);
  assert.deepEqual(decode([`${'é'.repeat(300)}\r${'€'.repeat(400)}\n`]), ['€'.repeat(400)]);
  // A character that straddles the cap goes whole into the slack.
  assert.deepEqual(decode([`${'a'.repeat(65_535)}€x\n`]), [`${'a'.repeat(65_535)}€`, 'x']);
});
