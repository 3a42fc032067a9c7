/**
 * Which Codex CLI a job runs, and which version it is. The binary is, in order: the job's
 * `codex.bin`, `codex` on the job's PATH, the one installed with codex-run (the pinned
 * `@openai/codex` dependency).
 */
import { findUp } from '../../util/find-up.js';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Result } from '../../util/result.js';
import { probeAgentVersion, resolveAgentBinary, type AgentBinary, type AgentBinarySpec } from '../agent-binary.js';
import { CODEX_RULES_VERSION } from './options.js';

/** Where a job's codex binary came from. */
export type CodexBinarySource = CodexBinary['source'];

/** A resolved codex binary. */
export type CodexBinary = AgentBinary<'codex.bin'>;

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

/** Codex's binary for src/agents/agent-binary.ts. */
export const CODEX_BINARY: AgentBinarySpec<'codex.bin'> = {
  command: 'codex',
  field: 'codex.bin',
  label: 'the Codex CLI',
  install: INSTALL_PINNED_CODEX,
  parseVersion: (output) => parseCodexVersion(output),
  // How long `codex --version` may take before the probe gives up.
  probeTimeoutMs: 15_000,
};

/** Resolves the binary for a job (src/agents/agent-binary.ts); `bundled` is injectable for tests. */
export function resolveCodexBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledCodex,
): Result<CodexBinary, { message: string }> {
  return resolveAgentBinary(CODEX_BINARY, bin, workdir, pathVar, bundled);
}

/** `codex --version` prints `codex-cli 0.169.0`; the version is the second word. */
export function parseCodexVersion(output: string): string | null {
  return /^codex-cli (\S+)\s*$/m.exec(output)?.[1] ?? null;
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeCodexVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return probeAgentVersion(CODEX_BINARY, file, env);
}
