/**
 * Bench 3, answer latency: how long after a y/n prompt appears does codex-run's answer rule
 * type the answer, while 20 sibling jobs keep the runner busy? Against a minimal node-pty
 * loop that answers as soon as it sees the prompt.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_ENV, startCodexRun } from '../codex-run-cli.js';
import type { Bench, BenchContext } from '../context.js';
import { writeManifest, type BenchJob } from '../manifest-file.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { agent, cliEntry } from '../paths.js';
import { value, judged, type Figure } from '../result.js';
import { percentile } from '../stats.js';

const NOISY = 20;
const WARMUPS = 5;
const TARGET_P99_DELTA_MS = 3;
/** Pause between an answer and the next question. */
const GAP_MS = 15;
/** The diagnostic run after a miss: questions further apart than any snapshot throttle. */
const SLOW_GAP_MS = 250;
const SLOW_TRIALS = 40;
/**
 * Full mode runs the sides in turn this many times and pools their trials: one round's p99 is
 * its second-slowest answer, and a shared machine's load drifts between two sides run once each.
 */
const FULL_ROUNDS = 3;

/** What the prompt agent wrote to latency.json. */
interface LatencyFile {
  latenciesUs: number[];
  warmups: number;
  firstAnswer: string | null;
  error: string | null;
}

/** One side's latencies in ms, or why there are none. */
type Side = { ok: true; latenciesMs: number[]; firstAnswer: string | null } | { ok: false; reason: string };

/**
 * The answer rule, in manifest syntax: a single key has no configured delay (text answers
 * get an Enter after `enterDelayMs`, which is not what this bench measures).
 */
const ANSWER_RULE = { match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } };

