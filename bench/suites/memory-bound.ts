/**
 * Bench 4, memory bound: one job writing far more than fits in memory. The runner's peak RSS
 * must stay bounded (backpressure from the log files to the PTY) and flat as output grows.
 */
import path from 'node:path';
import { findRunDir, readReportJobs, startCodexRun, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { digestFile } from '../file-check.js';
import { writeManifest } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { agent } from '../paths.js';
import { judged, value, type Figure } from '../result.js';
import { formatRatio, ratio } from '../stats.js';

const MIB = 1024 * 1024;
const TARGET_RSS_MB = 150;
/** "Flat": the largest output may cost at most this much more memory than 100 MiB does. */
const FLAT_RATIO = 1.1;

/** One run at one output size. */
interface SizeRun {
  bytes: number;
  wallMs: number;
  peakRssMb: number | null;
  exact: boolean;
  problem: string | null;
}

export const memoryBoundBench: Bench = {
  id: 'memory-bound',
  title: 'Memory bound (one job writing 1 GB)',
  method:
    'One job runs `text-flood.js` for 1 MiB (the baseline: the runner with next to no output), 100 MiB and 1 GiB ' +
    '(quick: 1 MiB and 100 MiB). The runner\'s VmHWM is polled every 50 ms; the target is an absolute bound plus ' +
    'flatness: the 1 GiB peak at most 1.10x the 100 MiB peak. Each log is also checked byte for byte as in the throughput bench.',
  async run(ctx) {
    const sizes = ctx.quick ? [1 * MIB, 100 * MIB] : [1 * MIB, 100 * MIB, 1024 * MIB];
    const runs: SizeRun[] = [];
    for (const bytes of sizes) {
      ctx.progress(`memory-bound: ${bytes / MIB} MiB`);
      runs.push(await runSize(ctx, bytes));
    }
    const [small, ...large] = runs as [SizeRun, ...SizeRun[]];
    const figures: Figure[] = large.map((run) => ({
      metric: `peak RSS, ${run.bytes / MIB} MiB job`,
      baseline: { label: `${small.bytes / MIB} MiB job`, ...value(small.peakRssMb, 'MiB', 1) },
      codexRun: value(run.peakRssMb, 'MiB', 1),
      comparison: run.peakRssMb === null || small.peakRssMb === null ? 'n/a' : `+${(run.peakRssMb - small.peakRssMb).toFixed(1)} MiB`,
      target: `< ${TARGET_RSS_MB} MiB`,
      verdict: judged(run.peakRssMb === null ? null : run.peakRssMb < TARGET_RSS_MB),
    }));
    const hundred = runs.find((r) => r.bytes === 100 * MIB);
    const largest = runs[runs.length - 1]!;
    if (hundred !== undefined && largest !== hundred) {
      const flat = ratio(largest.peakRssMb, hundred.peakRssMb);
      figures.push({
        metric: `flat with output size (${largest.bytes / MIB} MiB peak / 100 MiB peak)`,
        baseline: { label: '100 MiB job', ...value(hundred.peakRssMb, 'MiB', 1) },
        codexRun: value(largest.peakRssMb, 'MiB', 1),
        comparison: formatRatio(flat),
        target: `<= ${FLAT_RATIO.toFixed(2)}x`,
        verdict: judged(flat === null ? null : flat <= FLAT_RATIO),
      });
    }
    figures.push({
      metric: 'logs byte-exact (size + SHA-256)',
      baseline: null,
      codexRun: { value: runs.filter((r) => r.exact).length, unit: 'runs', text: `${runs.filter((r) => r.exact).length}/${runs.length} exact` },
      comparison: '',
      target: 'every run',
      verdict: judged(runs.every((r) => r.exact)),
    });
    const notes = runs.flatMap((r) => (r.problem === null ? [] : [r.problem]));
    return { figures, notes, details: { runs } };
  },
};

async function runSize(ctx: BenchContext, bytes: number): Promise<SizeRun> {
  const label = `${bytes / MIB} MiB`;
  const dir = await ctx.scratch.dir(`memory-${bytes}`);
  try {
    const flood = [process.execPath, agent('text-flood.js'), String(bytes)];
    const expectRun = await MeasuredProcess.run([...flood, '--expect'], { deadlineMs: 300_000, pollMs: null });
    if (expectRun.exitCode !== 0) throw new Error(`text-flood.js --expect ${describeEnd(expectRun)}`);
    const expected = JSON.parse(expectRun.stdout) as { logBytes: number; sha256: string };
    const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: 1, jobs: { flood: { agent: 'command', command: flood } } });
    const outDir = path.join(dir, 'out');
    const end = await startCodexRun(manifest, outDir, { deadlineMs: 60_000 + (bytes / MIB) * 1000, pollMs: 50 }).done;
    const runDir = await findRunDir(outDir).catch(() => null);
    const base = { bytes, wallMs: end.wallMs, peakRssMb: end.peakRssKb === null ? null : end.peakRssKb / 1024 };
    if (end.exitCode !== 0 || runDir === null) return { ...base, exact: false, problem: `${label}: codex-run ${describeEnd(end)}` };
    const jobs = await readReportJobs(runDir);
    const failed = unsuccessful(jobs);
    if (failed.length > 0 || jobs[0] === undefined) return { ...base, exact: false, problem: `${label}: ${failed.join('; ')}` };
    const got = await digestFile(path.join(runDir, jobs[0].logFile));
    const exact = got.bytes === expected.logBytes && got.sha256 === expected.sha256;
    return { ...base, exact, problem: exact ? null : `${label}: log is ${got.bytes} bytes, expected ${expected.logBytes} (or the hash differs)` };
  } finally {
    await ctx.scratch.remove(dir);
  }
}
