/**
 * Bench 5, exit integrity: many jobs that write a burst of 4-64 KB and exit at once, the
 * pattern in which a PTY host loses the end of the output. Every log is compared in full.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findRunDir, readReportJobs, startCodexRun, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { compareBytes, scriptBody, type LogCheck } from '../file-check.js';
import { writeManifest, type BenchJob } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { judged, type Figure } from '../result.js';
import { unreachable } from '../../src/util/unreachable.js';
import { scriptArgv } from '../script-baseline.js';

const CONCURRENCY = 50;
/** Issue 16: fast-exit jobs per second at least this fraction of `script`'s. */
const TARGET_RATE_RATIO = 0.8;
const MIN_BYTES = 4 * 1024;
const MAX_BYTES = 64 * 1024;

/** How one side did over all jobs. */
interface Tally {
  wallMs: number;
  exact: number;
  short: number;
  different: number;
  bytesLost: number;
  /** The first few problems, for the notes. */
  problems: string[];
}

export const exitIntegrityBench: Bench = {
  id: 'exit-integrity',
  title: 'Exit integrity (1,000 jobs that write 4-64 KB and exit at once)',
  method:
    'The bench writes 1,000 payload files (quick: 100) of 4-64 KiB of printable lines from a seeded generator, the last line ' +
    'without a newline. Each job is `cat <payload>`: one write of the whole payload, then exit. codex-run runs them 50 at a ' +
    "time; the baseline runs `script` on the same commands, 50 at a time. Every log is compared in full with the payload after the PTY's " +
    '\\n -> \\r\\n. A log that is a prefix of it counts its missing tail as bytes lost; any other difference counts as corrupted, ' +
    'with everything from the first differing byte on counted as lost.',
  async run(ctx) {
    const count = ctx.quick ? 100 : 1000;
    const dir = await ctx.scratch.dir('exit-integrity');
    const payloadDir = await ctx.scratch.dir('exit-integrity-payloads');
    ctx.progress(`exit-integrity: writing ${count} payloads`);
    const payloads = await writePayloads(payloadDir, count);

    ctx.progress(`exit-integrity: codex-run, ${count} jobs`);
    const codex = await codexSide(ctx, dir, payloads);
    ctx.progress(`exit-integrity: script, ${count} jobs`);
    const script = await scriptSide(ctx, payloads);
    await ctx.scratch.remove(payloadDir);

    const figures: Figure[] = [
      {
        metric: `bytes lost over ${count} jobs`,
        baseline: { label: 'script', value: script.bytesLost, unit: 'bytes', text: String(script.bytesLost) },
        codexRun: { value: codex.bytesLost, unit: 'bytes', text: String(codex.bytesLost) },
        comparison: '',
        target: '0',
        verdict: judged(codex.bytesLost === 0),
      },
      {
        metric: 'logs not byte-exact (short / corrupted)',
        baseline: { label: 'script', value: script.short + script.different, unit: 'logs', text: `${script.short} / ${script.different}` },
        codexRun: { value: codex.short + codex.different, unit: 'logs', text: `${codex.short} / ${codex.different}` },
        comparison: '',
        target: '0 / 0',
        verdict: judged(codex.short + codex.different === 0),
      },
      {
        metric: 'jobs per second (whole batch)',
        baseline: { label: 'script', value: rate(count, script.wallMs), unit: 'jobs/s', text: `${rate(count, script.wallMs).toFixed(0)} jobs/s` },
        codexRun: { value: rate(count, codex.wallMs), unit: 'jobs/s', text: `${rate(count, codex.wallMs).toFixed(0)} jobs/s` },
        comparison: `${(rate(count, codex.wallMs) / rate(count, script.wallMs)).toFixed(2)}x`,
        target: `>= ${TARGET_RATE_RATIO}x`,
        verdict: judged(rate(count, codex.wallMs) >= TARGET_RATE_RATIO * rate(count, script.wallMs)),
      },
    ];
    const notes = [...codex.problems.map((p) => `codex-run: ${p}`), ...script.problems.map((p) => `script: ${p}`)];
    return { figures, notes, details: { jobs: count, concurrency: CONCURRENCY, codexRun: codex, script } };
  },
};

function rate(count: number, wallMs: number): number {
  return count / (wallMs / 1000);
}

/** A payload file and what its log must hold. */
interface Payload {
  name: string;
  file: string;
  expected: Buffer;
}

