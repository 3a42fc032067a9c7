/**
 * `npm run bench [-- --quick] [--only id,id] [--profile]`: runs the benchmarks, prints the
 * table, writes bench/results.json and docs/benchmarks.md. Exits 1 only when the harness
 * itself failed (a bench could not run); missed targets are figures, not failures.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Bench, BenchContext } from './context.js';
import { machineInfo } from './machine.js';
import { stopAllChildren } from './measured-process.js';
import { docsFile, resultsFile } from './paths.js';
import { keptNotesOf, renderConsole, renderMarkdown, type BenchRun } from './render.js';
import { BENCH_IDS, type BenchId, type BenchResult } from './result.js';
import { Scratch } from './scratch.js';
import { answerLatencyBench } from './suites/answer-latency.js';
import { exitIntegrityBench } from './suites/exit-integrity.js';
import { fixedCostsBench } from './suites/fixed-costs.js';
import { manyJobsBench } from './suites/many-jobs.js';
import { nativePumpBench } from './suites/native-pump.js';
import { memoryBoundBench } from './suites/memory-bound.js';
import { startupBench } from './suites/startup.js';
import { throughputBench } from './suites/throughput.js';

const BENCHES: Record<BenchId, Bench> = {
  throughput: throughputBench,
  'many-jobs': manyJobsBench,
  'answer-latency': answerLatencyBench,
  'memory-bound': memoryBoundBench,
  'exit-integrity': exitIntegrityBench,
  startup: startupBench,
  'fixed-costs': fixedCostsBench,
  'native-pump': nativePumpBench,
};

function parseOptions(): { quick: boolean; only: BenchId[]; profile: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean' },
    },
  });
  const only = (values.only ?? '').split(',').filter((s) => s !== '');
  for (const id of only) {
    if (!(BENCH_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown bench '${id}'; expected some of ${BENCH_IDS.join(', ')}`);
  }
  const quick = values.quick === true;
  return { quick, only: only as BenchId[], profile: values.profile ?? !quick };
}

async function runOne(bench: Bench, context: BenchContext): Promise<BenchResult> {
  const started = performance.now();
  const base = { id: bench.id, title: bench.title, method: bench.method, mode: context.quick ? ('quick' as const) : ('full' as const) };
  try {
    const output = await bench.run(context);
    return { ...base, status: 'ok', error: null, ...output, measuredAt: new Date().toISOString(), durationMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, status: 'error', error: message, figures: [], notes: [], details: {}, measuredAt: new Date().toISOString(), durationMs: performance.now() - started };
  }
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

// With --only, the other benches keep their last results (from a run of the same mode).
async function mergeWithPrevious(run: BenchRun): Promise<BenchRun> {
  const previousText = await readIfExists(resultsFile);
  if (previousText === null) return run;
  const previous = JSON.parse(previousText) as BenchRun;
  if (previous.mode !== run.mode) return run;
  const fresh = new Map(run.benches.map((b) => [b.id, b]));
  const old = new Map(previous.benches.map((b) => [b.id, b]));
  const benches = BENCH_IDS.flatMap((id) => fresh.get(id) ?? old.get(id) ?? []);
  return { ...run, benches };
}

async function main(): Promise<number> {
  const options = parseOptions();
  const scratch = Scratch.create();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, stopping the processes it started\n`);
    void stopAllChildren().finally(() => {
      scratch.dispose();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const context: BenchContext = {
    quick: options.quick,
    profileOnMiss: options.profile,
    scratch,
    progress: (message) => process.stderr.write(`bench: ${message}\n`),
  };
  const machine = machineInfo();
  const selected = BENCH_IDS.filter((id) => options.only.length === 0 || options.only.includes(id));
  const benches: BenchResult[] = [];
  try {
    for (const id of selected) {
      const bench = BENCHES[id];
      context.progress(`${id}: starting`);
      const result = await runOne(bench, context);
      context.progress(`${id}: ${result.status === 'ok' ? 'done' : `error: ${result.error}`} (${(result.durationMs / 1000).toFixed(1)} s)`);
      benches.push(result);
    }
  } finally {
    await stopAllChildren();
    scratch.dispose();
  }
  let run: BenchRun = { schema: 1, mode: options.quick ? 'quick' : 'full', machine, benches };
  process.stdout.write(`\n${renderConsole(run)}`);
  if (options.only.length > 0) run = await mergeWithPrevious(run);
  await writeFile(resultsFile, `${JSON.stringify(run, null, 2)}\n`);
  await mkdir(path.dirname(docsFile), { recursive: true });
  await writeFile(docsFile, renderMarkdown(run, keptNotesOf(await readIfExists(docsFile))));
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), resultsFile)} and ${path.relative(process.cwd(), docsFile)}\n`);
  return benches.some((b) => b.status === 'error') ? 1 : 0;
}

process.exitCode = await main();
