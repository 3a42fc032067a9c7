import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { killTree } from '../helpers/kill-tree.js';
import { tempDir } from '../helpers/temp-dir.js';

// codex-run as a user gets it: `npm pack`, installed from the tarball into a fresh folder
// (production dependencies only, from npm's cache when it can), then the example run with
// --rehearse there. The Codex CLI must come with it: the pinned @openai/codex dependency, whose
// binary is an npm package of its own (no install script downloads anything).

interface Ran {
  code: number | null;
  out: string;
}

// Whatever is still running when the file ends (a test that failed or timed out) is killed with its tree.
const running = new Set<number>();
after(() => {
  for (const pid of running) killTree(pid);
});

// Runs a program to its end (killed with its tree past the deadline), never through a shell.
function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, out: `${stdout}${stderr}` });
    });
    if (child.pid !== undefined) running.add(child.pid);
    const timer = setTimeout(() => child.pid !== undefined && killTree(child.pid), timeoutMs);
  });
}

// The environment of a user's shell: no npm-script variables, no test-runner context, and no
// node_modules/.bin of this repository on PATH (its codex must not stand in for the installed one).
function userEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key === 'NODE_TEST_CONTEXT' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(path.delimiter);
  env['HOME'] = home;
  env['npm_config_cache'] = process.env['npm_config_cache'] ?? path.join(process.env['HOME'] ?? '', '.npm');
  env['CI'] = 'true';
  env['NO_COLOR'] = '1';
  return env;
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

