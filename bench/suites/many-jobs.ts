/**
 * Bench 2, many jobs: 50 mostly idle jobs at once. What does the runner cost while it only
 * watches? CPU time of the runner process over a steady window, and its peak RSS.
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findRunDir, readReportJobs, startCodexRun, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { writeManifest, type BenchJob } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { agent } from '../paths.js';
import { totalCpuMs, totalPeakRssKb } from '../proc.js';
import { profileEvidence } from '../profile-evidence.js';
import { judged, value, type Figure } from '../result.js';
import { scriptArgv } from '../script-baseline.js';
import { delay, waitFor } from '../wait.js';

const JOBS = 50;
const TICK_SECONDS = '3';
const TARGET_CPU_PERCENT = 1;
const TARGET_RSS_MB = 200;
const START_DEADLINE_MS = 60_000;

/** CPU and memory over the steady window. */
interface WindowFigures {
  windowMs: number;
  cpuMs: number;
  cpuPercent: number;
  peakRssMb: number;
}

export const manyJobsBench: Bench = {
  id: 'many-jobs',
  title: 'Many jobs (50 mostly idle jobs at once)',
  method:
    'Fifty jobs run `bench/agents/idle-ticker.sh`, which prints a line at start and then one every 3 s until a stop file appears. ' +
    'Once every job has printed (all 50 logs non-empty), the CPU time of the runner process is read from /proc, again after a ' +
    '60 s window (quick: 10 s), and the difference is divided by the window: percent of one core. Peak RSS is VmHWM at the ' +
    'end of the window. The baseline is the same 50 agents each under its own `script -f` process (flushing its file as codex-run does), summed over the 50 processes.',
  async run(ctx) {
    const windowMs = ctx.quick ? 10_000 : 60_000;
    const dir = await ctx.scratch.dir('many-jobs');
    const stopFile = path.join(dir, 'stop');
    const ticker = ['/bin/sh', agent('idle-ticker.sh'), stopFile, TICK_SECONDS];
    const jobs: Record<string, BenchJob> = {};
    for (let i = 0; i < JOBS; i++) jobs[`idle-${String(i).padStart(2, '0')}`] = { agent: 'command', command: ticker };
    const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: JOBS, jobs });
    const deadlineMs = windowMs + START_DEADLINE_MS + 60_000;

    ctx.progress(`many-jobs: codex-run with ${JOBS} idle jobs, ${windowMs / 1000} s window`);
    const outDir = await ctx.scratch.dir('many-jobs-run');
    const runner = startCodexRun(manifest, outDir, { deadlineMs });
    const runnerWindow = await measureWindow(windowMs, [runner.pid], () => allLogsStarted(outDir), stopFile);
    const end = await runner.done;
    const notes: string[] = [];
    const runDir = await findRunDir(outDir);
    if (end.exitCode !== 0 || runDir === null) notes.push(`codex-run ${describeEnd(end)}`);
    else notes.push(...unsuccessful(await readReportJobs(runDir)));
    const lifetimeCpuPercent = end.cpuMs === null ? null : (100 * end.cpuMs) / end.wallMs;
    await ctx.scratch.remove(outDir);
    await rm(stopFile, { force: true });

    ctx.progress(`many-jobs: ${JOBS} script processes, ${windowMs / 1000} s window`);
    const baseline = await scriptWindow(ctx, dir, ticker, stopFile, windowMs, deadlineMs);
    await rm(stopFile, { force: true });

    const figures: Figure[] = [
      {
        metric: `CPU over a ${windowMs / 1000} s idle window (% of one core)`,
        baseline: { label: `${JOBS}x script`, ...value(baseline.cpuPercent, '%', 2) },
        codexRun: value(runnerWindow.cpuPercent, '%', 2),
        comparison: '',
        target: `< ${TARGET_CPU_PERCENT} %`,
        verdict: judged(runnerWindow.cpuPercent < TARGET_CPU_PERCENT),
      },
      {
        metric: 'peak RSS',
        baseline: { label: `${JOBS}x script (sum)`, ...value(baseline.peakRssMb, 'MiB', 1) },
        codexRun: value(runnerWindow.peakRssMb, 'MiB', 1),
        comparison: '',
        target: `< ${TARGET_RSS_MB} MiB`,
        verdict: judged(runnerWindow.peakRssMb < TARGET_RSS_MB),
      },
      {
        metric: 'CPU over the whole run, start-up included (% of one core)',
        baseline: null,
        codexRun: value(lifetimeCpuPercent, '%', 2),
        comparison: '',
        target: '',
        verdict: 'info',
      },
    ];
    if (figures[0]!.verdict === 'miss' && ctx.profileOnMiss) {
      ctx.progress('many-jobs: target missed, profiling one more codex-run run');
      notes.push(
        ...(await profileEvidence(ctx.scratch, 'many-jobs', manifest, deadlineMs, async ({ outDir: profiled }) => {
          await waitFor('all jobs to start', () => allLogsStarted(profiled), START_DEADLINE_MS);
          await delay(windowMs);
          await writeFile(stopFile, '');
        })),
      );
      await rm(stopFile, { force: true });
    }
    return { figures, notes, details: { jobs: JOBS, codexRun: { ...runnerWindow, lifetimeCpuPercent }, script: baseline } };
  },
};

