import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from './paths.js';

/** Writes a manifest of three fake-agent jobs (one succeeds, one fails, one is left blocked) into `dir`. */
export function writeThreeJobManifest(dir: string): string {
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'jobs:',
      '  good:',
      '    agent: command',
      `    command: [node, -e, "console.log('all fine'); console.log('wrote <b>NOTES.md</b>')"]`,
      '  broken:',
      '    agent: command',
      `    command: [sh, -c, "echo compiling; echo 'FAIL test/api.test.js: expected 200, got 500'; echo '  at line 42'; exit 3"]`,
      '  asks:',
      '    agent: command',
      `    command: [node, ${JSON.stringify(fixture('agent-yn-prompt.js'))}]`,
      '    idle: { blockedAfter: 1s, onBlocked: fail }',
      '',
    ].join('\n'),
  );
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  return file;
}

/** The only run folder under `runsRoot`. */
export function onlyRun(runsRoot: string): string {
  const runs = readdirSync(runsRoot).filter((n) => !n.startsWith('.'));
  if (runs.length !== 1) throw new Error(`expected one run in ${runsRoot}, found ${runs.join(', ')}`);
  return path.join(runsRoot, runs[0]!);
}
