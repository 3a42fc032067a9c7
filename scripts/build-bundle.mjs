#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, from `tsc`) into one CommonJS script,
// dist/bundle/cli/codex-run.cjs, with esbuild, and writes a V8 code cache for it
// (codex-run.<build id>.v8cache). bin/codex-run.js compiles that one script from its cache instead of
// resolving, reading and compiling ~150 of our ES modules, yaml's 72 CommonJS files and
// commander's 7 at every start (docs/benchmarks.md, "Start-up"). In a checkout it runs the bundle
// only when it is not older than dist/src/cli/main.js, so a plain `tsc` build never runs a stale one.
// Without esbuild (an install without devDependencies) or if bundling fails, it prints one line
// and exits 0: codex-run then starts from dist/src/cli/main.js, slower, with the same behaviour.
//
// What the bundle keeps (test/integration/cli-bundle.test.ts checks it):
// - dist/bundle/cli/ is as deep below the package as dist/src/<folder>/, so the paths some modules
//   find from import.meta.url at a fixed depth (native/pump/build, bin/) resolve the same;
//   import.meta.url is the bundle's own URL (a CommonJS script has no import.meta);
// - the stray-process scan starts its worker from new URL('./proc-scan-worker.js', import.meta.url):
//   that worker is bundled on its own, beside the bundle, as an ES module;
// - only the packages every start needs are bundled in (yaml, commander, ajv's runtime helpers);
//   the others are required from node_modules when first needed (see bundled());
// - Node built-in modules that a start does not need (crypto, child_process, worker_threads, ...)
//   are required on first use, not when the bundle starts: see LAZY_BUILTINS.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distSrc = path.join(root, 'dist', 'src');
const outDir = path.join(root, 'dist', 'bundle', 'cli');
const bundleFile = path.join(outDir, 'codex-run.cjs');

function giveUp(why) {
  console.log(`codex-run: CLI bundle not built (${why}); codex-run will start from dist/src/cli/main.js instead`);
  fs.rmSync(outDir, { recursive: true, force: true });
  process.exit(0);
}

/**
 * What is bundled from node_modules: the packages every start needs. Every other package stays
 * outside and is required from node_modules when the module that imports it first runs (those are
 * on paths a start does not take: the MCP server, schedules, the rich display, xterm, node-pty,
 * ajv's compiler), so the bundle stays small to read and to load from the code cache. The ones
 * left outside must have a CommonJS entry (each has today: `require` picks it from "exports").
 */
function bundled(request) {
  return /^(yaml|commander|fast-deep-equal)(\/|$)/.test(request) || /^ajv\/dist\/runtime\//.test(request);
}

/**
 * Built-in modules required on first use of one of their exports instead of at start-up: each costs
 * 1-5 ms to load (more with what it pulls in: child_process brings net, dgram and streams) and
 * `validate` or the start of a run needs none of them.
 */
const nodeRequire = createRequire(import.meta.url);

const LAZY_BUILTINS = ['crypto', 'child_process', 'worker_threads', 'os', 'readline', 'fs/promises', 'net', 'http', 'https', 'zlib', 'stream', 'events', 'util', 'vm', 'url', 'dns', 'tty'];

// `createRequire(import.meta.url)('x')` is how the unbundled build loads CommonJS packages without
// the ES module wrapper; in the bundle it becomes `require('x')`, which esbuild bundles, or leaves
// to Node's require for the packages left outside.
const requireCalls = {
  name: 'require-calls',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      text = text.replace(/^const require = createRequire\(import\.meta\.url\);$/m, '');
      text = text.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
      return { contents: asciiRegExps(args.path, text), loader: 'js' };
    });
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtinModules.includes(args.path)) return undefined;
      return bundled(args.path) ? undefined : { external: true };
    });
  },
};

