#!/usr/bin/env node
// A stand-in build for jobs.example.yaml: a progress bar redrawn with \r, colour, then a result.
const steps = 20;
let i = 0;
const timer = setInterval(() => {
  i += 1;
  const bar = '#'.repeat(i).padEnd(steps, '.');
  process.stdout.write(`\r\x1b[36mbuilding\x1b[0m [${bar}] ${Math.round((i / steps) * 100)}%`);
  if (i === steps) {
    clearInterval(timer);
    process.stdout.write('\n\x1b[32m✔\x1b[0m build finished: 3 packages\n');
  }
}, 50);
