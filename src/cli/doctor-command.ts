import { processOutput } from '../ui/output-stream.js';
import path from 'node:path';
import { checkCodexJobs, type CodexJobCheck } from '../agents/codex/doctor-check.js';
import { INSTALL_PINNED_CODEX, type CodexBinary } from '../agents/codex/binary.js';
import { planRun } from '../run/plan.js';
import { loadManifestOrReport } from './manifest-errors.js';
import { unreachable } from '../util/unreachable.js';
import { resolvePtyBackend } from '../session/pty-backend.js';

function describeBinary(binary: CodexBinary): string {
  const why = binary.source === 'codex.bin' ? "the job's codex.bin" : binary.source === 'PATH' ? 'codex on PATH' : 'installed with codex-run';
  return `${binary.file} (${why})`;
}

function describeCheck(check: CodexJobCheck): string[] {
  const head = `${check.job} (codex ${check.mode})`;
  switch (check.kind) {
    case 'ok':
      return [`${head}: ${describeBinary(check.binary)}, codex-cli ${check.version}`];
    case 'version-differs':
      return [
        `${head}: ${describeBinary(check.binary)}, codex-cli ${check.version}`,
        `  warning: codex-run's flags, screen rules and failure messages were made for codex-cli ${check.expected}; with ${check.version} they may not match (rehearse first, or install that version: \`${INSTALL_PINNED_CODEX}\`)`,
      ];
    case 'broken':
      return [`${head}: error: ${check.problem}`];
    default:
      return unreachable(check);
  }
}

/**
 * `codex-run doctor [manifest]`: for every codex job, the binary it will run and its version,
 * with a warning when that is not the version codex-run's rules were made for, and the PTY
 * backend the jobs will run on (native pump or node-pty, and why). Exit 0 when every job can
 * run (version warnings included), 1 when one cannot (or CODEX_RUN_PTY forces a backend that
 * cannot run), 2 for an invalid manifest.
 */
export async function doctorCommand(manifest: string): Promise<number> {
  const loaded = await loadManifestOrReport(manifest);
  if (loaded === null) return 2;
  const planned = planRun(loaded, { env: process.env });
  if (!planned.ok) {
    processOutput().stderr.write(`codex-run: ${planned.error}\n`);
    return 2;
  }
  const checks = await checkCodexJobs(planned.value.jobs);
  const shown = path.relative(process.cwd(), loaded.file) || manifest;
  const backend = resolvePtyBackend();
  const pty = backend.ok ? `pty: ${backend.value.kind} (${backend.value.why})` : `pty: error: ${backend.error}`;
  const lines = [`${shown}: ${checks.length} codex job${checks.length === 1 ? '' : 's'}`, ...checks.flatMap(describeCheck), pty];
  processOutput().stdout.write(`${lines.join('\n')}\n`);
  return checks.some((c) => c.kind === 'broken') || !backend.ok ? 1 : 0;
}
