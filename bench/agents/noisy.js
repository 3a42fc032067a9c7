#!/usr/bin/env node
// Bench agent: a busy sibling. Usage: noisy.js <workDir> [linesPerTick] [tickMs]. Creates
// <workDir>/ready-<pid>, then writes linesPerTick (default 4) lines of ~80 characters every
// tickMs (default 10) until <workDir>/done exists (at most 5 minutes), and exits 0.
import fs from 'node:fs';
import path from 'node:path';

const workDir = process.argv[2];
const linesPerTick = Number(process.argv[3] ?? 4);
const tickMs = Number(process.argv[4] ?? 10);
const doneFile = path.join(workDir, 'done');
const giveUpAt = Date.now() + 5 * 60 * 1000;
let n = 0;

fs.writeFileSync(path.join(workDir, `ready-${process.pid}`), '');
const timer = setInterval(() => {
  if (fs.existsSync(doneFile) || Date.now() > giveUpAt) {
    clearInterval(timer);
    return;
  }
  let text = '';
  for (let i = 0; i < linesPerTick; i++) {
    n++;
    text += `\x1b[2m[noisy ${process.pid}]\x1b[0m line ${n}: compiling module ${n % 97} of 97, ${(n * 7) % 1000} files checked\r\n`;
  }
  fs.writeSync(1, text);
}, tickMs);
