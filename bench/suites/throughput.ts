/**
 * Bench 1, throughput: one job floods 76-column text through its PTY; codex-run (logging on)
 * against util-linux `script` writing the same bytes to a file.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { findRunDir, readReportJobs, startCodexRun, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { digestFile, scriptBody, type Digest } from '../file-check.js';
import { writeManifest } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { agent } from '../paths.js';
import { profileEvidence } from '../profile-evidence.js';
import { judged, value, type Figure } from '../result.js';
import { scriptArgv } from '../script-baseline.js';
import { formatRatio, median, ratio } from '../stats.js';

const MIB = 1024 * 1024;
const TARGET_RATIO = 1.1;

/** One timed run of either side. */
interface Sample {
  /** The process exited 0 (and codex-run's job succeeded): only then does its time count. */
  completed: boolean;
  wallMs: number;
  /** CPU time of the runner (or script) process itself, sampled; null if it exited between polls. */
  cpuMs: number | null;
  peakRssKb: number | null;
  exact: boolean;
  problem: string | null;
}

export const throughputBench: Bench = {
  id: 'throughput',
  title: 'Throughput (one job, ~200 MB of 76-column text)',
  method:
    'A generator (`bench/agents/text-flood.js`) writes numbered 77-byte lines into a file once, before the runs; each run is ' +
    '`cat` of that file into the terminal (a generator in the loop hid part of the gap: its own CPU competes on 2 cores). ' +
    'codex-run runs it as an `agent: command` job (`codex-run jobs.yaml --out DIR --quiet`: raw log, transcript, events and report, ' +
    'whatever the runner does today); the baseline is `script -q -e -c <same command> <file>`. Runs alternate between the two ' +
    "(3 each; quick: 2 with 40 MB) and the medians of the wall times from spawn to exit are compared; codex-run's own " +
    'start-up (bench 6) is part of its time. Each log is checked ' +
    "byte for byte: its size and SHA-256 must equal the generator's own account of its output with the PTY's \\n -> \\r\\n " +
    "applied (`text-flood.js <bytes> --expect`); for `script` the same check runs on the file between its header and footer lines.",
  async run(ctx) {
    const bytes = ctx.quick ? 40 * MIB : 200 * MIB;
    const rounds = ctx.quick ? 2 : 3;
    const deadlineMs = 60_000 + bytes / (2 * MIB) * 1000;
    const dir = await ctx.scratch.dir('throughput');
    const generator = [process.execPath, agent('text-flood.js'), String(bytes)];
    const expectRun = await MeasuredProcess.run([...generator, '--expect'], { deadlineMs: 120_000 });
    if (expectRun.exitCode !== 0) throw new Error(`text-flood.js --expect ${describeEnd(expectRun)}`);
    const account = JSON.parse(expectRun.stdout) as { rawBytes: number; logBytes: number; sha256: string };
    const expected: Digest = { bytes: account.logBytes, sha256: account.sha256 };
    const text = path.join(dir, 'flood.txt');
    writeFlood(generator, text);
    const flood = ['/bin/cat', text];
    const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: 1, jobs: { flood: { agent: 'command', command: flood } } });

    const scriptSamples: Sample[] = [];
    const codexSamples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so drift in the machine's load hits both sides alike.
      const sides = round % 2 === 0 ? (['script', 'codex-run'] as const) : (['codex-run', 'script'] as const);
      for (const side of sides) {
        ctx.progress(`throughput: round ${round + 1}/${rounds}, ${side}`);
        if (side === 'script') scriptSamples.push(await runScript(ctx, dir, flood, expected, deadlineMs, round));
        else codexSamples.push(await runCodex(ctx, manifest, expected, deadlineMs, round));
      }
    }

    const wall = (samples: Sample[]): number | null => median(samples.filter((s) => s.completed).map((s) => s.wallMs));
    const scriptMs = wall(scriptSamples);
    const codexMs = wall(codexSamples);
    const wallRatio = ratio(codexMs, scriptMs);
    const mbPerS = (ms: number | null): number | null => (ms === null ? null : account.rawBytes / MIB / (ms / 1000));
    const exactCount = (samples: Sample[]): string => `${samples.filter((s) => s.exact).length}/${samples.length} exact`;
    const cpu = (samples: Sample[]): number | null => median(samples.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs])));
    const rss = (samples: Sample[]): number | null => median(samples.flatMap((s) => (s.peakRssKb === null ? [] : [s.peakRssKb / 1024])));
    const figures: Figure[] = [
      {
        metric: `wall time, median of ${rounds} (${(account.rawBytes / MIB).toFixed(0)} MiB)`,
        baseline: { label: 'script', ...value(scriptMs, 'ms', 0) },
        codexRun: value(codexMs, 'ms', 0),
        comparison: formatRatio(wallRatio),
        target: `<= ${TARGET_RATIO.toFixed(2)}x`,
        verdict: judged(wallRatio === null ? null : wallRatio <= TARGET_RATIO),
      },
      {
        metric: 'throughput (generator bytes / wall time)',
        baseline: { label: 'script', ...value(mbPerS(scriptMs), 'MiB/s', 0) },
        codexRun: value(mbPerS(codexMs), 'MiB/s', 0),
        comparison: '',
        target: '',
        verdict: 'info',
      },
      {
        metric: 'log byte-exact (size + SHA-256)',
        baseline: { label: 'script', value: scriptSamples.filter((s) => s.exact).length, unit: 'runs', text: exactCount(scriptSamples) },
        codexRun: { value: codexSamples.filter((s) => s.exact).length, unit: 'runs', text: exactCount(codexSamples) },
        comparison: '',
        target: 'every run',
        verdict: judged(codexSamples.every((s) => s.exact)),
      },
      {
        metric: 'CPU time of the logging process (median, sampled)',
        baseline: { label: 'script', ...value(cpu(scriptSamples), 'ms', 0) },
        codexRun: value(cpu(codexSamples), 'ms', 0),
        comparison: formatRatio(ratio(cpu(codexSamples), cpu(scriptSamples))),
        target: '',
        verdict: 'info',
      },
      {
        metric: 'peak RSS of the logging process (median)',
        baseline: { label: 'script', ...value(rss(scriptSamples), 'MiB', 1) },
        codexRun: value(rss(codexSamples), 'MiB', 1),
        comparison: '',
        target: '',
        verdict: 'info',
      },
    ];
    const notes = [...scriptSamples, ...codexSamples].flatMap((s) => (s.problem === null ? [] : [s.problem]));
    if (figures[0]!.verdict === 'miss' && ctx.profileOnMiss) {
      ctx.progress('throughput: target missed, profiling one more codex-run run');
      notes.push(...(await profileEvidence(ctx.scratch, 'throughput', manifest, deadlineMs)));
    }
    return { figures, notes, details: { bytes: account.rawBytes, logBytes: account.logBytes, rounds, script: scriptSamples, codexRun: codexSamples } };
  },
};

