import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file compiles to <outDir>/bench/paths.js, two levels below it. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The compiled output folder the bench runs from (dist/ for `npm run bench`). */
export const outDir = fileURLToPath(new URL('../', import.meta.url));

/**
 * The CLI entry point users run: bin/codex-run.js, which starts the single-file bundle of the same
 * build (dist/bundle/cli/codex-run.cjs, `npm run bench` builds it) or dist/src/cli/main.js without one.
 */
export const cliEntry = path.join(repoRoot, 'bin', 'codex-run.js');

/** Machine-readable results. */
export const resultsFile = path.join(repoRoot, 'bench', 'results.json');

/** The human-readable table and methods. */
export const docsFile = path.join(repoRoot, 'docs', 'benchmarks.md');

/** Absolute path of a plain-JS or sh agent in bench/agents/ (not compiled). */
export function agent(name: string): string {
  return path.join(repoRoot, 'bench', 'agents', name);
}