/**
 * Waits until every job is running, reads CPU and peak RSS of `pids` over `windowMs`, then
 * writes the stop file so the agents finish.
 */
async function measureWindow(windowMs: number, pids: number[], started: () => Promise<boolean>, stopFile: string): Promise<WindowFigures> {
  try {
    await waitFor(`all ${JOBS} jobs to print their first line`, started, START_DEADLINE_MS);
    const cpu0 = totalCpuMs(pids);
    const t0 = performance.now();
    await delay(windowMs);
    const cpu1 = totalCpuMs(pids);
    const t1 = performance.now();
    const rss = totalPeakRssKb(pids);
    if (cpu0 === null || cpu1 === null || rss === null) throw new Error('a measured process exited during the window');
    return { windowMs: t1 - t0, cpuMs: cpu1 - cpu0, cpuPercent: (100 * (cpu1 - cpu0)) / (t1 - t0), peakRssMb: rss / 1024 };
  } finally {
    await writeFile(stopFile, '');
  }
}

// All 50 jobs have written their first line: the run folder holds 50 non-empty logs.
async function allLogsStarted(outDir: string): Promise<boolean> {
  const runDir = await findRunDir(outDir);
  if (runDir === null) return false;
  try {
    const logs = (await readdir(runDir)).filter((n) => n.endsWith('.log'));
    if (logs.length < JOBS) return false;
    const sizes = await Promise.all(logs.map(async (n) => (await stat(path.join(runDir, n))).size));
    return sizes.every((size) => size > 0);
  } catch {
    return false; // the folder moved or a file is not there yet: look again
  }
}

async function scriptWindow(
  ctx: BenchContext,
  dir: string,
  ticker: string[],
  stopFile: string,
  windowMs: number,
  deadlineMs: number,
): Promise<WindowFigures> {
  const files = Array.from({ length: JOBS }, (_, i) => path.join(dir, `script-${i}.out`));
  const processes = files.map((file) => MeasuredProcess.start(scriptArgv(ticker, file, { flush: true }), { deadlineMs, pollMs: null, captureOutput: false }));
  const started = async (): Promise<boolean> => {
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
    return texts.every((t) => t.includes('started'));
  };
  // measureWindow writes the stop file even when it fails, so every script process ends.
  const measured = await measureWindow(windowMs, processes.map((p) => p.pid), started, stopFile).then(
    (figures) => ({ ok: true as const, figures }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const ends = await Promise.all(processes.map((p) => p.done));
  for (const file of files) await ctx.scratch.remove(file);
  if (!measured.ok) throw measured.error;
  const bad = ends.find((e) => e.exitCode !== 0);
  if (bad !== undefined) throw new Error(`a script baseline process ${describeEnd(bad)}`);
  return measured.figures;
}

