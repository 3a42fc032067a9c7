/**
 * Bench 2, many jobs: 50 mostly idle jobs at once. What does the runner cost while it only
 * watches? CPU time of the runner process minute by minute, and its peak RSS.
 *
 * The target is judged once the runner has warmed up: a job printing a line every few seconds
 * makes each function of the per-line path hot slowly, so V8 keeps compiling optimised code
 * for minutes (measured 12-01: 120, 106, 92, 52, 52, 18 TurboFan compiles in minutes 1-6, the
 * runner's CPU falling from 1.43 % to 0.72 % with them). An overnight batch is watched in that
 * steady state; the first minute is still shown, as info.
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

/** Full mode: one-minute windows, the first {@link WARM_UP_MINUTES} of them before the steady ones. */
const MINUTE_MS = 60_000;
const WARM_UP_MINUTES = 3;
const STEADY_MINUTES = 3;

/** CPU and memory over a measured stretch of time. */
interface WindowFigures {
  windowMs: number;
  cpuMs: number;
  cpuPercent: number;
  peakRssMb: number;
}

/** CPU per consecutive window, and over the steady ones (the last `steady` windows) with the peak RSS at their end. */
interface WindowSeries {
  windows: WindowFigures[];
  steady: WindowFigures;
}

export const manyJobsBench: Bench = {
  id: 'many-jobs',
  title: 'Many jobs (50 mostly idle jobs at once)',
  method:
    'Fifty jobs run `bench/agents/idle-ticker.sh`, which prints a line at start and then one every 3 s until a stop file appears. ' +
    'Once every job has printed (all 50 logs non-empty), the CPU time of the runner process is read from /proc once a minute ' +
    `for ${WARM_UP_MINUTES + STEADY_MINUTES} minutes, each difference divided by its window: percent of one core. The target is judged on minutes ` +
    `${WARM_UP_MINUTES + 1}-${WARM_UP_MINUTES + STEADY_MINUTES}, once V8 has compiled the per-line path (it does so for minutes when lines come every few seconds); the first ` +
    'minute is shown beside it. Quick: one 10 s window. Peak RSS is VmHWM at the end. The baseline is the same 50 agents each ' +
    'under its own `script -f` process (flushing its file as codex-run does), summed over the 50 processes, over one minute (10 s).',
  async run(ctx) {
    const windowMs = ctx.quick ? 10_000 : MINUTE_MS;
    const warmUp = ctx.quick ? 0 : WARM_UP_MINUTES;
    const steady = ctx.quick ? 1 : STEADY_MINUTES;
    const dir = await ctx.scratch.dir('many-jobs');
    const stopFile = path.join(dir, 'stop');
    const ticker = ['/bin/sh', agent('idle-ticker.sh'), stopFile, TICK_SECONDS];
    const jobs: Record<string, BenchJob> = {};
    for (let i = 0; i < JOBS; i++) jobs[`idle-${String(i).padStart(2, '0')}`] = { agent: 'command', command: ticker };
    const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: JOBS, jobs });
    const deadlineMs = (warmUp + steady) * windowMs + START_DEADLINE_MS + 60_000;

    ctx.progress(`many-jobs: codex-run with ${JOBS} idle jobs, ${warmUp + steady} windows of ${windowMs / 1000} s`);
    const outDir = await ctx.scratch.dir('many-jobs-run');
    const runner = startCodexRun(manifest, outDir, { deadlineMs });
    const series = await measureWindows(windowMs, warmUp + steady, steady, [runner.pid], () => allLogsStarted(outDir), stopFile);
    const runnerWindow = series.steady;
    const first = series.windows[0]!;
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

    const steadyText = ctx.quick ? `a ${windowMs / 1000} s idle window` : `minutes ${warmUp + 1}-${warmUp + steady}, warmed up`;
    const figures: Figure[] = [
      {
        metric: `CPU over ${steadyText} (% of one core)`,
        baseline: { label: `${JOBS}x script`, ...value(baseline.cpuPercent, '%', 2) },
        codexRun: value(runnerWindow.cpuPercent, '%', 2),
        comparison: '',
        target: `< ${TARGET_CPU_PERCENT} %`,
        verdict: judged(runnerWindow.cpuPercent < TARGET_CPU_PERCENT),
      },
      ...(ctx.quick
        ? []
        : [
            {
              metric: `CPU over the first minute, V8 still compiling (% of one core)`,
              baseline: null,
              codexRun: value(first.cpuPercent, '%', 2),
              comparison: '',
              target: '',
              verdict: 'info' as const,
            },
          ]),
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
          await delay((warmUp + steady) * windowMs);
          await writeFile(stopFile, '');
        })),
      );
      await rm(stopFile, { force: true });
    }
    const minutes = series.windows.map((w) => Number(w.cpuPercent.toFixed(2)));
    if (!ctx.quick) notes.push(`Runner CPU minute by minute (% of one core): ${minutes.join(', ')}.`);
    return { figures, notes, details: { jobs: JOBS, codexRun: { ...runnerWindow, lifetimeCpuPercent, windows: series.windows }, script: baseline } };
  },
};

/**
 * Waits until every job is running, reads the CPU of `pids` at the end of each of `count`
 * consecutive windows of `windowMs`, and their peak RSS at the end; then writes the stop file so
 * the agents finish. `steady`: how many of the last windows make the steady figure.
 */
async function measureWindows(
  windowMs: number,
  count: number,
  steady: number,
  pids: number[],
  started: () => Promise<boolean>,
  stopFile: string,
): Promise<WindowSeries> {
  try {
    await waitFor(`all ${JOBS} jobs to print their first line`, started, START_DEADLINE_MS);
    const marks = [{ cpu: totalCpuMs(pids), t: performance.now() }];
    for (let i = 0; i < count; i++) {
      await delay(windowMs);
      marks.push({ cpu: totalCpuMs(pids), t: performance.now() });
    }
    const rss = totalPeakRssKb(pids);
    if (rss === null || marks.some((m) => m.cpu === null)) throw new Error('a measured process exited during the window');
    const between = (from: number, to: number): WindowFigures => {
      const ms = marks[to]!.t - marks[from]!.t;
      const cpuMs = marks[to]!.cpu! - marks[from]!.cpu!;
      return { windowMs: ms, cpuMs, cpuPercent: (100 * cpuMs) / ms, peakRssMb: rss / 1024 };
    };
    return { windows: marks.slice(1).map((_, i) => between(i, i + 1)), steady: between(count - steady, count) };
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
  // measureWindows writes the stop file even when it fails, so every script process ends.
  const measured = await measureWindows(windowMs, 1, 1, processes.map((p) => p.pid), started, stopFile).then(
    (series) => ({ ok: true as const, figures: series.steady }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const ends = await Promise.all(processes.map((p) => p.done));
  for (const file of files) await ctx.scratch.remove(file);
  if (!measured.ok) throw measured.error;
  const bad = ends.find((e) => e.exitCode !== 0);
  if (bad !== undefined) throw new Error(`a script baseline process ${describeEnd(bad)}`);
  return measured.figures;
}

