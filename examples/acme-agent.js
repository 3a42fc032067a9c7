#!/usr/bin/env node
// A stand-in for "the next agent CLI" (a hypothetical acme-agent), for examples/generic.yaml:
// it has its own session ids, asks before running a command, and edits a file. Offline.
//   acme-agent.js --prompt TEXT          a new session: prints `session: <id>`
//   acme-agent.js --resume ID TEXT       continues session ID (its history in .acme-agent/)
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const args = process.argv.slice(2);
const resume = args[0] === '--resume';
const id = resume ? args[1] : randomUUID();
const prompt = resume ? args[2] : args[1];
if (!id || prompt === undefined || (!resume && args[0] !== '--prompt')) {
  process.stderr.write('usage: acme-agent.js --prompt TEXT | --resume ID TEXT\n');
  process.exit(2);
}
mkdirSync('.acme-agent', { recursive: true });
const history = `.acme-agent/${id}.history`;
if (resume && !existsSync(history)) {
  process.stdout.write(`acme: no session ${id}\n`);
  process.exit(4);
}
const earlier = resume ? readFileSync(history, 'utf8').split('\n').filter(Boolean).length : 0;
appendFileSync(history, `${prompt}\n`);
process.stdout.write(`acme-agent 0.1 (offline stand-in)\nsession: ${id}\n`);
if (resume) process.stdout.write(`resuming with ${earlier} earlier prompt(s)\n`);
process.stdout.write(`> ${prompt}\n`);

// Ask before "running" a command, as agents do: one line answer, y approves.
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdout.write('Allow running `ls -l`? [y/n] ');
let answer = '';
process.stdin.on('data', (chunk) => {
  for (const ch of chunk.toString('utf8')) {
    if (ch === '\x03') process.exit(130);
    if (ch !== '\r' && ch !== '\n') {
      answer += ch;
      process.stdout.write(ch);
      continue;
    }
    process.stdout.write('\n');
    if (answer.trim() !== 'y') {
      process.stdout.write('Not running it. Stopping here.\n');
      process.exit(5);
    }
    for (const name of readdirSync('.')) process.stdout.write(`  ${name}\n`);
    appendFileSync('NOTES.md', `- acme-agent (session ${id}): ${prompt}\n`);
    process.stdout.write('Wrote NOTES.md.\nDone.\n');
    process.exit(0);
  }
});
