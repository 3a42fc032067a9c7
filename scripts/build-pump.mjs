#!/usr/bin/env node
// Builds codex-run's native PTY pump (native/pump/pump.c and plaintext.c) with the system C compiler into
// native/pump/build/codex-run-pump. Run at install (package.json "install") and usable by
// hand. It never downloads anything. Without a compiler, or if the build fails, it prints
// one line saying why and exits 0: codex-run then uses its JavaScript PTY path (node-pty).
// CC chooses the compiler (default `cc`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'pump', 'pump.c');
// The transcript decoder (a port of src/logs/plain-text.ts), linked into the same binary.
const decoderSource = path.join(root, 'native', 'pump', 'plaintext.c');
// The spawner (`codex-run-pump --spawner`), which starts the pumps for a runner: same binary.
const spawnerSource = path.join(root, 'native', 'pump', 'spawner.c');
// Event and answer lines, shared by the pump and the spawner.
const lineSource = path.join(root, 'native', 'pump', 'line.c');
// The log and transcript writer thread (sink.c).
const sinkSource = path.join(root, 'native', 'pump', 'sink.c');
const outDir = path.join(root, 'native', 'pump', 'build');
const target = path.join(outDir, 'codex-run-pump');
const compiler = process.env.CC || 'cc';

function giveUp(why) {
  console.log(`codex-run: native PTY pump not built (${why}); codex-run will use node-pty instead`);
  process.exit(0);
}

if (process.platform !== 'linux') giveUp(`the pump is Linux-only, this is ${process.platform}`);
for (const file of [source, decoderSource, sinkSource, spawnerSource, lineSource]) if (!fs.existsSync(file)) giveUp(`${file} is missing`);
fs.mkdirSync(outDir, { recursive: true });
const temporary = `${target}.${process.pid}.tmp`;
const built = spawnSync(compiler, ['-O2', '-std=gnu11', '-Wall', '-pthread', '-o', temporary, source, decoderSource, sinkSource, spawnerSource, lineSource, '-lutil'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (built.error !== undefined) {
  giveUp(built.error.code === 'ENOENT' ? `no C compiler: \`${compiler}\` is not on PATH` : `${compiler} could not run: ${built.error.message}`);
}
if (built.status !== 0) {
  fs.rmSync(temporary, { force: true });
  const first = `${built.stderr}`.split('\n').find((line) => /error/i.test(line)) ?? `exit status ${built.status}`;
  giveUp(`${compiler} failed: ${first.trim()}`);
}
const probe = spawnSync(temporary, ['--probe'], { encoding: 'utf8' });
if (probe.status !== 0 || probe.stdout.trim() !== 'codex-run-pump 5') {
  fs.rmSync(temporary, { force: true });
  giveUp('the built pump does not answer its probe');
}
fs.renameSync(temporary, target);
console.log(`codex-run: built the native PTY pump ${path.relative(root, target)}`);
