/**
 * Bench 7, fixed costs and many floods: what the runner pays per job, whatever the job does.
 * Many jobs flooding 1 MiB each against a raw node-pty loop and `script`; stopping many
 * running jobs with SIGINT; a one-job `validate` against `node -e 0`; spawn to `run-started`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLI_ENV, findRunDir, readReportJobs, startCodexRun, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { writeManifest, type BenchJob } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { agent, cliEntry } from '../paths.js';
import { judged, value, type Figure } from '../result.js';
import { scriptArgv } from '../script-baseline.js';
import { formatRatio, median, ratio } from '../stats.js';
import { microsPerEvent } from '../record-events.js';
import { waitFor } from '../wait.js';

const MIB = 1024 * 1024;
const TARGET_FLOOD_WALL = 1.3;
const TARGET_FLOOD_CPU = 2;
const TARGET_FLOOD_RSS_MB = 200;
const TARGET_STOP_MS = 2000;
const TARGET_VALIDATE_RATIO = 1.5;
const TARGET_RUN_STARTED_MS = 200;
/** A sleep length no other process on the machine uses: survivors are found by it. */
const SLEEP_ARG = '86399.25';

interface Side {
  wallMs: number | null;
  cpuMs: number | null;
  peakRssMb: number | null;
  problem: string | null;
}

