/**
 * Which Claude Code binary a job runs, and which version it is. The binary is, in order: the
 * job's `claude.bin`, `claude` on the job's PATH, the one installed with codex-run (the pinned
 * `@anthropic-ai/claude-code` devDependency: node_modules/.bin/claude, a native executable).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findUp } from '../../util/find-up.js';
import { err, ok, type Result } from '../../util/result.js';
import { findExecutable } from '../find-executable.js';
import { CLAUDE_RULES_VERSION } from './options.js';

/** Where a job's claude binary came from. */
export type ClaudeBinarySource = 'claude.bin' | 'PATH' | 'bundled';

/** A resolved claude binary. */
export interface ClaudeBinary {
  /** Absolute path. */
  file: string;
  source: ClaudeBinarySource;
}

/** How long `claude --version` may take before the probe gives up (a 400 MB binary on a loaded machine). */
const VERSION_PROBE_TIMEOUT_MS = 30_000;

/** How to get the Claude Code version codex-run was made for, for messages. */
export const INSTALL_PINNED_CLAUDE = `npm install @anthropic-ai/claude-code@${CLAUDE_RULES_VERSION}`;

/** node_modules/.bin/claude above codex-run's own folder, if any. */
export function bundledClaude(): string | null {
  return findUp(import.meta.url, (dir) => {
    const candidate = path.join(dir, 'node_modules', '.bin', 'claude');
    return existsSync(candidate) ? candidate : null;
  });
}

/** Resolves the binary for a job; `bundled` is injectable for tests. */
export function resolveClaudeBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledClaude,
): Result<ClaudeBinary, { message: string }> {
  if (bin !== null) {
    const file = findExecutable(bin, workdir, pathVar);
    if (file !== null) return ok({ file, source: 'claude.bin' });
    const where = bin.includes('/') ? `no executable file at ${bin}` : `no executable '${bin}' on the job's PATH`;
    return err({ message: `claude.bin: ${where}` });
  }
  const onPath = findExecutable('claude', workdir, pathVar);
  if (onPath !== null) return ok({ file: onPath, source: 'PATH' });
  const beside = bundled();
  if (beside !== null) return ok({ file: beside, source: 'bundled' });
  return err({
    message: `Claude Code ('claude') was not found on PATH or beside codex-run; install the version codex-run was made for with \`${INSTALL_PINNED_CLAUDE}\` (or -g), or set claude.bin`,
  });
}

/** `claude --version` prints `2.1.332 (Claude Code)`. */
export function parseClaudeVersion(output: string): string | null {
  return /^(\d+\.\d+\.\d+\S*) \(Claude Code\)\s*$/m.exec(output)?.[1] ?? null;
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeClaudeVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { env, timeout: VERSION_PROBE_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      const version = parseClaudeVersion(stdout);
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
