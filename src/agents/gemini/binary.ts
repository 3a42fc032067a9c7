/**
 * Which Gemini CLI a job runs, and which version it is. The binary is, in order: the job's
 * `gemini.bin`, `gemini` on the job's PATH, the one installed with codex-run (the pinned
 * `@google/gemini-cli` devDependency, node_modules/.bin/gemini above codex-run).
 */
import type { Result } from '../../util/result.js';
import { installedBeside, probeAgentVersion, resolveAgentBinary, type AgentBinary, type AgentBinarySpec } from '../agent-binary.js';
import { GEMINI_RULES_VERSION } from './options.js';

/** Where a job's gemini binary came from. */
export type GeminiBinarySource = GeminiBinary['source'];

/** A resolved gemini binary. */
export type GeminiBinary = AgentBinary<'gemini.bin'>;

/** How to get the version codex-run was made for, for messages. */
export const INSTALL_PINNED_GEMINI = `npm install @google/gemini-cli@${GEMINI_RULES_VERSION}`;

/** Gemini's binary for src/agents/agent-binary.ts. */
export const GEMINI_BINARY: AgentBinarySpec<'gemini.bin'> = {
  command: 'gemini',
  field: 'gemini.bin',
  label: 'Gemini CLI',
  install: INSTALL_PINNED_GEMINI,
  parseVersion: (output) => parseGeminiVersion(output),
  // How long `gemini --version` may take (it starts a Node process, slow on a loaded machine).
  probeTimeoutMs: 30_000,
};

/** The gemini installed beside codex-run (node_modules/.bin/gemini in a folder above it), if any. */
export function bundledGemini(): string | null {
  return installedBeside('gemini');
}

/** Resolves the binary for a job (src/agents/agent-binary.ts); `bundled` is injectable for tests. */
export function resolveGeminiBinary(
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null = bundledGemini,
): Result<GeminiBinary, { message: string }> {
  return resolveAgentBinary(GEMINI_BINARY, bin, workdir, pathVar, bundled);
}

/** `gemini --version` prints the bare version (`0.61.0`). */
export function parseGeminiVersion(output: string): string | null {
  return /^(\d+\.\d+\.\d+\S*)\s*$/m.exec(output)?.[1] ?? null;
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeGeminiVersion(file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return probeAgentVersion(GEMINI_BINARY, file, env);
}
