import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fixture, repoRoot } from '../helpers/paths.js';
import { killTree } from '../helpers/kill-tree.js';
import { tempDir } from '../helpers/temp-dir.js';

// bin/codex-run.js starts the single-file bundle (scripts/build-bundle.mjs) when it is built and,
// in a checkout, not older than dist/src/cli/main.js, from its V8 code cache when that one is
// usable, and the unbundled build otherwise. The bundle must behave exactly as the unbundled build.

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Runs `node <args>` to its end; killed with its tree past the deadline, so a failing test never hangs.
function node(args: string[], options: { cwd: string; env?: Record<string, string> }, deadlineMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killTree(child.pid);
      reject(new Error(`node ${args.join(' ')} did not end within ${deadlineMs} ms\n${stdout}${stderr}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// A package laid out as codex-run's, with bin/codex-run.js and stand-ins that say which one ran.
function fakePackage(): { root: string; bin: string; main: string; bundle: string } {
  const root = tempDir('codex-run-bundle-');
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'dist', 'src', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'dist', 'bundle', 'cli'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), '{ "name": "codex-run", "type": "module" }\n');
  // A checkout: tsc can rebuild dist/src here (an installed package has no tsconfig.json).
  writeFileSync(path.join(root, 'tsconfig.json'), '{}\n');
  const bin = path.join(root, 'bin', 'codex-run.js');
  copyFileSync(path.join(repoRoot, 'bin', 'codex-run.js'), bin);
  copyFileSync(path.join(repoRoot, 'bin', 'package.json'), path.join(root, 'bin', 'package.json'));
  const main = path.join(root, 'dist', 'src', 'cli', 'main.js');
  writeFileSync(main, "process.stdout.write('unbundled ' + process.argv.slice(2).join(' ') + '\\n');\n");
  return { root, bin, main, bundle: path.join(root, 'dist', 'bundle', 'cli', 'codex-run.cjs') };
}

const BUILD_ID = '0123456789abcdef';

function writeBundle(file: string): void {
  // A CommonJS script: require, module and __filename are the wrapper's. It ends with its build id.
  writeFileSync(file, `process.stdout.write(\`bundle \${typeof require} \${typeof module.exports} \${__filename} \${process.argv.slice(2).join(' ')}\\n\`);\n// codex-run bundle ${BUILD_ID}\n`);
}

function setMtime(file: string, seconds: number): void {
  utimesSync(file, seconds, seconds);
}

test('bin/codex-run.js starts the bundle when it is built and not older than dist/src, the unbundled build otherwise', { timeout: 120_000 }, async () => {
  const pkg = fakePackage();
  const start = (env: Record<string, string> = {}): Promise<Ran> => node([pkg.bin, 'validate', 'x.yaml'], { cwd: pkg.root, env });

  const unbuilt = await start();
  assert.deepEqual(unbuilt, { code: 0, stdout: 'unbundled validate x.yaml\n', stderr: '' }, 'no bundle: the unbundled build');

  writeBundle(pkg.bundle);
  setMtime(pkg.main, 1_000_000);
  setMtime(pkg.bundle, 1_000_010);
  const fresh = await start();
  assert.deepEqual(fresh, { code: 0, stdout: `bundle function object ${pkg.bundle} validate x.yaml\n`, stderr: '' }, 'a fresh bundle runs');

  setMtime(pkg.bundle, 1_000_000);
  assert.match((await start()).stdout, /^bundle /, 'the same mtime (as npm pack stores every file) counts as fresh');

  setMtime(pkg.main, 1_000_020);
  assert.equal((await start()).stdout, 'unbundled validate x.yaml\n', 'a tsc build newer than the bundle: the bundle is stale and not run');

  rmSync(path.join(pkg.root, 'tsconfig.json'));
  assert.match((await start()).stdout, /^bundle /, 'an installed package (no tsconfig.json): unpacking set the times, the bundle runs');

  setMtime(pkg.main, 1_000_000);
  assert.equal((await start({ CODEX_RUN_BUNDLE: '0' })).stdout, 'unbundled validate x.yaml\n', 'CODEX_RUN_BUNDLE=0 runs the unbundled build');
});

test('the code cache: written on request under the build id, used, and compiled past when V8 rejects it', { timeout: 120_000 }, async () => {
  const pkg = fakePackage();
  writeBundle(pkg.bundle);
  const cache = path.join(path.dirname(pkg.bundle), `codex-run.${BUILD_ID}.v8cache`);
  const expected = `bundle function object ${pkg.bundle} --version\n`;

  const writing = await node([pkg.bin, '--version'], { cwd: pkg.root, env: { CODEX_RUN_WRITE_CODE_CACHE: cache } });
  assert.deepEqual(writing, { code: 0, stdout: expected, stderr: '' });
  assert.ok(statSync(cache).size > 0, 'the cache was written at exit');
  assert.deepEqual(await node([pkg.bin, '--version'], { cwd: pkg.root }), { code: 0, stdout: expected, stderr: '' }, 'started from the cache');

  writeFileSync(cache, 'not a V8 code cache');
  assert.deepEqual(await node([pkg.bin, '--version'], { cwd: pkg.root }), { code: 0, stdout: expected, stderr: '' }, 'a rejected cache is compiled past');
});

// The real bundle of this build (npm run build / npm test make it).
const bundleFile = path.join(repoRoot, 'dist', 'bundle', 'cli', 'codex-run.cjs');
function assertBundleBuilt(): void {
  assert.ok(existsSync(bundleFile), `${bundleFile} is missing: run node scripts/build-bundle.mjs (npm test does)`);
  const compiled = statSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'));
  assert.ok(statSync(bundleFile).mtimeMs >= compiled.mtimeMs, 'the bundle is older than dist/src: run node scripts/build-bundle.mjs (npm test does)');
  const id = /\/\/ codex-run bundle ([0-9a-f]{16})\n$/.exec(readFileSync(bundleFile, 'latin1'))?.[1];
  assert.ok(id !== undefined, 'the bundle ends with its build id');
  assert.ok(existsSync(path.join(path.dirname(bundleFile), `codex-run.${id}.v8cache`)), 'the build wrote the code cache under that id');
  // ASCII, which bin/codex-run.js decodes as latin1 (fast); the build escapes what esbuild leaves.
  assert.ok(isAscii(readFileSync(bundleFile)), 'the bundle is ASCII');
}

// A dry run names fresh session ids and private temporary folders each time.
function withoutRandomNames(ran: Ran): Ran {
  const plain = (text: string): string =>
    text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/codex-run-[0-9a-f]{16}/g, 'codex-run-<random>');
  return { code: ran.code, stdout: plain(ran.stdout), stderr: plain(ran.stderr) };
}

test('the built bundle prints exactly what the unbundled build prints', { timeout: 180_000 }, async () => {
  assertBundleBuilt();
  const cwd = tempDir('codex-run-bundle-same-');
  const bin = path.join(repoRoot, 'bin', 'codex-run.js');
  const cases: string[][] = [
    ['--version'],
    ['--help'],
    ['validate', path.join(repoRoot, 'jobs.example.yaml')],
    ['validate', fixture(path.join('manifests', 'multi-error.yaml'))],
    ['validate', path.join(cwd, 'missing.yaml')],
    ['nosuchcommand'],
    ['run', '--concurrency', 'zero'],
    ['doctor', path.join(repoRoot, 'jobs.example.yaml')],
    [path.join(repoRoot, 'jobs.example.yaml'), '--dry-run'],
  ];
  for (const args of cases) {
    const bundled = await node([bin, ...args], { cwd });
    const unbundled = await node([bin, ...args], { cwd, env: { CODEX_RUN_BUNDLE: '0' } });
    assert.deepEqual(withoutRandomNames(bundled), withoutRandomNames(unbundled), `codex-run ${args.join(' ')}`);
  }
});

test("the bundled stray-process scan's worker starts beside the bundle and reads /proc", { timeout: 60_000 }, async (t) => {
  assertBundleBuilt();
  const worker = new Worker(path.join(path.dirname(bundleFile), 'proc-scan-worker.js'));
  t.after(() => worker.terminate());
  const reply = await new Promise<{ id: number; table?: { rows: { pid: number }[] }; error?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not answer within 30 s')), 30_000);
    worker.once('message', (message: { id: number; table?: { rows: { pid: number }[] }; error?: string }) => {
      clearTimeout(timer);
      resolve(message);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.postMessage({ id: 7, markerNames: [], runnerPid: process.pid });
  });
  assert.equal(reply.id, 7);
  assert.equal(reply.error, undefined);
  assert.ok(reply.table?.rows.some((row) => row.pid === process.pid), 'the table lists this process');
});
