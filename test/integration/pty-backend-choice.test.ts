// Which PTY backend runs: the native pump when it is built and works, node-pty otherwise,
// CODEX_RUN_PTY forcing one. The build script without a compiler, and a whole run on each
// backend with its report saying which one ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultPumpBinary, probePump, resolvePtyBackend } from '../../src/session/pty-backend.js';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A copy of the package's build inputs (script + source) in the same layout, to build without touching the repository. */
function packageCopy(): string {
  const dir = tempDir('codex-run-pump-build-');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'native', 'pump'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'scripts', 'build-pump.mjs'), path.join(dir, 'scripts', 'build-pump.mjs'));
  // Every C source and header of the pump (pump.c, plaintext.c, plaintext.h, ...).
  for (const name of fs.readdirSync(path.join(repoRoot, 'native', 'pump'))) {
    if (/\.[ch]$/.test(name)) fs.copyFileSync(path.join(repoRoot, 'native', 'pump', name), path.join(dir, 'native', 'pump', name));
  }
  return dir;
}

test('the build script without a C compiler prints one line, exits 0 and builds nothing; codex-run then falls back to node-pty', { timeout: 30_000 }, () => {
  const dir = packageCopy();
  const built = spawnSync(process.execPath, [path.join(dir, 'scripts', 'build-pump.mjs')], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  assert.equal(built.stderr, '');
  assert.match(built.stdout, /^codex-run: native PTY pump not built \(no C compiler: `cc` is not on PATH\); codex-run will use node-pty instead\n$/);
  const binary = path.join(dir, 'native', 'pump', 'build', 'codex-run-pump');
  assert.equal(fs.existsSync(binary), false);

  const fallback = resolvePtyBackend({ env: {}, binary });
  assert.ok(fallback.ok);
  assert.equal(fallback.value.kind, 'js');
  assert.match(fallback.value.why, /the pump is not built/);
  const forced = resolvePtyBackend({ env: { CODEX_RUN_PTY: 'native' }, binary });
  assert.ok(!forced.ok);
  assert.match(forced.error, /^CODEX_RUN_PTY=native, but the pump is not built/);
});

test('the build script with the system compiler makes a working pump; it is chosen unless CODEX_RUN_PTY=js', { timeout: 60_000 }, () => {
  const dir = packageCopy();
  const built = spawnSync(process.execPath, [path.join(dir, 'scripts', 'build-pump.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /built the native PTY pump native\/pump\/build\/codex-run-pump/);
  const binary = path.join(dir, 'native', 'pump', 'build', 'codex-run-pump');
  assert.equal(probePump(binary), null);
  const chosen = resolvePtyBackend({ env: {}, binary });
  assert.deepEqual(chosen.ok && [chosen.value.kind, chosen.value.binary], ['native', binary]);
  const js = resolvePtyBackend({ env: { CODEX_RUN_PTY: 'js' }, binary });
  assert.deepEqual(js.ok && js.value.kind, 'js');
  const bad = resolvePtyBackend({ env: { CODEX_RUN_PTY: 'fast' }, binary });
  assert.ok(!bad.ok);
  assert.match(bad.error, /CODEX_RUN_PTY=fast is not a PTY backend: use 'native' or 'js'/);
});

test('a file that is not the pump (or another version of it) is not used', { timeout: 10_000 }, () => {
  const dir = tempDir();
  const impostor = path.join(dir, 'codex-run-pump');
  fs.writeFileSync(impostor, '#!/bin/sh\necho something else\n', { mode: 0o700 });
  assert.match(probePump(impostor) ?? '', /is not a codex-run-pump of this version/);
  const chosen = resolvePtyBackend({ env: {}, binary: impostor });
  assert.deepEqual(chosen.ok && chosen.value.kind, 'js');
});

for (const backend of ['native', 'js'] as const) {
  test(`a run on the ${backend} backend: byte-exact log, a rule answers a prompt, report.json records runner.pty`, { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // 3 MB with a prompt at the end that a rule answers: flood, then the answer path.
    const script = [
      "const line = 'x'.repeat(75) + '\\n';",
      'let s = ""; for (let i = 0; i < 40000; i++) s += line;',
      'process.stdout.write(s);',
      "process.stdout.write('Proceed? [y/N] ');",
      "process.stdin.setRawMode(true); process.stdin.once('data', (d) => { process.stdout.write('\\ngot ' + JSON.stringify(String(d)) + '\\n'); process.exit(String(d).startsWith('y') ? 0 : 1); });",
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'agent.js'), script);
    fs.writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `version: 1\njobs:\n  flood:\n    agent: command\n    command: [node, agent.js]\n    timeout: 45s\n    answers:\n      - match: 'Proceed\\? \\[y/N\\]'\n        send: "y"\n`,
    );
    const result = await runCli(['run', 'jobs.yaml'], { cwd: dir, env: { CODEX_RUN_PTY: backend }, deadlineMs: 50_000 });
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    const runs = path.join(dir, '.codex-run', 'runs');
    const [run] = fs.readdirSync(runs);
    const report = JSON.parse(fs.readFileSync(path.join(runs, run!, 'report.json'), 'utf8')) as { runner: { pty?: string } };
    assert.equal(report.runner.pty, backend);
    const log = fs.readFileSync(path.join(runs, run!, 'flood.log'), 'latin1');
    const expected = `${'x'.repeat(75)}\r\n`.repeat(40000) + 'Proceed? [y/N] ';
    assert.equal(log.slice(0, expected.length), expected);
    assert.match(log.slice(expected.length), /got "y/);
    if (backend === 'native') assert.equal(defaultPumpBinary().startsWith(repoRoot), true);
  });
}