export const fixedCostsBench: Bench = {
  id: 'fixed-costs',
  title: 'Fixed costs (many 1 MiB floods, stopping many jobs, validate, spawn to run-started)',
  method:
    'Many floods: N jobs each `cat` a 1 MiB text file at once (full: N = 50 and 200; quick: N = 20); codex-run (wall from spawn to ' +
    'exit, CPU of the runner process, peak RSS) against `bench/agents/raw-pty-loop.js` (node-pty, one blocking log write per read: ' +
    'the least a Node host can do) and N `script` processes started together (wall until the last exits, CPU and RSS summed); ' +
    'full mode: 3 interleaved rounds, each figure the median of its side. ' +
    'Stop: N jobs `sleep` (full: 200, quick: 50); once all run, the runner gets SIGINT; the time to its exit, then the count of ' +
    'sleeps left. validate: one-job manifest, `codex-run validate` against `node -e 0`, interleaved, medians of 10 (quick: 5). ' +
    'Spawn to run-started: from spawning `codex-run` on a one-job manifest to the `at` of its `run-started` event, median of 5 (quick: 3). ' +
    'Run record: a synthetic run (per job a state change, six activity lines, its end) through `reduceRunRecord` in process, ' +
    'microseconds per event at 100 jobs and at 10,000 (quick: 2,000), best of 5 and 3 (quick: 1): a cost per event that grows with the jobs is O(jobs²) over a run.',
  async run(ctx) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const details: Record<string, unknown> = {};
    const dir = await ctx.scratch.dir('fixed-costs');
    const text = path.join(dir, 'one-mib.txt');
    writeText(text, MIB);

    for (const jobs of ctx.quick ? [20] : [50, 200]) {
      // Interleaved rounds, each figure the median of its side's rounds: one 200-job run's peak
      // RSS moves by 20-40 MiB with the moment V8 collects (2026-12-01: 175-213 MiB, same tree).
      const rounds = ctx.quick ? 1 : FLOOD_ROUNDS;
      const sides: { codex: Side[]; raw: Side[]; script: Side[] } = { codex: [], raw: [], script: [] };
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`fixed-costs: ${jobs} x 1 MiB floods, round ${round} of ${rounds}`);
        sides.codex.push(await floodCodex(ctx, dir, text, jobs));
        sides.raw.push(await floodRaw(ctx, text, jobs));
        sides.script.push(await floodScript(ctx, text, jobs));
      }
      const codex = medianSide(sides.codex);
      const raw = medianSide(sides.raw);
      const script = medianSide(sides.script);
      details[`floods${jobs}`] = { rounds: sides, codex, raw, script };
      for (const side of [codex, raw, script]) if (side.problem !== null) notes.push(side.problem);
      const wallRatio = ratio(codex.wallMs, raw.wallMs);
      const cpuRatio = ratio(codex.cpuMs, raw.cpuMs);
      figures.push(
        {
          metric: `${jobs} x 1 MiB: wall${rounds > 1 ? `, median of ${rounds}` : ''}`,
          baseline: { label: `raw node-pty loop (script: ${script.wallMs?.toFixed(0) ?? 'n/a'} ms)`, ...value(raw.wallMs, 'ms', 0) },
          codexRun: value(codex.wallMs, 'ms', 0),
          comparison: formatRatio(wallRatio),
          target: `<= ${TARGET_FLOOD_WALL}x`,
          verdict: judged(wallRatio === null ? null : wallRatio <= TARGET_FLOOD_WALL),
        },
        {
          metric: `${jobs} x 1 MiB: runner CPU${rounds > 1 ? `, median of ${rounds}` : ''}`,
          baseline: { label: `raw node-pty loop (script: ${script.cpuMs?.toFixed(0) ?? 'n/a'} ms)`, ...value(raw.cpuMs, 'ms', 0) },
          codexRun: value(codex.cpuMs, 'ms', 0),
          comparison: formatRatio(cpuRatio),
          target: `<= ${TARGET_FLOOD_CPU}x`,
          verdict: judged(cpuRatio === null ? null : cpuRatio <= TARGET_FLOOD_CPU),
        },
        {
          metric: `${jobs} x 1 MiB: peak RSS${rounds > 1 ? `, median of ${rounds}` : ''}`,
          baseline: { label: 'raw node-pty loop', ...value(raw.peakRssMb, 'MiB', 0) },
          codexRun: value(codex.peakRssMb, 'MiB', 0),
          comparison: '',
          target: `< ${TARGET_FLOOD_RSS_MB} MiB`,
          verdict: judged(codex.peakRssMb === null ? null : codex.peakRssMb < TARGET_FLOOD_RSS_MB),
        },
      );
    }

    const stopJobs = ctx.quick ? 50 : 200;
    ctx.progress(`fixed-costs: stopping ${stopJobs} running jobs`);
    const stop = await stopMany(ctx, dir, stopJobs);
    details['stop'] = stop;
    if (stop.problem !== null) notes.push(stop.problem);
    figures.push({
      metric: `stop ${stopJobs} running jobs (SIGINT to exit), survivors: ${stop.survivors ?? 'n/a'}`,
      baseline: null,
      codexRun: value(stop.ms, 'ms', 0),
      comparison: '',
      target: `<= ${TARGET_STOP_MS} ms, 0 survivors`,
      verdict: judged(stop.ms === null || stop.survivors === null ? null : stop.ms <= TARGET_STOP_MS && stop.survivors === 0),
    });

    const repeats = ctx.quick ? 5 : 10;
    ctx.progress(`fixed-costs: validate vs node -e 0, ${repeats} rounds`);
    const oneJob = await writeManifest(dir, 'one.yaml', { concurrency: 1, jobs: { one: { agent: 'command', command: ['/bin/true'] } } });
    const nodeMs: number[] = [];
    const validateMs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      nodeMs.push((await MeasuredProcess.run([process.execPath, '-e', '0'], { deadlineMs: 30_000, pollMs: null })).wallMs);
      const end = await MeasuredProcess.run([process.execPath, cliEntry, 'validate', oneJob], { deadlineMs: 30_000, pollMs: null, env: CLI_ENV });
      if (end.exitCode !== 0) throw new Error(`validate ${describeEnd(end)}`);
      validateMs.push(end.wallMs);
    }
    const validateRatio = ratio(median(validateMs), median(nodeMs));
    details['validate'] = { nodeMs, validateMs };
    figures.push({
      metric: `validate (1 job), median of ${repeats}`,
      baseline: { label: 'node -e 0', ...value(median(nodeMs), 'ms', 0) },
      codexRun: value(median(validateMs), 'ms', 0),
      comparison: formatRatio(validateRatio),
      target: `<= ${TARGET_VALIDATE_RATIO}x`,
      verdict: judged(validateRatio === null ? null : validateRatio <= TARGET_VALIDATE_RATIO),
    });

    const starts = ctx.quick ? 3 : 5;
    ctx.progress(`fixed-costs: spawn to run-started, ${starts} runs`);
    const startedMs: number[] = [];
    for (let i = 0; i < starts; i++) {
      const outDir = await ctx.scratch.dir(`fixed-costs-start-${i}`);
      const spawnedAt = Date.now();
      const end = await startCodexRun(oneJob, outDir, { deadlineMs: 60_000, pollMs: null }).done;
      const runDir = await findRunDir(outDir);
      if (end.exitCode !== 0 || runDir === null) throw new Error(`codex-run ${describeEnd(end)}`);
      const first = JSON.parse(readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n')[0] ?? '{}') as { type?: string; at?: string };
      if (first.type !== 'run-started' || first.at === undefined) throw new Error(`the first event of ${runDir} is not run-started`);
      startedMs.push(Date.parse(first.at) - spawnedAt);
      await ctx.scratch.remove(outDir);
    }
    details['runStartedMs'] = startedMs;
    const startedMedian = median(startedMs);
    figures.push({
      metric: `spawn to run-started (1 job), median of ${starts}`,
      baseline: null,
      codexRun: value(startedMedian, 'ms', 0),
      comparison: '',
      target: `<= ${TARGET_RUN_STARTED_MS} ms`,
      verdict: judged(startedMedian === null ? null : startedMedian <= TARGET_RUN_STARTED_MS),
    });

    const [few, many] = ctx.quick ? [100, 2000] : [100, 10_000];
    ctx.progress(`fixed-costs: run record, cost per event at ${few} and ${many} jobs`);
    const fewUs = microsPerEvent(few, 5);
    const manyUs = microsPerEvent(many, ctx.quick ? 1 : 3);
    details['recordEvents'] = { [few]: fewUs, [many]: manyUs };
    figures.push({
      metric: `run record: cost per event at ${many} jobs (in process, best of ${ctx.quick ? 1 : 3})`,
      baseline: { label: `at ${few} jobs`, ...value(fewUs, 'us', 1) },
      codexRun: value(manyUs, 'us', 1),
      comparison: formatRatio(ratio(manyUs, fewUs)),
      target: '',
      verdict: 'info',
    });
    return { figures, notes, details };
  },
};

