#!/usr/bin/env node
'use strict';
// Starts codex-run. When the build made the single-file CLI bundle (dist/bundle/cli/codex-run.cjs,
// scripts/build-bundle.mjs) and it is not older than the compiled sources, that one script is
// compiled from its V8 code cache and run; otherwise dist/src/cli/main.js is imported. Both are
// the same program: the bundle only starts faster (docs/benchmarks.md, "Start-up").
// This file is CommonJS (bin/package.json), so a start through the bundle never sets up Node's
// ES module loader; CODEX_RUN_BUNDLE=0 always runs the unbundled build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'bundle', 'cli', 'codex-run.cjs');
const unbundled = path.join(root, 'dist', 'src', 'cli', 'main.js');

if (useBundle()) runBundle();
else import(require('node:url').pathToFileURL(unbundled).href);

/** The bundle runs when it is there and a `tsc` build is not newer (then it would be stale). */
function useBundle() {
  if (process.env.CODEX_RUN_BUNDLE === '0') return false;
  const bundled = fs.statSync(bundle, { throwIfNoEntry: false });
  if (bundled === undefined) return false;
  const compiled = fs.statSync(unbundled, { throwIfNoEntry: false });
  return compiled === undefined || compiled.mtimeMs <= bundled.mtimeMs;
}

function runBundle() {
  const { Script } = require('node:vm');
  const cacheFile = `${bundle}.v8cache`;
  const writeCache = process.env.CODEX_RUN_WRITE_CODE_CACHE;
  let cachedData;
  if (writeCache === undefined && (fs.statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs ?? -1) >= fs.statSync(bundle).mtimeMs) {
    cachedData = fs.readFileSync(cacheFile);
  }
  // The build writes ASCII (scripts/build-bundle.mjs), which decodes ~10x faster as latin1 than as UTF-8.
  const bytes = fs.readFileSync(bundle);
  const text = bytes.toString(require('node:buffer').isAscii(bytes) ? 'latin1' : 'utf8');
  // The CommonJS wrapper, as Node's own loader builds it; a cache V8 rejects is compiled past.
  const source = `(function (exports, require, module, __filename, __dirname) { ${text}\n})`;
  const script = new Script(source, { filename: bundle, cachedData });
  if (writeCache !== undefined) {
    delete process.env.CODEX_RUN_WRITE_CODE_CACHE;
    process.once('exit', () => fs.writeFileSync(writeCache, script.createCachedData()));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(bundle), module, bundle, path.dirname(bundle));
}
