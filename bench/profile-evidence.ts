/** Evidence for a missed target: one extra codex-run run under `node --cpu-prof`, summarised. */
import { summarizeProfile } from './cpu-profile.js';
import { startCodexRun } from './codex-run-cli.js';
import { describeEnd } from './measured-process.js';
import type { Scratch } from './scratch.js';

/**
 * Runs the manifest once more with the runner profiled and returns note lines: the heaviest
 * functions and files by self time. `whileRunning` can drive the run (e.g. end an idle window).
 * The profiled run is not timed: profiling slows the runner down.
 */
export async function profileEvidence(
  scratch: Scratch,
  label: string,
  manifest: string,
  deadlineMs: number,
  whileRunning?: (runner: { pid: number; outDir: string }) => Promise<void>,
): Promise<string[]> {
  const profileDir = await scratch.dir(`${label}-profile`);
  const outDir = await scratch.dir(`${label}-profiled-run`);
  try {
    const runner = startCodexRun(manifest, outDir, {
      deadlineMs,
      pollMs: null,
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir],
    });
    if (whileRunning !== undefined) await whileRunning({ pid: runner.pid, outDir });
    const end = await runner.done;
    if (end.exitCode !== 0) return [`CPU profile of codex-run (${label}): the profiled run ${describeEnd(end)}`];
    const summary = await summarizeProfile(profileDir);
    return [
      `CPU profile of codex-run (${label}), ${summary.totalMs.toFixed(0)} ms profiled; self time by function:`,
      ...summary.functions.map((line) => `    ${line}`),
      'self time by file:',
      ...summary.files.map((line) => `    ${line}`),
    ];
  } finally {
    await scratch.remove(outDir);
    await scratch.remove(profileDir);
  }
}
