/**
 * Which Codex CLI a job runs, and which version it is. The binary is, in order: the job's
 * `codex.bin`, `codex` on the job's PATH, the one installed with codex-run (the pinned
 * `@openai/codex` dependency).
 */
import { findUp } from '../../util/find-up.js';
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { err, ok, type Result } from '../../util/result.js';
import { findExecutable } from '../find-executable.js';
import { CODEX_RULES_VERSION } from './options.js';

/** Where a job's codex binary came from. */
export type CodexBinarySource = 'codex.bin' | 'PATH' | 'bundled';

/** A resolved codex binary. */
export interface CodexBinary {
  /** Absolute path. */
  file: string;
  source: CodexBinarySource;
}

/** Why no binary was found: the message says where codex-run looked. */
export interface CodexBinaryMissing {
  message: string;
}

/** How long `codex --version` may take before the probe gives up. */
const VERSION_PROBE_TIMEOUT_MS = 15_000;

/**
 * The codex binary installed with codex-run (the pinned `@openai/codex` dependency), if any: the
 * package Node resolves from codex-run's own folder (nested or hoisted, whichever npm chose), shown
 * as the node_modules/.bin/codex link above codex-run when that link leads to the same file.
 */
export function bundledCodex(): string | null {
  const link = findUp(import.meta.url, (dir) => {
    const candidate = path.join(dir, 'node_modules', '.bin', 'codex');
    return existsSync(candidate) ? candidate : null;
  });
  let script: string;
  try {
    script = path.join(path.dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json')), 'bin', 'codex.js');
    if (!existsSync(script)) return link;
  } catch {
    return link;
  }
  return link !== null && realpathSync(link) === realpathSync(script) ? link : script;
}

/** How to get the codex-cli version codex-run was made for, for messages. */
export const INSTALL_PINNED_CODEX = `npm install @openai/codex@${CODEX_RULES_VERSION}`;

/**
 * Resolves the binary for a job. `bin` is the job's `codex.bin` (absolute, or a name looked up
 * on PATH); `bundled` is injectable for tests.
 */
export function resolveCodexBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledCodex,
): Result<CodexBinary, CodexBinaryMissing> {
  if (bin !== null) {
    const file = findExecutable(bin, workdir, pathVar);
    if (file !== null) return ok({ file, source: 'codex.bin' });
    const where = bin.includes('/') ? `no executable file at ${bin}` : `no executable '${bin}' on the job's PATH`;
    return err({ message: `codex.bin: ${where}` });
  }
  const onPath = findExecutable('codex', workdir, pathVar);
  if (onPath !== null) return ok({ file: onPath, source: 'PATH' });
  const beside = bundled();
  if (beside !== null) return ok({ file: beside, source: 'bundled' });
  return err({
    message: `the Codex CLI ('codex') was not found on PATH or beside codex-run; install the version codex-run was made for with \`${INSTALL_PINNED_CODEX}\` (or -g), or set codex.bin`,
  });
}

/** `codex --version` prints `codex-cli 0.169.0`; the version is the second word. */
export function parseCodexVersion(output: string): string | null {
  return /^codex-cli (\S+)\s*$/m.exec(output)?.[1] ?? null;
}

/**
 * Runs `<file> --version` (argv, no shell) with the job's environment and returns the version.
 * `codex --version` neither reads nor writes CODEX_HOME's sessions; it only prints.
 */
export function probeCodexVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { env, timeout: VERSION_PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      const version = parseCodexVersion(stdout);
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
