/**
 * Bench native-pump: `cat` of a text file through one job's PTY on each PTY backend
 * (`CODEX_RUN_PTY=native`, the codex-run-pump helper; `CODEX_RUN_PTY=js`, node-pty in the
 * runner) against util-linux `script`, every log checked byte for byte.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { CLI_ENV, findRunDir, readReportJobs, runArgv, unsuccessful } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { digestFile, scriptBody, type Digest } from '../file-check.js';
import { writeManifest } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { judged, value, type Figure } from '../result.js';
import { scriptArgv } from '../script-baseline.js';
import { formatRatio, median, ratio } from '../stats.js';

const MIB = 1024 * 1024;
const TARGET_RATIO = 1.1;
type Side = 'script' | 'native' | 'js';

interface Sample {
  side: Side;
  completed: boolean;
  wallMs: number;
  /** CPU of the runner process itself (sampled; the pump's own CPU is not in it). */
  cpuMs: number | null;
  exact: boolean;
  problem: string | null;
}

export const nativePumpBench: Bench = {
  id: 'native-pump',
  title: 'Native PTY pump (one job, `cat` of 100 MiB of text, per PTY backend)',
  method:
    'A file of 76-column lines is written once; each round runs `cat <file>` as an `agent: command` job with ' +
    '`CODEX_RUN_PTY=native` and with `CODEX_RUN_PTY=js` (`codex-run jobs.yaml --out DIR --quiet`, everything on: log, ' +
    'transcript, screen, events, report), and `script -q -e -c "cat <file>" <out>` as the baseline, in rotating order ' +
    '(3 rounds; quick: 1 round of 20 MiB). Medians of the wall times from spawn to exit are compared. Every log must ' +
    "equal the file with the terminal's \\n -> \\r\\n applied (size and SHA-256).",
  async run(ctx) {
    const bytes = ctx.quick ? 20 * MIB : 100 * MIB;
    const rounds = ctx.quick ? 1 : 3;
    const deadlineMs = 60_000 + (bytes / MIB) * 1000;
    const dir = await ctx.scratch.dir('native-pump');
    const file = path.join(dir, 'text.txt');
    const expected = await writeText(file, bytes);
    const manifest = await writeManifest(dir, 'jobs.yaml', { concurrency: 1, jobs: { flood: { agent: 'command', command: ['cat', file] } } });
    const samples: Sample[] = [];
    const order: Side[] = ['script', 'native', 'js'];
    for (let round = 0; round < rounds; round++) {
      const sides = [...order.slice(round % 3), ...order.slice(0, round % 3)];
      for (const side of sides) {
        ctx.progress(`native-pump: round ${round + 1}/${rounds}, ${side}`);
        samples.push(side === 'script' ? await runScript(ctx, dir, file, expected, deadlineMs, round) : await runCodex(ctx, side, manifest, expected, deadlineMs, round));
      }
    }
    const of = (side: Side): Sample[] => samples.filter((s) => s.side === side);
    const wall = (side: Side): number | null => median(of(side).filter((s) => s.completed).map((s) => s.wallMs));
    const cpu = (side: Side): number | null => median(of(side).flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs])));
    const exact = (side: Side): string => `${of(side).filter((s) => s.exact).length}/${of(side).length} exact`;
    const nativeRatio = ratio(wall('native'), wall('script'));
    const jsRatio = ratio(wall('js'), wall('script'));
    const figures: Figure[] = [
      {
        metric: `wall time, native pump, median of ${rounds} (${bytes / MIB} MiB)`,
        baseline: { label: 'script', ...value(wall('script'), 'ms', 0) },
        codexRun: value(wall('native'), 'ms', 0),
        comparison: formatRatio(nativeRatio),
        target: `<= ${TARGET_RATIO.toFixed(2)}x`,
        verdict: judged(nativeRatio === null ? null : nativeRatio <= TARGET_RATIO),
      },
      {
        metric: `wall time, node-pty (CODEX_RUN_PTY=js), median of ${rounds}`,
        baseline: { label: 'script', ...value(wall('script'), 'ms', 0) },
        codexRun: value(wall('js'), 'ms', 0),
        comparison: formatRatio(jsRatio),
        target: '',
        verdict: 'info',
      },
      {
        metric: 'runner CPU, native vs js (median, sampled; the pump process not included)',
        baseline: { label: 'js', ...value(cpu('js'), 'ms', 0) },
        codexRun: value(cpu('native'), 'ms', 0),
        comparison: formatRatio(ratio(cpu('native'), cpu('js'))),
        target: '',
        verdict: 'info',
      },
      {
        metric: 'log byte-exact (size + SHA-256), native / js',
        baseline: { label: 'js', value: of('js').filter((s) => s.exact).length, unit: 'runs', text: exact('js') },
        codexRun: { value: of('native').filter((s) => s.exact).length, unit: 'runs', text: exact('native') },
        comparison: '',
        target: 'every run',
        verdict: judged(of('native').every((s) => s.exact) && of('js').every((s) => s.exact)),
      },
    ];
    const notes = samples.flatMap((s) => (s.problem === null ? [] : [s.problem]));
    return { figures, notes, details: { bytes, rounds, samples } };
  },
};