export const answerLatencyBench: Bench = {
  id: 'answer-latency',
  title: 'Answer latency (y/n prompt, 20 noisy siblings)',
  method:
    '`bench/agents/prompt-agent.js` puts its stdin in raw mode and asks `[trial N/M] Continue? [y/n] ` 200 times (quick: 100), ' +
    'after 5 untimed warm-up questions and 15 ms after each answer; it takes `process.hrtime` just before writing each prompt ' +
    'and when the `y` arrives, so both sides are timed by the same clock in the same process. Twenty `noisy.js` siblings each ' +
    'write four ~90-byte lines every 10 ms meanwhile, and the first question waits until all of them run. codex-run answers ' +
    `through an answer rule (\`answers: [{ match: "Continue\\\\? \\\\[y/n\\\\]", send: { keys: [y] } }]\`: one key, so no configured ` +
    'send delay); the baseline, `bench/agents/raw-echo-host.js`, spawns the same 21 agents with node-pty, discards the ' +
    "siblings' output and writes `y` as soon as the prompt's text is in the agent's output. Reported: p50/p90/p99 of both. " +
    'After a miss (full mode or `--profile`) codex-run is measured once more with 250 ms between questions, to show whether ' +
    'the delay depends on how soon a prompt follows earlier output. In full mode, codex-run is also measured supervising the ' +
    'prompt agent alone while `bench/agents/noisy-host.js` runs the 20 siblings outside it (node-pty, output discarded): ' +
    "the floor of codex-run's own path under the same contention, without the siblings' supervision (info rows). " +
    `In full mode the sides run in turn ${FULL_ROUNDS} times (raw loop, codex-run, codex-run alone; then again) and the ` +
    "percentiles are of each side's pooled trials; the p99 of each round is in the notes.",
  async run(ctx) {
    const trials = ctx.quick ? 100 : 200;
    const rounds = ctx.quick ? 1 : FULL_ROUNDS;
    const deadlineMs = 120_000 + trials * 100;
    const runs: { raw: Side[]; codex: Side[]; alone: Side[] } = { raw: [], codex: [], alone: [] };
    for (let round = 1; round <= rounds; round++) {
      const of = rounds > 1 ? `, round ${round} of ${rounds}` : '';
      ctx.progress(`answer-latency: raw node-pty loop, ${trials} trials${of}`);
      runs.raw.push(await rawSide(ctx, trials, deadlineMs));
      ctx.progress(`answer-latency: codex-run, ${trials} trials${of}`);
      runs.codex.push(await codexSide(ctx, trials, deadlineMs, GAP_MS));
      if (ctx.quick) continue;
      ctx.progress(`answer-latency: codex-run alone, the ${NOISY} siblings outside it, ${trials} trials${of}`);
      runs.alone.push(await floorSide(ctx, trials, deadlineMs));
    }
    const raw = pooled(runs.raw);
    const codex = pooled(runs.codex);
    const floor = ctx.quick ? null : pooled(runs.alone);
    const sampled = `${rounds > 1 ? `${rounds} x ` : ''}${trials} trials`;

    const stat = (side: Side, p: number): number | null => (side.ok ? percentile(side.latenciesMs, p) : null);
    const notes: string[] = [];
    if (!raw.ok) notes.push(`raw node-pty baseline failed: ${raw.reason}`);
    if (!codex.ok) notes.push(`codex-run side not available: ${codex.reason}`);
    if (codex.ok && codex.firstAnswer !== '"y"') notes.push(`codex-run typed ${codex.firstAnswer ?? 'nothing'} for the first answer, expected "y"`);
    const figures: Figure[] = [50, 90, 99].map((p): Figure => {
      const base = stat(raw, p);
      const mine = stat(codex, p);
      const delta = base === null || mine === null ? null : mine - base;
      const judgedRow = p === 99;
      return {
        metric: `answer latency p${p} (${sampled})`,
        baseline: { label: 'raw node-pty loop', ...value(base, 'ms', 2) },
        codexRun: codex.ok ? value(mine, 'ms', 2) : { value: null, unit: 'ms', text: 'not available' },
        comparison: delta === null ? 'n/a' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} ms`,
        target: judgedRow ? `<= baseline + ${TARGET_P99_DELTA_MS} ms` : '',
        verdict: judgedRow ? judged(delta === null ? null : delta <= TARGET_P99_DELTA_MS) : 'info',
      };
    });
    if (floor !== null) {
      if (!floor.ok) notes.push(`codex-run alone (siblings outside it) not available: ${floor.reason}`);
      for (const p of [50, 99]) {
        const base = stat(raw, p);
        const mine = floor.ok ? percentile(floor.latenciesMs, p) : null;
        figures.push({
          metric: `answer latency p${p}, siblings outside codex-run (its own path's floor)`,
          baseline: { label: 'raw node-pty loop', ...value(base, 'ms', 2) },
          codexRun: floor.ok ? value(mine, 'ms', 2) : { value: null, unit: 'ms', text: 'not available' },
          comparison: base === null || mine === null ? 'n/a' : `${mine - base >= 0 ? '+' : ''}${(mine - base).toFixed(2)} ms`,
          target: '',
          verdict: 'info',
        });
      }
    }
    if (rounds > 1) {
      const p99s = (sides: Side[]): string => sides.map((side) => (side.ok ? percentile(side.latenciesMs, 99)!.toFixed(2) : 'n/a')).join(' / ');
      notes.push(`p99 of each round (ms): raw loop ${p99s(runs.raw)}; codex-run ${p99s(runs.codex)}; codex-run alone ${p99s(runs.alone)}`);
    }
    const details: Record<string, unknown> = { trials, rounds, warmups: WARMUPS, noisy: NOISY, gapMs: GAP_MS, raw, codexRun: codex, codexRunAlone: floor };
    if (figures.find((f) => f.verdict !== 'info')?.verdict === 'miss' && ctx.profileOnMiss) {
      // Evidence: does the delay depend on how soon a prompt follows the previous output?
      ctx.progress(`answer-latency: target missed, measuring codex-run with ${SLOW_GAP_MS} ms between questions`);
      const slow = await codexSide(ctx, SLOW_TRIALS, deadlineMs, SLOW_GAP_MS);
      details['codexRunSlowGap'] = slow;
      notes.push(
        slow.ok
          ? `with ${SLOW_GAP_MS} ms (instead of ${GAP_MS} ms) between an answer and the next question, codex-run's p50 / p99 are ` +
              `${percentile(slow.latenciesMs, 50)!.toFixed(2)} / ${percentile(slow.latenciesMs, 99)!.toFixed(2)} ms (${SLOW_TRIALS} trials)`
          : `the ${SLOW_GAP_MS} ms-gap diagnostic failed: ${slow.reason}`,
      );
    }
    return { figures, notes, details };
  },
};

/** The trials of every round of one side together; the first failed round, if any. */
function pooled(sides: Side[]): Side {
  const failed = sides.find((side) => !side.ok);
  if (failed !== undefined) return failed;
  const ok = sides.filter((side): side is Extract<Side, { ok: true }> => side.ok);
  return { ok: true, latenciesMs: ok.flatMap((side) => side.latenciesMs), firstAnswer: ok[0]?.firstAnswer ?? null };
}

