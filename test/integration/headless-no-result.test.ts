import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// A headless claude or gemini run that exits 0 without its stream-json `result` event (here a
// binary that prints nothing at all) did no turn: it fails, it does not "succeed" with nothing.
test('claude and gemini headless runs that exit 0 printing no result fail as agent-usage', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    [
      'version: 1',
      'jobs:',
      '  c:',
      '    agent: claude',
      '    prompt: hi',
      '    claude: { mode: headless, bin: /bin/true }',
      '  g:',
      '    agent: gemini',
      '    prompt: hi',
      '    gemini: { mode: headless, bin: /bin/true }',
      '',
    ].join('\n'),
  );
  const r = await runCli(['jobs.yaml', '--json'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { jobs: Array<{ name: string; status: string; reason: string | null; message: string | null }> };
  for (const [name, agent] of [['c', 'claude'], ['g', 'gemini']] as const) {
    const job = report.jobs.find((j) => j.name === name);
    assert.equal(job?.status, 'failed', JSON.stringify(job));
    assert.equal(job?.reason, 'agent-usage');
    assert.match(job?.message ?? '', new RegExp(`^${agent} exited 0 but printed no result .*${agent}\\.bin`));
  }
});
