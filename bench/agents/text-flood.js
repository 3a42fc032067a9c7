#!/usr/bin/env node
// Bench agent: writes about argv[2] bytes of 76-column text (77-byte lines, each numbered so
// a dropped, repeated or reordered line changes the hash) to fd 1 as fast as it is taken,
// then exits 0. With `--expect` it writes nothing to the terminal and prints, as JSON, what a
// PTY log of that output must be: the same lines with "\n" turned into "\r\n" (ONLCR).
import { createHash } from 'node:crypto';
import fs from 'node:fs';

const LINE_BYTES = 77;
const LINES_PER_CHUNK = 1024;
const PATTERN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+=.,:;';

const totalLines = Math.ceil(Number(process.argv[2]) / LINE_BYTES);
const expectMode = process.argv[3] === '--expect';

// Line i: a 9-digit number, a space, then 66 characters of the pattern starting at i mod 70.
function chunk(first, count, eol) {
  let text = '';
  for (let i = first; i < first + count; i++) {
    const start = i % PATTERN.length;
    text += String(i).padStart(9, '0') + ' ' + (PATTERN + PATTERN).slice(start, start + 66) + eol;
  }
  return Buffer.from(text, 'latin1');
}

// Blocking writes to the inherited terminal (process.stdout is never touched, so fd 1 stays blocking).
function writeAll(buffer) {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(1, buffer, offset);
}

if (expectMode) {
  const hash = createHash('sha256');
  let logBytes = 0;
  for (let first = 0; first < totalLines; first += LINES_PER_CHUNK) {
    const buffer = chunk(first, Math.min(LINES_PER_CHUNK, totalLines - first), '\r\n');
    hash.update(buffer);
    logBytes += buffer.length;
  }
  writeAll(Buffer.from(JSON.stringify({ rawBytes: totalLines * LINE_BYTES, logBytes, sha256: hash.digest('hex') }) + '\n'));
} else {
  for (let first = 0; first < totalLines; first += LINES_PER_CHUNK) {
    writeAll(chunk(first, Math.min(LINES_PER_CHUNK, totalLines - first), '\n'));
  }
}