// mulberry32: a tiny seeded generator, so the payloads are the same on every run.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARSET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,:;-_=+/()[]{}<>#@!?';

async function writePayloads(dir: string, count: number): Promise<Payload[]> {
  const next = random(20260101);
  const payloads: Payload[] = [];
  for (let i = 0; i < count; i++) {
    const size = MIN_BYTES + Math.floor(next() * (MAX_BYTES - MIN_BYTES + 1));
    let text = '';
    while (text.length < size) {
      const length = 1 + Math.floor(next() * 120);
      let line = `${i}:`;
      while (line.length < length) line += CHARSET[Math.floor(next() * CHARSET.length)];
      text += `${line}\n`;
    }
    // Cut to the exact size: the last line usually has no newline, a harder end to deliver.
    const bytes = Buffer.from(text.slice(0, size), 'latin1');
    const name = `burst-${String(i).padStart(4, '0')}`;
    const file = path.join(dir, `${name}.txt`);
    await writeFile(file, bytes, { mode: 0o600 });
    payloads.push({ name, file, expected: Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1') });
  }
  return payloads;
}

function emptyTally(wallMs: number): Tally {
  return { wallMs, exact: 0, short: 0, different: 0, bytesLost: 0, problems: [] };
}

function count(tally: Tally, name: string, check: LogCheck, expected: Buffer): void {
  switch (check.kind) {
    case 'exact':
      tally.exact++;
      return;
    case 'short':
      tally.short++;
      tally.bytesLost += check.lost;
      if (tally.problems.length < 5) tally.problems.push(`${name}: lost the last ${check.lost} of ${expected.length} bytes`);
      return;
    case 'different':
      tally.different++;
      tally.bytesLost += expected.length - check.firstDifference;
      if (tally.problems.length < 5) tally.problems.push(`${name}: ${check.detail}`);
      return;
    default:
      unreachable(check);
  }
}

async function codexSide(ctx: BenchContext, dir: string, payloads: Payload[]): Promise<Tally> {
  const jobs: Record<string, BenchJob> = {};
  for (const p of payloads) jobs[p.name] = { agent: 'command', command: ['cat', p.file] };
  const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: CONCURRENCY, jobs });
  const outDir = await ctx.scratch.dir('exit-integrity-run');
  try {
    const started = performance.now();
    const end = await startCodexRun(manifest, outDir, { deadlineMs: 60_000 + payloads.length * 200, pollMs: null }).done;
    const tally = emptyTally(performance.now() - started);
    const runDir = await findRunDir(outDir);
    if (runDir === null) throw new Error(`codex-run ${describeEnd(end)}`);
    const reported = await readReportJobs(runDir);
    tally.problems.push(...unsuccessful(reported).slice(0, 5));
    const logs = new Map(reported.map((j) => [j.name, j.logFile]));
    for (const p of payloads) {
      const logFile = logs.get(p.name);
      const actual = logFile === undefined ? Buffer.alloc(0) : await readFile(path.join(runDir, logFile)).catch(() => Buffer.alloc(0));
      count(tally, p.name, compareBytes(actual, p.expected), p.expected);
    }
    return tally;
  } finally {
    await ctx.scratch.remove(outDir);
  }
}

async function scriptSide(ctx: BenchContext, payloads: Payload[]): Promise<Tally> {
  const outDir = await ctx.scratch.dir('exit-integrity-script');
  try {
    const started = performance.now();
    const checks: Array<{ payload: Payload; file: string; ok: boolean }> = [];
    let nextIndex = 0;
    // A pool of 50: each worker starts the next job when its current one ends.
    const worker = async (): Promise<void> => {
      for (;;) {
        const payload = payloads[nextIndex++];
        if (payload === undefined) return;
        const file = path.join(outDir, `${payload.name}.out`);
        const end = await MeasuredProcess.run(scriptArgv(['cat', payload.file], file), { deadlineMs: 30_000, pollMs: null, captureOutput: false });
        checks.push({ payload, file, ok: end.exitCode === 0 });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const tally = emptyTally(performance.now() - started);
    for (const { payload, file, ok } of checks) {
      if (!ok) tally.problems.push(`${payload.name}: script exited with an error`);
      const whole = await readFile(file);
      const body = await scriptBody(file);
      count(tally, payload.name, compareBytes(whole.subarray(body.start, body.end), payload.expected), payload.expected);
    }
    return tally;
  } finally {
    await ctx.scratch.remove(outDir);
  }
}
