#!/usr/bin/env node
// The many-floods baseline: the least a node-pty host that logs can do. Spawns <count> copies
// of the command in node-pty (same terminal size as codex-run), appends each one's output to
// <logDir>/<i>.log with blocking writes, and exits once all have exited.
// Usage: raw-pty-loop.js <logDir> <count> <command> [args...]
import fs from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';

const [logDir, count, file, ...args] = process.argv.slice(2);
const options = { name: 'xterm-256color', cols: 120, rows: 40, cwd: logDir, env: process.env, encoding: null };
let exited = 0;
for (let i = 0; i < Number(count); i++) {
  const fd = fs.openSync(path.join(logDir, `${i}.log`), 'w', 0o600);
  const child = pty.spawn(file, args, options);
  child.onData((chunk) => fs.writeSync(fd, chunk));
  child.onExit(() => {
    fs.closeSync(fd);
    if (++exited === Number(count)) process.exit(0);
  });
}