/** Full mode: rounds of each many-job flood (codex-run, the raw loop and script, interleaved). */
const FLOOD_ROUNDS = 3;

/** Each figure the median of the rounds that measured it; the first problem, if any. */
function medianSide(rounds: readonly Side[]): Side {
  const of = (pick: (side: Side) => number | null): number | null => median(rounds.map(pick).filter((v): v is number => v !== null));
  return { wallMs: of((s) => s.wallMs), cpuMs: of((s) => s.cpuMs), peakRssMb: of((s) => s.peakRssMb), problem: rounds.find((s) => s.problem !== null)?.problem ?? null };
}

// `bytes` of numbered text lines, by the throughput bench's generator.
function writeText(file: string, bytes: number): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    const r = spawnSync(process.execPath, [agent('text-flood.js'), String(bytes)], { stdio: ['ignore', fd, 'pipe'], timeout: 60_000 });
    if (r.status !== 0) throw new Error(`text-flood.js exited ${String(r.status ?? r.signal)}`);
  } finally {
    closeSync(fd);
  }
}

async function floodCodex(ctx: BenchContext, dir: string, text: string, jobs: number): Promise<Side> {
  const manifestJobs: Record<string, BenchJob> = {};
  for (let i = 0; i < jobs; i++) manifestJobs[`f${String(i).padStart(3, '0')}`] = { agent: 'command', command: ['/bin/cat', text] };
  const manifest = await writeManifest(dir, `floods-${jobs}.yaml`, { concurrency: jobs, jobs: manifestJobs });
  const outDir = await ctx.scratch.dir(`fixed-costs-floods-${jobs}`);
  try {
    const end = await startCodexRun(manifest, outDir, { deadlineMs: 300_000 }).done;
    const runDir = await findRunDir(outDir);
    let problem: string | null = null;
    if (end.exitCode !== 0 || runDir === null) problem = `codex-run ${jobs} floods ${describeEnd(end)}`;
    else {
      const failed = unsuccessful(await readReportJobs(runDir));
      if (failed.length > 0) problem = `codex-run ${jobs} floods: ${failed.slice(0, 3).join('; ')}`;
    }
    return { wallMs: end.wallMs, cpuMs: end.cpuMs, peakRssMb: end.peakRssKb === null ? null : end.peakRssKb / 1024, problem };
  } finally {
    await ctx.scratch.remove(outDir);
  }
}