async function rawSide(ctx: BenchContext, trials: number, deadlineMs: number): Promise<Side> {
  const work = await ctx.scratch.dir('answer-latency-raw');
  try {
    const end = await MeasuredProcess.run(
      [process.execPath, agent('raw-echo-host.js'), String(trials), String(WARMUPS), work, String(NOISY), String(GAP_MS)],
      { deadlineMs, pollMs: null },
    );
    return await readSide(work, end.exitCode === 0 ? null : `raw-echo-host.js ${describeEnd(end)}`);
  } finally {
    await ctx.scratch.remove(work);
  }
}

/** The job of the prompt agent, answered by the rule; it waits for NOISY siblings in `work`. */
function promptJob(work: string, trials: number, gapMs: number): BenchJob {
  return {
    agent: 'command',
    command: [process.execPath, agent('prompt-agent.js'), String(trials), String(WARMUPS), work, String(NOISY), String(gapMs)],
    timeout: '5m',
    answers: [ANSWER_RULE],
  };
}

/**
 * codex-run supervising the prompt agent alone while the siblings run outside it: the latency of
 * its own path under the same contention. The siblings stop on the `done` file the prompt agent
 * writes (written here too, for a run that did not get that far).
 */
async function floorSide(ctx: BenchContext, trials: number, deadlineMs: number): Promise<Side> {
  const work = await ctx.scratch.dir('answer-latency-alone');
  const outDir = await ctx.scratch.dir('answer-latency-alone-run');
  const siblings = MeasuredProcess.start([process.execPath, agent('noisy-host.js'), work, String(NOISY)], { deadlineMs, pollMs: null });
  try {
    const manifest = await writeManifest(work, 'jobs.yaml', { concurrency: 1, jobs: { prompt: promptJob(work, trials, GAP_MS) } });
    const end = await startCodexRun(manifest, outDir, { deadlineMs, pollMs: null }).done;
    return await readSide(work, end.exitCode === 0 ? null : `codex-run ${describeEnd(end)}`);
  } finally {
    await writeFile(path.join(work, 'done'), '');
    const hostEnd = await siblings.done;
    if (hostEnd.exitCode !== 0 && !hostEnd.timedOut) ctx.progress(`answer-latency: noisy-host.js ${describeEnd(hostEnd)}`);
    await ctx.scratch.remove(outDir);
    await ctx.scratch.remove(work);
  }
}

async function codexSide(ctx: BenchContext, trials: number, deadlineMs: number, gapMs: number): Promise<Side> {
  const work = await ctx.scratch.dir('answer-latency-codex');
  const outDir = await ctx.scratch.dir('answer-latency-run');
  try {
    const jobs: Record<string, BenchJob> = { prompt: promptJob(work, trials, gapMs) };
    for (let i = 0; i < NOISY; i++) {
      jobs[`noisy-${String(i).padStart(2, '0')}`] = { agent: 'command', command: [process.execPath, agent('noisy.js'), work], timeout: '5m' };
    }
    const manifest = await writeManifest(work, 'jobs.yaml', { concurrency: NOISY + 1, jobs });
    // The answers field is being wired into the manifest right now: say so instead of failing the suite.
    const validated = await MeasuredProcess.run([process.execPath, cliEntry, 'validate', manifest], { deadlineMs: 30_000, pollMs: null, env: CLI_ENV });
    if (validated.exitCode !== 0) {
      const diagnostic = validated.stderr.split('\n').find((line) => line.includes('error:'))?.replace(/^.*?error: /, '');
      return { ok: false, reason: `codex-run validate does not accept the answer rule yet: ${diagnostic ?? describeEnd(validated)}` };
    }
    const end = await startCodexRun(manifest, outDir, { deadlineMs, pollMs: null }).done;
    const side = await readSide(work, end.exitCode === 0 ? null : `codex-run ${describeEnd(end)}`);
    if (side.ok) return side;
    return { ok: false, reason: `codex-run accepts the answer rule but did not answer: ${side.reason}` };
  } finally {
    await ctx.scratch.remove(outDir);
    await ctx.scratch.remove(work);
  }
}

// The agent's own account comes first: "no answer within 5 s" explains a failed run best.
async function readSide(work: string, processProblem: string | null): Promise<Side> {
  let file: LatencyFile;
  try {
    file = JSON.parse(await readFile(path.join(work, 'latency.json'), 'utf8')) as LatencyFile;
  } catch {
    return { ok: false, reason: processProblem ?? 'the prompt agent wrote no latency.json' };
  }
  if (file.error !== null) return { ok: false, reason: `the prompt agent reports: ${file.error}` };
  if (processProblem !== null) return { ok: false, reason: processProblem };
  return { ok: true, latenciesMs: file.latenciesUs.map((us) => us / 1000), firstAnswer: file.firstAnswer };
}
