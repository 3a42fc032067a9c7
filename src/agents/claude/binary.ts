/**
 * Which Claude Code binary a job runs, and which version it is. The binary is, in order: the
 * job's `claude.bin`, `claude` on the job's PATH, the one installed with codex-run (the pinned
 * `@anthropic-ai/claude-code` devDependency: node_modules/.bin/claude, a native executable).
 */
import type { Result } from '../../util/result.js';
import { installedBeside, probeAgentVersion, resolveAgentBinary, type AgentBinary, type AgentBinarySpec } from '../agent-binary.js';
import { CLAUDE_RULES_VERSION } from './options.js';

/** Where a job's claude binary came from. */
export type ClaudeBinarySource = ClaudeBinary['source'];

/** A resolved claude binary. */
export type ClaudeBinary = AgentBinary<'claude.bin'>;

/** How to get the Claude Code version codex-run was made for, for messages. */
export const INSTALL_PINNED_CLAUDE = `npm install @anthropic-ai/claude-code@${CLAUDE_RULES_VERSION}`;

/** Claude's binary for src/agents/agent-binary.ts. */
export const CLAUDE_BINARY: AgentBinarySpec<'claude.bin'> = {
  command: 'claude',
  field: 'claude.bin',
  label: 'Claude Code',
  install: INSTALL_PINNED_CLAUDE,
  parseVersion: (output) => parseClaudeVersion(output),
  // How long `claude --version` may take before the probe gives up (a 400 MB binary on a loaded machine).
  probeTimeoutMs: 30_000,
};

/** node_modules/.bin/claude above codex-run's own folder, if any. */
export function bundledClaude(): string | null {
  return installedBeside('claude');
}

/** Resolves the binary for a job (src/agents/agent-binary.ts); `bundled` is injectable for tests. */
export function resolveClaudeBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledClaude,
): Result<ClaudeBinary, { message: string }> {
  return resolveAgentBinary(CLAUDE_BINARY, bin, workdir, pathVar, bundled);
}

/** `claude --version` prints `2.1.332 (Claude Code)`. */
export function parseClaudeVersion(output: string): string | null {
  return /^(\d+\.\d+\.\d+\S*) \(Claude Code\)\s*$/m.exec(output)?.[1] ?? null;
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeClaudeVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return probeAgentVersion(CLAUDE_BINARY, file, env);
}
