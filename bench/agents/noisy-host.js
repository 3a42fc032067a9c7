#!/usr/bin/env node
// Bench 3's siblings outside codex-run: spawns <noisyCount> noisy siblings in node-pty (the same
// terminal size as codex-run's), discards their output, and exits once all of them have (they
// stop when <workDir>/done exists). With codex-run supervising only the prompt agent meanwhile,
// the latency measured is that of codex-run's own path under the same contention, without the
// siblings' supervision. On SIGTERM it stops the siblings it started, by pid, and exits.
// Usage: noisy-host.js <workDir> <noisyCount>
import { spawnSiblings } from './siblings.js';

const [workDir, noisyCount] = process.argv.slice(2);
const children = spawnSiblings(workDir, Number(noisyCount));
let exited = 0;
for (const child of children) child.onExit(() => ++exited === children.length && process.exit(0));
if (children.length === 0) process.exit(0);
process.on('SIGTERM', () => {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  process.exit(143);
});
