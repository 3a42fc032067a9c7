#!/usr/bin/env node
// The answer-latency baseline: the least a node-pty host can do. Spawns the prompt agent and
// <noisyCount> noisy siblings in node-pty (same terminal size as codex-run), discards the
// siblings' output, and types "y" as soon as the prompt's text shows up in the agent's
// output. It imports node-pty itself on purpose: it is the floor codex-run is measured against.
// Usage: raw-echo-host.js <trials> <warmups> <workDir> <noisyCount> <gapMs>; exits once all children have.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import { ptyOptions, spawnSiblings } from './siblings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [trials, warmups, workDir, noisyCount, gapMs] = process.argv.slice(2);
const PROMPT = /Continue\? \[y\/n\]/;

const children = spawnSiblings(workDir, Number(noisyCount));
const agent = pty.spawn(process.execPath, [path.join(here, 'prompt-agent.js'), trials, warmups, workDir, noisyCount, gapMs], ptyOptions(workDir));
let seen = '';
agent.onData((text) => {
  seen += text;
  if (PROMPT.test(seen)) {
    agent.write('y');
    seen = '';
  } else if (seen.length > 4096) {
    seen = seen.slice(-256);
  }
});
children.push(agent);

let exited = 0;
let agentExit = 0;
agent.onExit(({ exitCode }) => (agentExit = exitCode));
for (const child of children) child.onExit(() => ++exited === children.length && process.exit(agentExit));