async function floodRaw(ctx: BenchContext, text: string, jobs: number): Promise<Side> {
  const logDir = await ctx.scratch.dir(`fixed-costs-raw-${jobs}`);
  try {
    const end = await MeasuredProcess.run([process.execPath, agent('raw-pty-loop.js'), logDir, String(jobs), '/bin/cat', text], { deadlineMs: 300_000 });
    const problem = end.exitCode === 0 ? null : `raw node-pty loop ${describeEnd(end)}`;
    return { wallMs: end.wallMs, cpuMs: end.cpuMs, peakRssMb: end.peakRssKb === null ? null : end.peakRssKb / 1024, problem };
  } finally {
    await ctx.scratch.remove(logDir);
  }
}

async function floodScript(ctx: BenchContext, text: string, jobs: number): Promise<Side> {
  const logDir = await ctx.scratch.dir(`fixed-costs-script-${jobs}`);
  try {
    const started = performance.now();
    const ends = await Promise.all(
      Array.from({ length: jobs }, (_, i) => MeasuredProcess.run(scriptArgv(['/bin/cat', text], path.join(logDir, `${i}.out`)), { deadlineMs: 300_000, captureOutput: false })),
    );
    const wallMs = performance.now() - started;
    const bad = ends.find((e) => e.exitCode !== 0);
    const sum = (xs: Array<number | null>): number | null => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0));
    const rss = sum(ends.map((e) => e.peakRssKb));
    return { wallMs, cpuMs: sum(ends.map((e) => e.cpuMs)), peakRssMb: rss === null ? null : rss / 1024, problem: bad === undefined ? null : `script ${describeEnd(bad)}` };
  } finally {
    await ctx.scratch.remove(logDir);
  }
}

// Pids of our sleeps (by their unusual argument).
function sleepers(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      if (argv[1] === SLEEP_ARG && argv[0]?.endsWith('sleep') === true) pids.push(Number(name));
    } catch {
      // Gone or not ours.
    }
  }
  return pids;
}

async function stopMany(ctx: BenchContext, dir: string, jobs: number): Promise<{ ms: number | null; survivors: number | null; problem: string | null }> {
  const manifestJobs: Record<string, BenchJob> = {};
  for (let i = 0; i < jobs; i++) manifestJobs[`s${String(i).padStart(3, '0')}`] = { agent: 'command', command: ['/bin/sleep', SLEEP_ARG] };
  const manifest = await writeManifest(dir, `stop-${jobs}.yaml`, { concurrency: jobs, jobs: manifestJobs });
  const outDir = await ctx.scratch.dir(`fixed-costs-stop-${jobs}`);
  const runner = startCodexRun(manifest, outDir, { deadlineMs: 300_000, pollMs: null });
  try {
    await waitFor(`${jobs} sleeps to run`, () => sleepers().length >= jobs, 120_000);
    const started = performance.now();
    process.kill(runner.pid, 'SIGINT');
    const end = await runner.done;
    const ms = performance.now() - started;
    const left = sleepers();
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return { ms, survivors: left.length, problem: end.exitCode === 130 ? null : `stop: codex-run ${describeEnd(end)}, expected exit 130` };
  } finally {
    await ctx.scratch.remove(outDir);
  }
}
