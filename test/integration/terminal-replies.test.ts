import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function runDirOf(dir: string): string {
  const runs = path.join(dir, 'runs');
  return path.join(runs, readdirSync(runs).filter((n) => !n.startsWith('.'))[0]!);
}

test('queries inside binary output are not answered: the job gets no replies and its log is exactly what it printed', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const side = path.join(dir, 'side.json');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  binary:\n    agent: command\n    command: [node, ${JSON.stringify(fixture('binary-queries.js'))}, ${JSON.stringify(side)}, "1048576"]\n`);
  const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 50_000 });
  assert.equal(result.code, 0, result.stderr);
  const printed = JSON.parse(readFileSync(side, 'utf8')) as { printed: string; size: number; received: number };
  assert.equal(printed.received, 0, `${printed.received} bytes of terminal replies were typed into the job`);
  const log = readFileSync(path.join(runDirOf(dir), 'binary.log'));
  assert.equal(log.length, printed.size);
  assert.equal(createHash('sha256').update(log).digest('hex'), printed.printed, 'the log differs from the bytes printed');
});

test('a terminal application asking for its cursor position at rest still gets the answer', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  tui:\n    agent: command\n    command: [node, ${JSON.stringify(fixture('query-at-rest.js'))}]\n`);
  const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 25_000 });
  const log = readFileSync(path.join(runDirOf(dir), 'tui.log'), 'latin1');
  assert.equal(result.code, 0, `${result.stderr}\n${JSON.stringify(log)}`);
  assert.match(log, /reply: \d+;\d+/);
});
