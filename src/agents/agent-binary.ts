/**
 * Which binary an agent job runs, and which version it is; the same for every agent CLI that
 * codex-run knows (each agent's binary.ts gives its names, install command and version format).
 * The binary is, in order: the job's `<agent>.bin` (a path, or a name on the job's PATH), the
 * agent's command on the job's PATH, the one installed with codex-run (`bundled`).
 *
 * `codex-run doctor`'s check of an agent's jobs is here too: each binary is asked for its version
 * once, and a version other than the one the agent's rules were made for is a warning.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findUp } from '../util/find-up.js';
import type { DoctorFinding, DoctorInput } from './adapter.js';
import { unreachable } from '../util/unreachable.js';
import { err, ok, type Result } from '../util/result.js';
import { findExecutable } from './find-executable.js';

/** One agent's binary: its names, where codex-run ships one, and how it prints its version. */
export interface AgentBinarySpec<Field extends string> {
  /** The command on PATH, e.g. `claude`. */
  command: string;
  /** The manifest field that names a binary, e.g. `claude.bin`. */
  field: Field;
  /** How messages name the agent, e.g. `Claude Code`. */
  label: string;
  /** The command that installs the version codex-run was made for. */
  install: string;
  /** The version in `<binary> --version`'s output, or null. */
  parseVersion(output: string): string | null;
  /** How long `--version` may take before the probe gives up. */
  probeTimeoutMs: number;
}

/** A resolved binary and why it is that one. */
export interface AgentBinary<Field extends string> {
  /** Absolute path. */
  file: string;
  source: Field | 'PATH' | 'bundled';
}

/** `node_modules/.bin/<command>` in a folder above codex-run's own (installed beside it), if any. */
export function installedBeside(command: string): string | null {
  return findUp(import.meta.url, (dir) => {
    const candidate = path.join(dir, 'node_modules', '.bin', command);
    return existsSync(candidate) ? candidate : null;
  });
}

/** Resolves the binary for a job (see the file comment); the message says where codex-run looked. */
export function resolveAgentBinary<Field extends string>(
  spec: AgentBinarySpec<Field>,
  bin: string | null,
  workdir: string,
  pathVar: string | undefined,
  bundled: () => string | null,
): Result<AgentBinary<Field>, { message: string }> {
  if (bin !== null) {
    const file = findExecutable(bin, workdir, pathVar);
    if (file !== null) return ok({ file, source: spec.field });
    const where = bin.includes('/') ? `no executable file at ${bin}` : `no executable '${bin}' on the job's PATH`;
    return err({ message: `${spec.field}: ${where}` });
  }
  const onPath = findExecutable(spec.command, workdir, pathVar);
  if (onPath !== null) return ok({ file: onPath, source: 'PATH' });
  const beside = bundled();
  if (beside !== null) return ok({ file: beside, source: 'bundled' });
  return err({
    message: `${spec.label} ('${spec.command}') was not found on PATH or beside codex-run; install the version codex-run was made for with \`${spec.install}\` (or -g), or set ${spec.field}`,
  });
}

/** Runs `<file> --version` (argv, no shell) with the job's environment and returns the version. */
export function probeAgentVersion(spec: AgentBinarySpec<string>, file: string, env: Record<string, string>): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { env, timeout: spec.probeTimeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const version = spec.parseVersion(stdout);
      if (version !== null) {
        resolve(ok(version));
        return;
      }
      const said = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' / ');
      const why = error === null ? 'it printed no version' : error.killed ? `it did not answer within ${spec.probeTimeoutMs / 1000}s` : error.message;
      resolve(err(`${file} --version failed: ${why}${said === '' ? '' : ` (${said})`}`));
    });
  });
}

