import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a DEL byte and random binary output never make the screen model log to the runner', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'jobs:',
      '  del:',
      '    agent: command',
      `    command: [sh, -c, "printf 'a\\\\177b\\\\n'"]`,
      '  noise:',
      '    agent: command',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fixture('logs-binary-burst.js'))}, '7', '262144']`,
      '',
    ].join('\n'),
  );
  for (const flags of [['-q'], []]) {
    const result = await runCli([file, '--out', path.join(dir, 'runs'), ...flags], { cwd: dir, deadlineMs: 50_000 });
    assert.equal(result.code, 0, result.stderr);
    // logs-binary-burst prints its checksum on its own stderr, which goes into the job's PTY, not ours.
    assert.equal(result.stderr, '', `runner stderr with ${flags.join(' ') || 'plain'}:\n${result.stderr.slice(0, 2000)}`);
    assert.doesNotMatch(result.stdout, /xterm\.js|Parsing error/);
  }
});
