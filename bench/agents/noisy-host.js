#!/usr/bin/env node
// Bench 3's siblings outside codex-run: spawns <noisyCount> noisy siblings in node-pty (the same
// terminal size as codex-run's), discards their output, and exits once all of them have (they
// stop when <workDir>/done exists). With codex-run supervising only the prompt agent meanwhile,
// the latency measured is that of codex-run's own path under the same contention, without the
// siblings' supervision. On SIGTERM it stops the siblings it started, by pid, and exits.
// Usage: noisy-host.js <workDir> <noisyCount>
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';

const here = path.dirname(fileURLToPath(import.meta.url));
const [workDir, noisyCount] = process.argv.slice(2);
const options = { name: 'xterm-256color', cols: 120, rows: 40, cwd: workDir, env: process.env };

const children = [];
for (let i = 0; i < Number(noisyCount); i++) {
  const sibling = pty.spawn(process.execPath, [path.join(here, 'noisy.js'), workDir], options);
  sibling.onData(() => {});
  children.push(sibling);
}
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
