#!/usr/bin/env node
// Starts codex-run. When the build made the single-file CLI bundle (dist/bundle/cli/codex-run.cjs,
// scripts/build-bundle.mjs) and it is not older than the compiled sources, that one script is
// compiled from its V8 code cache and run; otherwise dist/src/cli/main.js is imported. Both are
// the same program: the bundle only starts faster (docs/benchmarks.md, "Start-up").
// Built-ins come from process.getBuiltinModule: an ES import of node:fs would load fs/promises,
// streams and readline with it. Node before 20.16 has no getBuiltinModule and takes the plain path.
const builtin = process.getBuiltinModule;
const bundle = typeof builtin === 'function' ? bundleToRun() : null;
if (bundle === null) await import('../dist/src/cli/main.js');
else runBundle(bundle);

/** The bundle's path, or null when there is none or a `tsc` build is newer. */
function bundleToRun() {
  const { statSync } = builtin('node:fs');
  const { fileURLToPath } = builtin('node:url');
  const file = fileURLToPath(new URL('../dist/bundle/cli/codex-run.cjs', import.meta.url));
  const bundled = statSync(file, { throwIfNoEntry: false });
  if (bundled === undefined || process.env.CODEX_RUN_BUNDLE === '0') return null;
  const compiled = statSync(fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url)), { throwIfNoEntry: false });
  return compiled !== undefined && compiled.mtimeMs > bundled.mtimeMs ? null : file;
}

function runBundle(file) {
  const { readFileSync, statSync, writeFileSync } = builtin('node:fs');
  const { Script } = builtin('node:vm');
  const { createRequire } = builtin('node:module');
  const { dirname } = builtin('node:path');
  const cacheFile = `${file}.v8cache`;
  const writeCache = process.env.CODEX_RUN_WRITE_CODE_CACHE;
  let cachedData;
  if (writeCache === undefined && (statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs ?? -1) >= statSync(file).mtimeMs) {
    cachedData = readFileSync(cacheFile);
  }
  // The CommonJS wrapper, as Node's own loader builds it.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  if (writeCache !== undefined) {
    delete process.env.CODEX_RUN_WRITE_CODE_CACHE;
    process.once('exit', () => writeFileSync(writeCache, script.createCachedData()));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}
