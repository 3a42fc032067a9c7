import assert from 'node:assert/strict';
import fs, { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JobFiles, jobFileNames } from '../../src/logs/job-files.js';
import type { FileOpener } from '../../src/logs/secure-file.js';
import { Transcript } from '../../src/logs/transcript.js';
import { Redactor } from '../../src/logs/redactor.js';
import { err, ok } from '../../src/util/result.js';
import { tempDir } from '../helpers/temp-dir.js';

const ESC = '\x1b';

test('the transcript file holds the decoded lines, including the unfinished last one', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'job.txt');
  const transcript = Transcript.create(file);
  const output = [`${ESC}]0;codex${ESC}\\${ESC}[1mStarting${ESC}[0m\r\n`, '⠋ thinking\r⠙ thinking\r', `${ESC}[2K\rAnswer: 4`, '2\r\n'];
  for (const chunk of output) transcript.write(Buffer.from(chunk));
  assert.equal(transcript.lastLine(), 'Answer: 42');
  transcript.write(Buffer.from('bye'));
  assert.equal(transcript.lastLine(), 'bye');
  await transcript.close();
  assert.equal(readFileSync(file, 'utf8'), 'Starting\nAnswer: 42\nbye\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(transcript.error(), null);
});

test('lastLine skips blank lines and is null before any output', { timeout: 20_000 }, async () => {
  const transcript = Transcript.create(path.join(tempDir(), 'blank.txt'));
  assert.equal(transcript.lastLine(), null);
  transcript.write(Buffer.from('  useful  \n\n   \n'));
  assert.equal(transcript.lastLine(), 'useful');
  await transcript.close();
});

test('a transcript on a full disk reports the error and close still resolves', { timeout: 20_000 }, async () => {
  const openDevFull: FileOpener = () =>
    new Promise((resolve) => fs.open('/dev/full', 'w', (e, fd) => resolve(e ? err(e.message) : ok(fd))));
  const transcript = Transcript.create('/dev/full', { open: openDevFull });
  transcript.write(Buffer.from('line\n'));
  await transcript.close();
  assert.match(transcript.error() ?? '', /ENOSPC/);
});

test('JobFiles writes the raw bytes and the transcript side by side', { timeout: 20_000 }, async () => {
  const runDir = tempDir();
  const names = jobFileNames('build');
  assert.deepEqual(names, { logFile: 'build.log', transcriptFile: 'build.txt' });
  const files = JobFiles.create(runDir, names);
  const raw = [Buffer.from(`${ESC}[31mred${ESC}[0m\r\n`), Buffer.from([0x00, 0xff, 0x0a])];
  for (const chunk of raw) files.write(chunk);
  await new Promise<void>((resolve) => files.onceDrain(resolve));
  await files.close();
  assert.ok(readFileSync(path.join(runDir, 'build.log')).equals(Buffer.concat(raw)));
  assert.equal(readFileSync(path.join(runDir, 'build.txt'), 'utf8'), 'red\n\ufffd\n');
  assert.equal(files.error(), null);
  // A line of one replacement character says nothing: the last meaningful line is 'red'.
  assert.equal(files.lastLine(), 'red');
});

test('JobFiles.open fails as a value when a file already exists, leaving nothing open', { timeout: 20_000 }, async () => {
  const runDir = tempDir();
  fs.writeFileSync(path.join(runDir, 'dup.txt'), '');
  const opened = await JobFiles.open(runDir, jobFileNames('dup'));
  assert.equal(opened.ok, false);
  assert.match(!opened.ok ? opened.error : '', /dup\.txt: EEXIST/);
});

test('JobFiles refuses names that would leave the run folder', () => {
  assert.throws(() => JobFiles.create(tempDir(), { logFile: '../x.log', transcriptFile: 'x.txt' }), /Internal error/);
});

test('JobFiles lends the raw log to a PTY that writes it only when the raw log is verbatim (no secret redacted from it)', { timeout: 20_000 }, async () => {
  const runDir = tempDir();
  const redactor = Redactor.forJobs([{ env: { API_KEY: 'sk-secret-value-1234' }, secrets: ['API_KEY'] }]);
  assert.equal(redactor.active, true);
  const redacted = await JobFiles.open(runDir, jobFileNames('redacted'), { redactor, redactRawLog: true });
  assert.ok(redacted.ok);
  assert.equal(redacted.value.lendLog(), null, 'a redacted raw log must pass through the redactor');
  await redacted.value.close();

  const verbatim = await JobFiles.open(runDir, jobFileNames('verbatim'), { redactor, redactRawLog: false });
  assert.ok(verbatim.ok);
  const fd = verbatim.value.lendLog();
  assert.equal(typeof fd, 'number');
  // The borrower writes the raw bytes; the files still get them for the transcript.
  const bytes = Buffer.from('token sk-secret-value-1234\r\n');
  fs.writeSync(fd!, bytes);
  verbatim.value.write(bytes);
  verbatim.value.reclaimLog(null);
  await verbatim.value.close();
  assert.equal(readFileSync(path.join(runDir, 'verbatim.log'), 'utf8'), bytes.toString('utf8'));
  assert.doesNotMatch(readFileSync(path.join(runDir, 'verbatim.txt'), 'utf8'), /sk-secret/);
  assert.deepEqual(verbatim.value.stats().log, { given: bytes.length, written: bytes.length, dropped: 0 });
});
