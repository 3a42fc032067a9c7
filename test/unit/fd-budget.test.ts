import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { explainStartFailure, FD_HEADROOM, fitConcurrency, parseOpenFileLimit, readFdUsage, tooManyFilesCode } from '../../src/run/fd-budget.js';
import { tempDir } from '../helpers/temp-dir.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  4096                 files
Max locked memory         8388608              8388608              bytes
`;

test('the soft "Max open files" is read from /proc/<pid>/limits; unlimited is null, a missing line undefined', { timeout: 5000 }, () => {
  assert.equal(parseOpenFileLimit(LIMITS), 256);
  assert.equal(parseOpenFileLimit(LIMITS.replace('256                  4096', 'unlimited            unlimited')), null);
  assert.equal(parseOpenFileLimit('Limit  Soft Limit\nMax cpu time  unlimited  unlimited  seconds\n'), undefined);
});

test('readFdUsage counts the descriptors of a /proc/<pid> folder and reads its limit; null when there is none', { timeout: 5000 }, () => {
  const proc = tempDir('codex-run-fd-proc-');
  writeFileSync(path.join(proc, 'limits'), LIMITS);
  mkdirSync(path.join(proc, 'fd'));
  for (const fd of ['0', '1', '2', '3', '4']) writeFileSync(path.join(proc, 'fd', fd), '');
  // One of the entries stands for the listing's own descriptor in the real /proc/self/fd.
  assert.deepEqual(readFdUsage(proc), { limit: 256, open: 4 });
  assert.equal(readFdUsage(path.join(proc, 'missing')), null);
  const live = readFdUsage();
  if (process.platform === 'linux') assert.ok(live !== null && live.open >= 3, JSON.stringify(live));
});

test('the concurrency is lowered to what fits the limit, at least 1, with one warning that says how to raise it', { timeout: 5000 }, () => {
  assert.deepEqual(fitConcurrency(100, { limit: 20_000, open: 30 }, 8), { requested: 100, effective: 100, warning: null });
  assert.deepEqual(fitConcurrency(100, null, 8), { requested: 100, effective: 100, warning: null });
  assert.deepEqual(fitConcurrency(100, { limit: null, open: 30 }, 8), { requested: 100, effective: 100, warning: null });
  const low = fitConcurrency(100, { limit: 256, open: 24 }, 8);
  assert.equal(low.effective, Math.floor((256 - 24 - FD_HEADROOM) / 8));
  assert.equal(
    low.warning,
    `concurrency 100 lowered to 25: the open-file limit is 256 (ulimit -n) and each running job needs about 8; raise it with 'ulimit -n 1024'`,
  );
  assert.equal(fitConcurrency(4, { limit: 40, open: 30 }, 8).effective, 1);
  // A small limit keeps a quarter of it free, not 32.
  assert.equal(fitConcurrency(10, { limit: 64, open: 20 }, 8).effective, Math.floor((64 - 20 - 16) / 8));
  assert.match(fitConcurrency(400, { limit: 1024, open: 30 }, 8).warning ?? '', /raise it with 'ulimit -n 4096'$/);
});

test('a start failure that ran out of descriptors is worded by its cause; others are left alone', { timeout: 5000 }, () => {
  const plenty = { limit: 1024, open: 40 };
  assert.equal(tooManyFilesCode("EMFILE: too many open files, open '/x/j1.log'"), 'EMFILE');
  assert.equal(tooManyFilesCode('ENFILE: file table overflow'), 'ENFILE');
  assert.equal(tooManyFilesCode('spawn ENOENT'), null);
  assert.equal(
    explainStartFailure("could not create the job's log files: EMFILE: too many open files, open '/x/j1.log'", plenty, 8),
    "too many open files (EMFILE): could not create the job's log files: EMFILE: too many open files, open '/x/j1.log'; the open-file limit is 1024 (ulimit -n)",
  );
  assert.match(explainStartFailure('connect ENFILE', plenty, 8) ?? '', /^too many open files \(ENFILE\): .*system-wide/);
  // node-pty says only "forkpty failed": the runner's own count tells.
  assert.equal(
    explainStartFailure('could not start /bin/sh: forkpty failed', { limit: 29, open: 27 }, 7),
    'too many open files (EMFILE): could not start /bin/sh: forkpty failed; the runner holds 27 of the 29 descriptors its open-file limit (ulimit -n) allows',
  );
  assert.equal(explainStartFailure('could not start /bin/sh: forkpty failed', plenty, 7), null);
  assert.equal(explainStartFailure('could not start nope: ENOENT', null, 7), null);
  const once = explainStartFailure('EMFILE', plenty, 8)!;
  assert.equal(explainStartFailure(once, plenty, 8), once);
});
