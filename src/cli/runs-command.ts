import path from 'node:path';
import { describeRecovered, listRuns, type RunListing } from '../run/crashed-runs.js';

/**
 * `codex-run runs [manifest] [--out DIR]`: lists the run folders with their status, after
 * marking runs whose runner died as `crashed` and stopping what is left of their jobs
 * (src/run/crashed-runs.ts). The manifest only locates the runs folder; it is not read.
 */
export async function runsCommand(manifest: string, flags: Record<string, unknown>): Promise<number> {
  const runsRoot = typeof flags['out'] === 'string' ? path.resolve(flags['out']) : path.join(path.dirname(path.resolve(manifest)), '.codex-run', 'runs');
  const { runs, recovered } = await listRuns(runsRoot);
  for (const run of recovered) process.stderr.write(`codex-run: ${describeRecovered(run)}\n`);
  process.stdout.write(formatRuns(runsRoot, runs));
  return 0;
}

function formatRuns(runsRoot: string, runs: RunListing[]): string {
  if (runs.length === 0) return `no runs in ${runsRoot}\n`;
  const rows = runs.map((run) => [
    run.runId,
    run.status,
    run.startedAt ?? '-',
    Object.entries(run.jobs)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ') || '-',
  ]);
  const header = ['RUN', 'STATUS', 'STARTED', 'JOBS'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\nRuns folder: ${runsRoot}\n`;
}
