#!/usr/bin/env node
// Bench agent: asks "[trial N/M] Continue? [y/n] " and times how long the answer takes to
// arrive on its raw-mode stdin (process.hrtime, taken just before the prompt is written and
// when the 'y' is read). Usage: prompt-agent.js <trials> <warmups> <workDir> <noisyCount> [gapMs].
// It waits until <noisyCount> noisy siblings have put a ready-* file in <workDir>, asks
// <warmups> untimed questions, then <trials> timed ones, writes <workDir>/latency.json
// ({ latenciesUs, warmups, firstAnswer, error }), creates <workDir>/done (the siblings stop
// on it) and exits: 0, or 2 with `error` set when an answer did not come within 5 s.
import fs from 'node:fs';
import path from 'node:path';

const [trials, warmups] = [Number(process.argv[2]), Number(process.argv[3])];
const workDir = process.argv[4];
const noisyCount = Number(process.argv[5] ?? 0);
const ANSWER_TIMEOUT_MS = 5000;
const READY_TIMEOUT_MS = 30000;
// Pause between an answer and the next question, like an agent doing a little work.
const gapMs = Number(process.argv[6] ?? 15);

const latenciesUs = [];
let firstAnswer = null;
let asked = 0;
let askedAt = null;
let timer = null;

function finish(error) {
  fs.writeFileSync(path.join(workDir, 'latency.json'), JSON.stringify({ latenciesUs, warmups, firstAnswer, error }));
  fs.writeFileSync(path.join(workDir, 'done'), '');
  process.exit(error === null ? 0 : 2);
}

function ask() {
  asked++;
  const label = asked <= warmups ? `warm-up ${asked}/${warmups}` : `trial ${asked - warmups}/${trials}`;
  askedAt = process.hrtime.bigint();
  fs.writeSync(1, `\r\n[${label}] Continue? [y/n] `);
  timer = setTimeout(() => finish(`no answer to "${label}" within ${ANSWER_TIMEOUT_MS} ms`), ANSWER_TIMEOUT_MS);
}

process.stdin.setRawMode(true);
process.stdin.on('data', (data) => {
  const at = process.hrtime.bigint();
  if (askedAt === null || !data.includes('y')) return;
  clearTimeout(timer);
  if (asked > warmups) latenciesUs.push(Number(at - askedAt) / 1000);
  firstAnswer ??= JSON.stringify(data.toString('latin1'));
  askedAt = null;
  fs.writeSync(1, 'y\r\nok, continuing\r\n');
  if (asked >= warmups + trials) finish(null);
  else setTimeout(ask, gapMs);
});

// Start once the noisy siblings are all writing, so every timed question has company.
const readySince = Date.now();
const waitForSiblings = () => {
  const ready = fs.readdirSync(workDir).filter((n) => n.startsWith('ready-')).length;
  if (ready >= noisyCount) ask();
  else if (Date.now() - readySince > READY_TIMEOUT_MS) finish(`only ${ready} of ${noisyCount} noisy siblings started within ${READY_TIMEOUT_MS} ms`);
  else setTimeout(waitForSiblings, 20);
};
waitForSiblings();
