#!/usr/bin/env node
'use strict';
// Starts codex-run. When the build made the single-file CLI bundle (dist/bundle/cli/codex-run.cjs,
// scripts/build-bundle.mjs) and it is not stale, that one script is compiled from its V8 code
// cache and run; otherwise dist/src/cli/main.js is imported. Both are the same program: the
// bundle only starts faster (docs/benchmarks.md, "Start-up").
// This file is CommonJS (bin/package.json), so a start through the bundle never sets up Node's
// ES module loader; CODEX_RUN_BUNDLE=0 always runs the unbundled build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'bundle', 'cli', 'codex-run.cjs');
const unbundled = path.join(root, 'dist', 'src', 'cli', 'main.js');

if (useBundle()) runBundle();
else import(require('node:url').pathToFileURL(unbundled).href);

/**
 * The bundle runs when it is there, unless this is a checkout where `tsc` rebuilt dist/src after
 * the bundle was made (it would run stale code). An installed package has no tsconfig.json and no
 * sources to rebuild, and its files' times are those of the unpacking, so there the bundle always runs.
 */
function useBundle() {
  if (process.env.CODEX_RUN_BUNDLE === '0') return false;
  const bundled = fs.statSync(bundle, { throwIfNoEntry: false });
  if (bundled === undefined) return false;
  if (fs.statSync(path.join(root, 'tsconfig.json'), { throwIfNoEntry: false }) === undefined) return true;
  const compiled = fs.statSync(unbundled, { throwIfNoEntry: false });
  return compiled === undefined || compiled.mtimeMs <= bundled.mtimeMs;
}

function runBundle() {
  const { Script } = require('node:vm');
  const bytes = fs.readFileSync(bundle);
  // The build writes ASCII (scripts/build-bundle.mjs), which decodes ~10x faster as latin1 than as UTF-8.
  const text = bytes.toString(require('node:buffer').isAscii(bytes) ? 'latin1' : 'utf8');
  // The bundle ends with its build id; the code cache made for it is named by that id, so a cache
  // is only ever given to the bundle it was made from. A cache V8 rejects (another Node) is compiled past.
  const id = /\/\/ codex-run bundle ([0-9a-f]{16})\s*$/.exec(text.slice(-64))?.[1];
  const cacheFile = id === undefined ? null : path.join(path.dirname(bundle), `codex-run.${id}.v8cache`);
  const writeCache = process.env.CODEX_RUN_WRITE_CODE_CACHE;
  let cachedData;
  if (writeCache === undefined && cacheFile !== null) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // The CommonJS wrapper, as Node's own loader builds it.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${text}\n})`, { filename: bundle, cachedData });
  if (writeCache !== undefined) {
    delete process.env.CODEX_RUN_WRITE_CODE_CACHE;
    process.once('exit', () => fs.writeFileSync(writeCache, script.createCachedData()));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(bundle), module, bundle, path.dirname(bundle));
}