// esbuild writes ASCII only (non-ASCII characters become escapes), except in regular expression
// literals and String.raw templates, and one such character makes the whole bundle a UTF-8 text
// that takes Node ~10 ms more to decode at every start than ASCII. So a regular expression literal
// holding one is rewritten as `new RegExp("...", "flags")` (found with TypeScript's parser): the
// same pattern, the same .source (rules print theirs); in a String.raw template the character
// becomes a substitution of itself, ${"’"}; esbuild escapes both strings.
let ts;
function asciiRegExps(file, text) {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  try {
    ts ??= nodeRequire('typescript');
  } catch {
    return text; // without TypeScript the bundle stays UTF-8: bin/codex-run.js decodes either
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral && /[^\x00-\x7f]/.test(node.text)) {
      const slash = node.text.lastIndexOf('/');
      const pattern = node.text.slice(1, slash);
      const flags = node.text.slice(slash + 1);
      edits.push({ start: node.getStart(source), end: node.end, text: `(new RegExp(${JSON.stringify(pattern)}, ${JSON.stringify(flags)}))` });
    }
    if (node.kind === ts.SyntaxKind.TaggedTemplateExpression && node.tag.getText(source) === 'String.raw') {
      const template = node.template;
      const pieces = template.kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral ? [template] : [template.head, ...template.templateSpans.map((span) => span.literal)];
      for (const piece of pieces) {
        const start = piece.getStart(source);
        const raw = text.slice(start, piece.end);
        if (/[^\x00-\x7f]/.test(raw)) edits.push({ start, end: piece.end, text: raw.replace(/[^\x00-\x7f]/gu, (c) => `\${${JSON.stringify(c)}}`) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  edits.sort((a, b) => a.start - b.start);
  for (const edit of edits.reverse()) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return text;
}

// A lazy built-in is replaced by a module whose exports are getters over one `require` made on
// first access. esbuild reads an import's names off that object when they are used, so the
// require runs at the first call, not at start-up. Any other built-in imported by our modules
// goes through one shared ES module that re-exports it: esbuild otherwise copies the built-in's
// properties into a fresh object for every module that imports it (85 times node:path, 14
// times node:fs), a few milliseconds at every start.
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name)) return undefined;
      if (args.namespace === 'lazy-builtin' || args.namespace === 'shared-builtin') return { path: `node:${name}`, external: true };
      if (LAZY_BUILTINS.includes(name)) return { path: name, namespace: 'lazy-builtin' };
      return args.kind === 'import-statement' ? { path: name, namespace: 'shared-builtin' } : { path: `node:${name}`, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'shared-builtin' }, (args) => ({
      loader: 'js',
      contents: `export * from 'node:${args.path}';\nexport default require('node:${args.path}');\n`,
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(nodeRequire(`node:${args.path}`)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key));
      const getters = names.map((key) => `  get ${key}() { return load().${key}; },`).join('\n');
      return {
        loader: 'js',
        contents: `let loaded;\nfunction load() { return (loaded ??= require('node:${args.path}')); }\nmodule.exports = {\n${getters}\n  get default() { return load(); },\n  __esModule: true,\n};\n`,
      };
    });
  },
};

if (!fs.existsSync(path.join(distSrc, 'cli', 'main.js'))) giveUp('dist/src/cli/main.js is missing: run tsc first');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  giveUp('esbuild is not installed');
}

fs.rmSync(outDir, { recursive: true, force: true });
const temporary = path.join(root, 'dist', 'bundle', `.cli.${process.pid}.tmp`);
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
};
try {
  await esbuild.build({
    ...common,
    entryPoints: [path.join(distSrc, 'cli', 'main.js')],
    outfile: path.join(temporary, 'codex-run.cjs'),
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    define: { 'import.meta.url': '__codexRunModuleUrl' },
    // 'use strict' first: the sources are ES modules, strict throughout; esbuild's own directive
    // would come after the banner, where it is no directive.
    banner: { js: "'use strict';\nconst __codexRunModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [requireCalls, lazyBuiltins],
  });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(distSrc, 'session', 'proc-scan-worker.js')],
    outfile: path.join(temporary, 'proc-scan-worker.js'),
    format: 'esm',
    plugins: [requireCalls],
  });
} catch (error) {
  fs.rmSync(temporary, { recursive: true, force: true });
  giveUp(`esbuild failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
}
// The build id ends the bundle and names its code cache (bin/codex-run.js reads it back).
const built = path.join(temporary, 'codex-run.cjs');
const id = createHash('sha256').update(fs.readFileSync(built)).digest('hex').slice(0, 16);
fs.appendFileSync(built, `// codex-run bundle ${id}\n`);
fs.renameSync(temporary, outDir);

// The code cache: V8's compiled form of what a start runs, taken at the end of a `validate` of the
// example manifest (bin/codex-run.js writes it when CODEX_RUN_WRITE_CODE_CACHE names the file).
// Functions a start does not run stay lazily compiled. A cache V8 rejects (another Node) is ignored.
const cacheFile = path.join(outDir, `codex-run.${id}.v8cache`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-bundle-'));
try {
  const warm = spawnSync(process.execPath, [path.join(root, 'bin', 'codex-run.js'), 'validate', path.join(root, 'jobs.example.yaml')], {
    cwd: scratch,
    env: { ...process.env, CODEX_RUN_WRITE_CODE_CACHE: `${cacheFile}.${process.pid}.tmp` },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (warm.status !== 0 || !fs.existsSync(`${cacheFile}.${process.pid}.tmp`)) {
    fs.rmSync(`${cacheFile}.${process.pid}.tmp`, { force: true });
    console.log(`codex-run: built the CLI bundle without a code cache (the warm-up run failed: ${(warm.stderr || warm.error?.message || '').trim().split('\n')[0]})`);
    process.exit(0);
  }
  fs.renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`codex-run: built the CLI bundle ${path.relative(root, bundleFile)} and its code cache`);
