import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JobLog } from '../../src/logs/job-log.js';
import type { FileOpener } from '../../src/logs/secure-file.js';
import { err, ok } from '../../src/util/result.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

// A seeded xorshift generator: the same "random" chunks on every run, so failures reproduce.
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function randomChunks(seed: number, count: number, maxSize: number): Buffer[] {
  const next = prng(seed);
  return Array.from({ length: count }, () => {
    const chunk = Buffer.alloc(next() % (maxSize + 1));
    for (let i = 0; i < chunk.length; i++) chunk[i] = next() & 0xff;
    return chunk;
  });
}

// Opens /dev/full, where every write fails with ENOSPC (a full disk on demand).
const openDevFull: FileOpener = () =>
  new Promise((resolve) => {
    fs.open('/dev/full', 'w', (e, fd) => resolve(e ? err(e.message) : ok(fd)));
  });

test('the file holds exactly the bytes given, in order, when the writer honours backpressure', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'job.log');
  const log = JobLog.create(file, { highWaterMark: 16 * 1024 });
  const chunks = randomChunks(42, 400, 8 * 1024);
  let pauses = 0;
  for (const chunk of chunks) {
    if (!log.write(chunk)) {
      pauses++;
      await new Promise<void>((resolve) => log.onceDrain(resolve));
    }
  }
  await log.close();
  const expected = Buffer.concat(chunks);
  assert.ok(pauses > 0, 'the writer should have asked for a pause at least once');
  assert.equal(log.error(), null);
  assert.deepEqual(log.stats(), { given: expected.length, written: expected.length, dropped: 0 });
  assert.ok(readFileSync(file).equals(expected), 'file bytes differ from the bytes given');
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a burst written without waiting still lands byte-exact after close', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'burst.log');
  const log = JobLog.create(file);
  const chunks = randomChunks(7, 2000, 1024);
  let refused = 0;
  for (const chunk of chunks) if (!log.write(chunk)) refused++;
  assert.ok(refused > 0, 'write should return false once more than the high-water mark is queued');
  await log.close();
  assert.ok(readFileSync(file).equals(Buffer.concat(chunks)));
});

test('open is exclusive: an existing file is an error value, not overwritten', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'exists.log');
  writeFileSync(file, 'keep me');
  const opened = await JobLog.open(file);
  assert.equal(opened.ok, false);
  assert.match(!opened.ok ? opened.error : '', /^cannot create .*exists\.log: EEXIST/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');

  const created = JobLog.create(file);
  assert.equal(created.write(Buffer.from('lost')), true);
  await created.close();
  assert.match(created.error() ?? '', /EEXIST/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('ENOSPC is captured as a value; later writes are dropped and counted, and drain waiters are released', { timeout: 20_000 }, async () => {
  const errors: string[] = [];
  const log = JobLog.create('/dev/full', { open: openDevFull, highWaterMark: 1024, onError: (m) => errors.push(m) });
  assert.equal(log.write(Buffer.alloc(4096, 1)), false);
  await new Promise<void>((resolve) => log.onceDrain(resolve));
  assert.match(await waitFor('the write error', () => log.error()), /^cannot write \/dev\/full: ENOSPC/);
  assert.equal(log.write(Buffer.alloc(100, 2)), true, 'a dead log must not ask for a pause');
  await new Promise<void>((resolve) => log.onceDrain(resolve));
  await log.close();
  assert.deepEqual(errors, [log.error()]);
  assert.deepEqual(log.stats(), { given: 4196, written: 0, dropped: 4196 });
});

test('close flushes and resolves even when the disk fails during the final flush', { timeout: 20_000 }, async () => {
  const log = JobLog.create('/dev/full', { open: openDevFull });
  log.write(Buffer.from('tail that never lands'));
  await log.close();
  assert.match(log.error() ?? '', /ENOSPC/);
  await log.close();
});

test('bytes written after close are dropped and counted, never thrown', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'late.log');
  const log = JobLog.create(file);
  log.write(Buffer.from('early'));
  const closing = log.close();
  assert.equal(log.write(Buffer.from('late!!')), true);
  await closing;
  assert.equal(readFileSync(file, 'utf8'), 'early');
  assert.deepEqual(log.stats(), { given: 11, written: 5, dropped: 6 });
  assert.equal(log.error(), null);
});

test('lend: a borrower writes the log through the descriptor; writes meanwhile only count, and later writes follow its bytes', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'lent.log');
  const opened = await JobLog.open(file);
  assert.ok(opened.ok);
  const log = opened.value;
  assert.equal(log.write(Buffer.from('before|')), true);
  assert.equal(log.lend(), null, 'not while bytes are queued: they could land after the borrower\'s');
  await waitFor('the queue to drain', () => log.stats().written === 7 && log.lend() !== null);
  const fd = (log as unknown as { stream: { fd: number } }).stream.fd;
  // The borrower (the native pump) writes the bytes itself; the log is told the same bytes.
  fs.writeSync(fd, 'lent bytes|');
  assert.equal(log.write(Buffer.from('lent bytes|')), true);
  log.reclaim(null);
  log.write(Buffer.from('after'));
  await log.close();
  assert.equal(log.error(), null);
  assert.equal(readFileSync(file, 'utf8'), 'before|lent bytes|after');
  assert.deepEqual(log.stats(), { given: 23, written: 23, dropped: 0 });
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('reclaim with the borrower\'s error (a full disk) fails the log with that error as a value', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'lent-full.log');
  const opened = await JobLog.open(file);
  assert.ok(opened.ok);
  const log = opened.value;
  assert.notEqual(log.lend(), null);
  log.write(Buffer.from('lost'));
  log.reclaim(Object.assign(new Error('No space left on device'), { code: 'ENOSPC', errno: 28 }));
  assert.match(log.error() ?? '', /lent-full\.log/);
  assert.equal(log.write(Buffer.from('more')), true, 'later bytes are dropped, never waited on');
  await log.close();
  assert.deepEqual(log.stats(), { given: 8, written: 0, dropped: 8 });
});

test('a full disk met by another file of the run tells the borrower to stop writing, and the next bytes fail the log', { timeout: 20_000 }, async () => {
  const { DiskSpace } = await import('../../src/logs/disk-space.js');
  const space = new DiskSpace();
  const file = path.join(tempDir(), 'lent-stop.log');
  const opened = await JobLog.open(file, { space });
  assert.ok(opened.ok);
  const log = opened.value;
  let stops = 0;
  assert.notEqual(log.lend(() => stops++), null);
  log.write(Buffer.from('written by the borrower|'));
  space.markFull();
  await waitFor('the borrower to be told', () => stops === 1);
  assert.equal(log.error(), null, 'nothing is lost yet: the failure comes with the next bytes');
  assert.equal(log.write(Buffer.from('not written')), true);
  assert.match(log.error() ?? '', /disk is full/);
  log.reclaim(null);
  await log.close();
  assert.equal(stops, 1);
});
