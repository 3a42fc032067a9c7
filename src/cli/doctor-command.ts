import { processOutput } from '../ui/output-stream.js';
import path from 'node:path';
import type { DoctorFinding } from '../agents/adapter.js';
import { doctorFindings, type AgentFindings } from '../agents/doctor.js';
import { planRun } from '../run/plan.js';
import { loadManifestOrReport } from './manifest-errors.js';
import { resolvePtyBackend } from '../session/pty-backend.js';

function describeFinding(finding: DoctorFinding): string[] {
  const head = `${finding.job} (${finding.what})`;
  if (finding.severity === 'error') return [`${head}: error: ${finding.text}`];
  return [`${head}: ${finding.text}`, ...finding.notes.map((note) => `  warning: ${note}`)];
}

// `2 codex jobs, 1 generic job`; `no agent jobs` when nothing had a check.
function describeCounts(groups: readonly AgentFindings[]): string {
  const counts = groups.filter((g) => g.findings.length > 0).map((g) => `${g.findings.length} ${g.agent} job${g.findings.length === 1 ? '' : 's'}`);
  return counts.length === 0 ? 'no agent jobs' : counts.join(', ');
}

/**
 * `codex-run doctor [manifest]`: for every agent job, the binary it will run and its version,
 * as each agent's adapter checks it, with a warning when that is not the version codex-run's
 * rules were made for, and the PTY backend the jobs will run on (native pump or node-pty, and
 * why). Exit 0 when every job can run (warnings included), 1 when one cannot (or CODEX_RUN_PTY
 * forces a backend that cannot run), 2 for an invalid manifest.
 */
export async function doctorCommand(manifest: string): Promise<number> {
  const loaded = await loadManifestOrReport(manifest);
  if (loaded === null) return 2;
  const planned = planRun(loaded, { env: process.env });
  if (!planned.ok) {
    processOutput().stderr.write(`codex-run: ${planned.error}\n`);
    return 2;
  }
  const groups = await doctorFindings(planned.value.jobs);
  const shown = path.relative(process.cwd(), loaded.file) || manifest;
  const findings = groups.flatMap((g) => g.findings);
  const backend = resolvePtyBackend();
  const pty = backend.ok ? `pty: ${backend.value.kind} (${backend.value.why})` : `pty: error: ${backend.error}`;
  const lines = [`${shown}: ${describeCounts(groups)}`, ...findings.flatMap(describeFinding), pty];
  processOutput().stdout.write(`${lines.join('\n')}\n`);
  return findings.some((f) => f.severity === 'error') || !backend.ok ? 1 : 0;
}