/** The doctor's outcome for one job of an agent. */
export type AgentJobCheck<Mode, Binary> =
  | { job: string; mode: Mode; kind: 'ok'; binary: Binary; version: string }
  /** Runs, but not the version the built-in rules were made for: screens and flags may differ. */
  | { job: string; mode: Mode; kind: 'version-differs'; binary: Binary; version: string; expected: string }
  /** Cannot run: no binary, or it does not answer `--version`. */
  | { job: string; mode: Mode; kind: 'broken'; binary: Binary | null; problem: string };

/** What the doctor needs to know of one agent to check its jobs. */
export interface AgentCheckSpec<Mode, Binary extends { file: string }> {
  /** The agent kind whose jobs are checked; other jobs are skipped. */
  agent: string;
  /** The version codex-run's flags, screens and built-in rules were made for. */
  rulesVersion: string;
  /** The job's mode and its `<agent>.bin` (null: none). */
  optionsOf(job: DoctorInput['job']): { mode: Mode; bin: string | null };
  resolve(bin: string | null, workdir: string, pathVar: string | undefined): Result<Binary, { message: string }>;
  probe(file: string, env: Record<string, string>): Promise<Result<string, string>>;
}

/** Checks every job of one agent; each binary is asked for its version once. */
export async function checkAgentJobs<Mode, Binary extends { file: string }>(
  jobs: readonly DoctorInput[],
  spec: AgentCheckSpec<Mode, Binary>,
): Promise<AgentJobCheck<Mode, Binary>[]> {
  const versions = new Map<string, Promise<Result<string, string>>>();
  const checks: AgentJobCheck<Mode, Binary>[] = [];
  for (const { job, env } of jobs) {
    if (job.agent !== spec.agent) continue;
    const { mode, bin } = spec.optionsOf(job);
    const resolved = spec.resolve(bin, job.workdir, env['PATH']);
    if (!resolved.ok) {
      checks.push({ job: job.name, mode, kind: 'broken', binary: null, problem: resolved.error.message });
      continue;
    }
    const binary = resolved.value;
    let probe = versions.get(binary.file);
    if (probe === undefined) {
      probe = spec.probe(binary.file, env);
      versions.set(binary.file, probe);
    }
    const version = await probe;
    if (!version.ok) checks.push({ job: job.name, mode, kind: 'broken', binary, problem: version.error });
    else if (version.value !== spec.rulesVersion) checks.push({ job: job.name, mode, kind: 'version-differs', binary, version: version.value, expected: spec.rulesVersion });
    else checks.push({ job: job.name, mode, kind: 'ok', binary, version: version.value });
  }
  return checks;
}

// `<file> (<why this one>)`.
function describeBinary(spec: AgentBinarySpec<string>, binary: AgentBinary<string>): string {
  const why = binary.source === spec.field ? `the job's ${spec.field}` : binary.source === 'PATH' ? `${spec.command} on PATH` : 'installed with codex-run';
  return `${binary.file} (${why})`;
}

/**
 * A doctor check as the neutral finding the CLI prints, e.g. `claude headless: /usr/bin/claude
 * (claude on PATH), Claude Code 2.1.332`. `versionName` names what `--version` printed
 * (`codex-cli`, `Claude Code`).
 */
export function agentFinding<Mode extends string>(check: AgentJobCheck<Mode, AgentBinary<string>>, spec: AgentBinarySpec<string>, versionName: string): DoctorFinding {
  const what = `${spec.command} ${check.mode}`;
  switch (check.kind) {
    case 'ok':
      return { job: check.job, what, severity: 'ok', text: `${describeBinary(spec, check.binary)}, ${versionName} ${check.version}`, notes: [] };
    case 'version-differs':
      return {
        job: check.job,
        what,
        severity: 'warning',
        text: `${describeBinary(spec, check.binary)}, ${versionName} ${check.version}`,
        notes: [
          `codex-run's flags, screen rules and failure messages were made for ${versionName} ${check.expected}; with ${check.version} they may not match (rehearse first, or install that version: \`${spec.install}\`)`,
        ],
      };
    case 'broken':
      return { job: check.job, what, severity: 'error', text: check.problem, notes: [] };
    default:
      return unreachable(check);
  }
}