async function runScript(
  ctx: BenchContext,
  dir: string,
  flood: string[],
  expected: Digest,
  deadlineMs: number,
  round: number,
): Promise<Sample> {
  const file = path.join(dir, `script-${round}.out`);
  try {
    const end = await MeasuredProcess.run(scriptArgv(flood, file), { deadlineMs, captureOutput: false });
    if (end.exitCode !== 0) return failed(end.wallMs, `script round ${round + 1} ${describeEnd(end)}`);
    const body = await scriptBody(file);
    const got = await digestFile(file, body.start, body.end);
    const exact = sameDigest(got, expected);
    return { completed: true, wallMs: end.wallMs, cpuMs: end.cpuMs, peakRssKb: end.peakRssKb, exact, problem: exact ? null : mismatch('script', round, got, expected) };
  } finally {
    await ctx.scratch.remove(file);
  }
}

async function runCodex(ctx: BenchContext, manifest: string, expected: Digest, deadlineMs: number, round: number): Promise<Sample> {
  const outDir = await ctx.scratch.dir(`throughput-run-${round}`);
  try {
    const end = await startCodexRun(manifest, outDir, { deadlineMs }).done;
    const runDir = await findRunDir(outDir);
    if (end.exitCode !== 0 || runDir === null) return failed(end.wallMs, `codex-run round ${round + 1} ${describeEnd(end)}`);
    const jobs = await readReportJobs(runDir);
    const log = jobs[0];
    if (log === undefined || unsuccessful(jobs).length > 0) return failed(end.wallMs, `codex-run round ${round + 1}: ${unsuccessful(jobs).join('; ')}`);
    const got = await digestFile(path.join(runDir, log.logFile));
    const exact = sameDigest(got, expected);
    return { completed: true, wallMs: end.wallMs, cpuMs: end.cpuMs, peakRssKb: end.peakRssKb, exact, problem: exact ? null : mismatch('codex-run', round, got, expected) };
  } finally {
    await ctx.scratch.remove(outDir);
  }
}

function failed(wallMs: number, problem: string): Sample {
  return { completed: false, wallMs, cpuMs: null, peakRssKb: null, exact: false, problem };
}

function sameDigest(a: Digest, b: Digest): boolean {
  return a.bytes === b.bytes && a.sha256 === b.sha256;
}

function mismatch(side: string, round: number, got: Digest, expected: Digest): string {
  return `${side} round ${round + 1}: log is ${got.bytes} bytes (sha256 ${got.sha256.slice(0, 12)}), expected ${expected.bytes} bytes (sha256 ${expected.sha256.slice(0, 12)})`;
}

// The generator's output into a file (it writes to fd 1 with blocking writes).
function writeFlood(generator: string[], file: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    const r = spawnSync(generator[0]!, generator.slice(1), { stdio: ['ignore', fd, 'pipe'], timeout: 300_000 });
    if (r.status !== 0) throw new Error(`text-flood.js into ${file} exited ${String(r.status ?? r.signal)}: ${r.stderr?.toString() ?? ''}`);
  } finally {
    closeSync(fd);
  }
}
