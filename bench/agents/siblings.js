// Bench 3's noisy siblings in node-pty, for the hosts that run them outside codex-run
// (raw-echo-host.js, noisy-host.js): the same terminal size as codex-run's, output discarded.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The node-pty options of every agent these hosts start. */
export function ptyOptions(workDir) {
  return { name: 'xterm-256color', cols: 120, rows: 40, cwd: workDir, env: process.env };
}

/** Starts `count` noisy.js siblings writing into `workDir` (they stop once `workDir/done` exists). */
export function spawnSiblings(workDir, count) {
  const children = [];
  for (let i = 0; i < count; i++) {
    const sibling = pty.spawn(process.execPath, [path.join(here, 'noisy.js'), workDir], ptyOptions(workDir));
    sibling.onData(() => {});
    children.push(sibling);
  }
  return children;
}
