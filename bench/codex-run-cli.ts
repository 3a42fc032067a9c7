/** Runs the codex-run CLI of this build on a manifest and reads what it wrote. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { cliEntry } from './paths.js';
import { MeasuredProcess, type StartOptions } from './measured-process.js';

/** The environment the CLI runs with: line-based output, no colours (as in CI). */
export const CLI_ENV: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };

/** argv of `codex-run <manifest> --out <outDir> --quiet`; `nodeFlags` go before the script (e.g. --cpu-prof). */
export function runArgv(manifest: string, outDir: string, nodeFlags: readonly string[] = []): string[] {
  return [process.execPath, ...nodeFlags, cliEntry, manifest, '--out', outDir, '--quiet'];
}

/** Starts the CLI on a manifest, measured. */
export function startCodexRun(
  manifest: string,
  outDir: string,
  options: Omit<StartOptions, 'env'> & { nodeFlags?: readonly string[] },
): MeasuredProcess {
  // A profiled run (--cpu-prof) starts the unbundled build, so its profile names our source files
  // rather than lines of the one bundle file; the timed runs start the bundle, as users do.
  const env = (options.nodeFlags ?? []).length > 0 ? { ...CLI_ENV, CODEX_RUN_BUNDLE: '0' } : CLI_ENV;
  return MeasuredProcess.start(runArgv(manifest, outDir, options.nodeFlags), { ...options, env });
}

/** The parts of report.json the bench reads. */
export interface ReportJob {
  name: string;
  status: string;
  exitCode: number | null;
  message: string | null;
  logFile: string;
}

/** The run folder codex-run created in `outDir` (it is the only entry), or null. */
export async function findRunDir(outDir: string): Promise<string | null> {
  const entries = await readdir(outDir, { withFileTypes: true });
  // A `.<id>.partial` folder is a run being prepared: it is renamed to its final name.
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  return dirs.length === 1 ? path.join(outDir, dirs[0]!.name) : null;
}

/** The jobs of report.json in a run folder. */
export async function readReportJobs(runDir: string): Promise<ReportJob[]> {
  const report = JSON.parse(await readFile(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  return report.jobs;
}

/** Jobs that did not succeed, as "name: status (message)", for notes. */
export function unsuccessful(jobs: readonly ReportJob[]): string[] {
  return jobs.filter((j) => j.status !== 'succeeded').map((j) => `${j.name}: ${j.status}${j.message === null ? '' : ` (${j.message})`}`);
}
