/**
 * Which Gemini CLI a job runs, and which version it is. The binary is, in order: the job's
 * `gemini.bin`, `gemini` on the job's PATH, the one installed with codex-run (the pinned
 * `@google/gemini-cli` devDependency, node_modules/.bin/gemini above codex-run).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findUp } from '../../util/find-up.js';
import { err, ok, type Result } from '../../util/result.js';
import { findExecutable } from '../find-executable.js';
import { GEMINI_RULES_VERSION } from './options.js';

/** Where a job's gemini binary came from. */
export type GeminiBinarySource = 'gemini.bin' | 'PATH' | 'bundled';

/** A resolved gemini binary. */
export interface GeminiBinary {
  /** Absolute path. */
  file: string;
  source: GeminiBinarySource;
}

/** How long `gemini --version` may take (it starts a Node process, slow on a loaded machine). */
const VERSION_PROBE_TIMEOUT_MS = 30_000;

/** How to get the version codex-run was made for, for messages. */
export const INSTALL_PINNED_GEMINI = `npm install @google/gemini-cli@${GEMINI_RULES_VERSION}`;

/** The gemini installed beside codex-run (node_modules/.bin/gemini in a folder above it), if any. */
export function bundledGemini(): string | null {
  return findUp(import.meta.url, (dir) => {
    const candidate = path.join(dir, 'node_modules', '.bin', 'gemini');
    return existsSync(candidate) ? candidate : null;
  });
}

/** Resolves the binary for a job; `bundled` is injectable for tests. */
export function resolveGeminiBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledGemini,
): Result<GeminiBinary, { message: string }> {
  if (bin !== null) {
    const file = findExecutable(bin, workdir, pathVar);
    if (file !== null) return ok({ file, source: 'gemini.bin' });
    const where = bin.includes('/') ? `no executable file at ${bin}` : `no executable '${bin}' on the job's PATH`;
    return err({ message: `gemini.bin: ${where}` });
  }
  const onPath = findExecutable('gemini', workdir, pathVar);
  if (onPath !== null) return ok({ file: onPath, source: 'PATH' });
  const beside = bundled();
  if (beside !== null) return ok({ file: beside, source: 'bundled' });
  return err({
    message: `Gemini CLI ('gemini') was not found on PATH or beside codex-run; install the version codex-run was made for with \`${INSTALL_PINNED_GEMINI}\` (or -g), or set gemini.bin`,
  });
}

/** `gemini --version` prints the bare version (`0.61.0`). */
export function parseGeminiVersion(output: string): string | null {
  return /^(\d+\.\d+\.\d+\S*)\s*$/m.exec(output)?.[1] ?? null;
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeGeminiVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { env, timeout: VERSION_PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      const version = parseGeminiVersion(stdout);
      if (version !== null) {
        resolve(ok(version));
        return;
      }
      const said = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' / ');
      const why = error === null ? 'it printed no version' : error.killed ? `it did not answer within ${VERSION_PROBE_TIMEOUT_MS / 1000}s` : error.message;
      resolve(err(`${file} --version failed: ${why}${said === '' ? '' : ` (${said})`}`));
    });
  });
}