// package.json and package-lock.json of an app that depends on the packed tarball, with the
// tree codex-run's own lockfile pins for its production dependencies.
function writeAppLock(app: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const own = lock.packages[''] ?? {};
  const spec = `file:${path.relative(app, tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { 'codex-run': spec } },
    // hasInstallScript, as npm writes it for a package with an install script: `npm ci` runs
    // only the scripts its lockfile flags (without it codex-run's pump is never built).
    'node_modules/codex-run': { version: own['version'], resolved: spec, integrity, dependencies: own['dependencies'], bin: own['bin'], engines: own['engines'], hasInstallScript: true },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev === true) continue;
    // The project's lockfile names no tarball URLs; npm would look them up in the registry's
    // package lists, so give the registry's own URL (the cache finds the tarball by its integrity).
    const name = typeof entry['name'] === 'string' ? entry['name'] : key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry['resolved'] ?? `https://registry.npmjs.org/${name}/-/${name.split('/').at(-1)}-${String(entry['version'])}.tgz`;
    packages[key] = { ...entry, resolved };
  }
  writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, dependencies: { 'codex-run': spec } }, null, 2)}\n`);
  writeFileSync(path.join(app, 'package-lock.json'), `${JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

test('packed and installed into a fresh folder, the example runs with --rehearse using the pinned codex it brought', { timeout: 300_000 }, async () => {
  const dir = tempDir('codex-run-pack-');
  const app = path.join(dir, 'app');
  const env = userEnv(dir);

  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], repoRoot, env, 120_000);
  assert.equal(packed.code, 0, packed.out);
  const tarball = readdirSync(dir).find((name) => /^codex-run-.*\.tgz$/.test(name));
  assert.ok(tarball !== undefined, packed.out);

  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  // As a user installs it, offline from the cache `npm ci` filled. That cache holds the
  // tarballs but not always the registry's package lists, without which npm cannot resolve
  // offline (ENOTCACHED); then the same tree is installed from a lockfile made of codex-run's
  // own (its production part), which needs the tarballs only: still offline.
  let installed = await run('npm', ['install', '--offline', '--omit=dev', '--no-audit', '--no-fund', path.join(dir, tarball)], app, env, 300_000);
  if (installed.code !== 0 && /ENOTCACHED/.test(installed.out)) {
    writeAppLock(app, path.join(dir, tarball));
    installed = await run('npm', ['ci', '--offline', '--omit=dev', '--no-audit', '--no-fund'], app, env, 300_000);
  }
  assert.equal(installed.code, 0, installed.out);

  // The Codex CLI came as a dependency, at the pinned version, with its binary from the registry
  // (a platform package), and no install script of codex's fetched anything.
  const modules = path.join(app, 'node_modules');
  const codexPkg = JSON.parse(readFileSync(path.join(modules, '@openai', 'codex', 'package.json'), 'utf8')) as { version: string; scripts?: Record<string, string> };
  assert.equal(codexPkg.version, '0.169.0');
  assert.equal(codexPkg.scripts?.['install'] ?? codexPkg.scripts?.['postinstall'] ?? codexPkg.scripts?.['preinstall'], undefined);
  const platformPackages = readdirSync(path.join(modules, '@openai')).filter((name) => name.startsWith('codex-'));
  assert.ok(platformPackages.length > 0, 'the platform binary package was installed');
  for (const name of platformPackages) {
    const platform = JSON.parse(readFileSync(path.join(modules, '@openai', name, 'package.json'), 'utf8')) as { name: string; version: string; scripts?: Record<string, string> };
    assert.equal(platform.name, '@openai/codex', 'an alias of the registry package');
    assert.match(platform.version, /^0\.169\.0-/);
    assert.equal(platform.scripts, undefined, `${name} runs no install script`);
  }
  // The CLI bundle and its code cache came in the tarball (bin/codex-run.js starts them: the
  // doctor and the rehearsal below run through them), with bin/package.json making the bin CommonJS.
  const bundleDir = path.join(modules, 'codex-run', 'dist', 'bundle', 'cli');
  assert.ok(existsSync(path.join(bundleDir, 'codex-run.cjs')), 'dist/bundle/cli/codex-run.cjs is in the package');
  assert.ok(readdirSync(bundleDir).some((name) => /^codex-run\.[0-9a-f]{16}\.v8cache$/.test(name)), 'its code cache is in the package');
  assert.ok(existsSync(path.join(modules, 'codex-run', 'bin', 'package.json')), 'bin/package.json is in the package');
  const ownPkg = JSON.parse(readFileSync(path.join(modules, 'codex-run', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(ownPkg.dependencies['@openai/codex'], '0.169.0');

  // The README's steps for an installed package: copy the example next to you and rehearse it.
  cpSync(path.join(modules, 'codex-run', 'jobs.example.yaml'), path.join(app, 'jobs.example.yaml'));
  cpSync(path.join(modules, 'codex-run', 'examples'), path.join(app, 'examples'), { recursive: true });
  // Without CODEX_RUN_PTY (CI also runs the suite with CODEX_RUN_PTY=js): the backend the install chose.
  const doctorEnv = { ...env };
  delete doctorEnv['CODEX_RUN_PTY'];
  const doctor = await run('npx', ['--offline', 'codex-run', 'doctor', 'jobs.example.yaml'], app, doctorEnv, 120_000);
  assert.equal(doctor.code, 1, doctor.out);
  // The install script built the native PTY pump from the tarball's source with the system
  // compiler (nothing downloaded); without a compiler it says so and node-pty is used.
  const hasCompiler = spawnSync('sh', ['-c', 'command -v cc'], { env }).status === 0;
  assert.match(doctor.out, hasCompiler ? /^pty: native \(the pump is built/m : /^pty: js \(falling back to node-pty: the pump is not built/m, doctor.out);
  assert.match(doctor.out, new RegExp(`write-notes \\(codex exec\\): ${modules.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.bin/codex \\(codex on PATH\\), codex-cli 0\\.169\\.0`), doctor.out);

  // Claude Code and Gemini CLI are not dependencies (each user installs the agents they run):
  // doctor and the run say how to install the pinned version, and every other job runs.
  assert.match(doctor.out, /claude-notes \(claude headless\): error: .*npm install @anthropic-ai\/claude-code@2\.1\.332/, doctor.out);
  assert.match(doctor.out, /gemini-notes \(gemini headless\): error: .*npm install @google\/gemini-cli@0\.61\.0/, doctor.out);
  const rehearsed = await run('npx', ['--offline', 'codex-run', 'jobs.example.yaml', '--rehearse'], app, env, 240_000);
  assert.equal(rehearsed.code, 1, rehearsed.out);
  assert.match(rehearsed.out, /8 jobs: 6 succeeded, 2 failed/);
  assert.match(rehearsed.out, /claude-notes[^\n]*binary-missing/);
  assert.match(rehearsed.out, /gemini-notes[^\n]*binary-missing/);
  assert.ok(existsSync(path.join(app, 'examples', 'workspace', 'NOTES.md')), rehearsed.out);
});
