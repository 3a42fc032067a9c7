// The files of a run folder: created exclusively, 0600 whatever the umask, and appending (the
// pump spawner reopens a job's log through /proc: a second open file of the same file).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSecureFile } from '../../src/logs/secure-file.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a run file is created 0600 and exclusively, and every write lands at its end, whoever else wrote meanwhile', { timeout: 10_000 }, async () => {
  const file = path.join(tempDir(), 'job.log');
  const opened = await openSecureFile(file);
  assert.ok(opened.ok);
  const fd = opened.value;
  try {
    assert.equal(fs.fstatSync(fd).mode & 0o777, 0o600);
    fs.writeSync(fd, 'one\n');
    // Another open file of the same file (as the spawner's pump has) writes between.
    const other = fs.openSync(`/proc/self/fd/${fd}`, 'a');
    fs.writeSync(other, 'two\n');
    fs.closeSync(other);
    fs.writeSync(fd, 'three\n');
    assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree\n');
  } finally {
    fs.closeSync(fd);
  }
  const again = await openSecureFile(file);
  assert.equal(again.ok, false, 'an existing file is never reused');
});
