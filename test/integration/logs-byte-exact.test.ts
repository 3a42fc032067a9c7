import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JobLog } from '../../src/logs/job-log.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

// A real process floods a pipe; the log pauses the pipe on backpressure, as a session pauses its PTY.
test('a real process writing 8 MB of binary output is logged byte-exact, with backpressure', { timeout: 20_000 }, async () => {
  const file = path.join(tempDir(), 'burst.log');
  const log = JobLog.create(file, { highWaterMark: 32 * 1024 });
  const child = spawn(process.execPath, [fixture('logs-binary-burst.js'), '12345', String(8 * 1024 * 1024)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  let pauses = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (!log.write(chunk)) {
      pauses++;
      child.stdout.pause();
      log.onceDrain(() => child.stdout.resume());
    }
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await log.close();

  assert.equal(exitCode, 0, stderr);
  assert.equal(log.error(), null);
  const onDisk = readFileSync(file);
  assert.equal(onDisk.length, 8 * 1024 * 1024);
  assert.equal(createHash('sha256').update(onDisk).digest('hex'), stderr.trim());
  assert.deepEqual(log.stats(), { given: onDisk.length, written: onDisk.length, dropped: 0 });
  assert.ok(pauses > 0, 'the pipe should have been paused at least once');
});