// 76-column numbered lines up to `bytes`; returns the digest of what a PTY log must hold.
async function writeText(file: string, bytes: number): Promise<Digest> {
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash('sha256');
  let written = 0;
  let logged = 0;
  let n = 0;
  while (written < bytes) {
    let chunk = '';
    while (chunk.length < 65536) chunk += `${String(n++).padStart(9, '0')} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2).slice(0, 65)}\n`;
    const buffer = Buffer.from(chunk);
    written += buffer.length;
    const inLog = Buffer.from(chunk.replaceAll('\n', '\r\n'));
    hash.update(inLog);
    logged += inLog.length;
    if (!out.write(buffer)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return { bytes: logged, sha256: hash.digest('hex') };
}

async function runScript(ctx: BenchContext, dir: string, file: string, expected: Digest, deadlineMs: number, round: number): Promise<Sample> {
  const out = path.join(dir, `script-${round}.out`);
  try {
    const end = await MeasuredProcess.run(scriptArgv(['cat', file], out), { deadlineMs, captureOutput: false });
    if (end.exitCode !== 0) return failed('script', end.wallMs, `script round ${round + 1} ${describeEnd(end)}`);
    const body = await scriptBody(out);
    const got = await digestFile(out, body.start, body.end);
    return sample('script', end.wallMs, end.cpuMs, got, expected, round);
  } finally {
    await ctx.scratch.remove(out);
  }
}

async function runCodex(ctx: BenchContext, side: 'native' | 'js', manifest: string, expected: Digest, deadlineMs: number, round: number): Promise<Sample> {
  const outDir = await ctx.scratch.dir(`native-pump-${side}-${round}`);
  try {
    const end = await MeasuredProcess.run(runArgv(manifest, outDir), { deadlineMs, env: { ...CLI_ENV, CODEX_RUN_PTY: side } });
    const runDir = await findRunDir(outDir);
    if (end.exitCode !== 0 || runDir === null) return failed(side, end.wallMs, `${side} round ${round + 1} ${describeEnd(end)}`);
    const jobs = await readReportJobs(runDir);
    const log = jobs[0];
    if (log === undefined || unsuccessful(jobs).length > 0) return failed(side, end.wallMs, `${side} round ${round + 1}: ${unsuccessful(jobs).join('; ')}`);
    return sample(side, end.wallMs, end.cpuMs, await digestFile(path.join(runDir, log.logFile)), expected, round);
  } finally {
    await ctx.scratch.remove(outDir);
  }
}

function sample(side: Side, wallMs: number, cpuMs: number | null, got: Digest, expected: Digest, round: number): Sample {
  const exact = got.bytes === expected.bytes && got.sha256 === expected.sha256;
  const problem = exact ? null : `${side} round ${round + 1}: log is ${got.bytes} bytes, expected ${expected.bytes} (sha256 ${got.sha256.slice(0, 12)} vs ${expected.sha256.slice(0, 12)})`;
  return { side, completed: true, wallMs, cpuMs, exact, problem };
}

function failed(side: Side, wallMs: number, problem: string): Sample {
  return { side, completed: false, wallMs, cpuMs: null, exact: false, problem };
}

