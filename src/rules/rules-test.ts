/**
 * `codex-run rules test`: supervision rules as a regression suite. For each screen file it
 * reports the classified state, the question and its options, and the answer rule a run
 * would act on with what it would type; with `<screen>.expect.yaml` files it checks them.
 *
 *   load manifest ──▶ pick job ──▶ collect screens ──▶ parse every expect file ──▶ evaluate each screen
 *        │               │               │                      │
 *        └───────────────┴───────────────┴──────────────────────┴──▶ a located error (exit 2)
 *
 * A `.log` from a run folder is evaluated on its final screen and, when its timing index is
 * beside it, also at every point where the output paused for {@link PAUSE_MS} or more.
 */
import { readFile, stat } from 'node:fs/promises';
import { loadManifest, type ManifestFailure } from '../manifest/load-manifest.js';
import type { Diagnostic } from '../manifest/model.js';
import { timingFileFor } from '../logs/timing-index.js';
import { ScreenModel } from '../session/screen.js';
import { err, ok, type Result } from '../util/result.js';
import { VirtualClock } from '../util/virtual-clock.js';
import { evaluateScreen, type ScreenEvaluation } from './evaluate-screen.js';
import { compareExpectation, parseExpectation, type Expectation, type Mismatch } from './expectation.js';
import { jobRules, type JobRules } from './job-rules.js';
import { playLog, readTiming, recordedSchedule } from './log-player.js';
import { collectScreens, readScreenFile, renderScreen, screenBytes, type ScreenFile } from './screen-file.js';
import { describeFsError } from '../logs/fs-error.js';

/** A pause in a log's output at least this long is a point worth evaluating. */
export const PAUSE_MS = 1000;
/** At most this many pause points per log (the last ones: they are nearest to the end). */
export const MAX_PAUSES = 50;

export interface RulesTestOptions {
  manifest: string;
  /** The job whose rules are tested; may be omitted when the manifest has one job. */
  job: string | null;
  /** Screen files or folders of them. */
  screens: readonly string[];
  env?: Record<string, string | undefined>;
  /** Where the `<screen>.expect.yaml` files are, when not beside the screens. */
  expectDir?: string | null;
}

/** The verdict on one screen (or one pause point of a log). */
export interface ScreenResult {
  file: string;
  kind: ScreenFile['kind'];
  /** null for the screen (a log's final screen); for a pause of a log, ms after its first output. */
  pauseAtMs: number | null;
  evaluation: ScreenEvaluation;
  /** The last non-blank lines of the screen. */
  tail: string[];
  /** Set when an expect file applies: its path and what differs (empty: all as expected). */
  expect: { file: string; mismatches: Mismatch[] } | null;
}

export type RulesTestOutcome =
  | { kind: 'invalid-manifest'; failure: ManifestFailure }
  | { kind: 'usage-error'; message: string }
  | { kind: 'invalid-expect'; diagnostics: Diagnostic[]; sources: Map<string, string> }
  | { kind: 'tested'; manifest: string; rules: JobRules; results: ScreenResult[] };

/** Runs the rules test; never throws for bad input. */
export async function runRulesTest(options: RulesTestOptions): Promise<RulesTestOutcome> {
  const loaded = await loadManifest(options.manifest, { env: lenientEnv(options.env ?? process.env) });
  if (!loaded.ok) return { kind: 'invalid-manifest', failure: loaded.error };
  const manifest = loaded.value;
  const names = manifest.jobs.map((j) => j.name);
  let job = manifest.jobs[0];
  if (options.job !== null) {
    job = manifest.jobs.find((j) => j.name === options.job);
    if (job === undefined) return { kind: 'usage-error', message: `no job ${JSON.stringify(options.job)} in ${manifest.file}: expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}` };
  } else if (manifest.jobs.length !== 1) {
    return { kind: 'usage-error', message: `${manifest.file} has ${manifest.jobs.length} jobs (${names.join(', ')}): choose one with --job` };
  }
  if (job === undefined) return { kind: 'usage-error', message: `${manifest.file} has no jobs` };
  if (options.screens.length === 0) return { kind: 'usage-error', message: 'expected at least one screen file (.txt, .ansi or .log) or folder' };
  if (options.expectDir != null && !(await isDirectory(options.expectDir))) return { kind: 'usage-error', message: `--expect ${options.expectDir}: not a folder` };
  const screens = await collectScreens(options.screens, options.expectDir ?? null);
  if (!screens.ok) return { kind: 'usage-error', message: screens.error };

  const expectations = await readExpectations(screens.value);
  if (!expectations.ok) return { kind: 'invalid-expect', ...expectations.error };

  const rules = jobRules(job);
  const results: ScreenResult[] = [];
  for (const screen of screens.value) {
    const evaluated = await evaluateFile(screen, rules);
    if (!evaluated.ok) return { kind: 'usage-error', message: evaluated.error };
    const expected = expectations.value.get(screen.file);
    for (const r of evaluated.value) {
      // An expectation is about the screen as a whole: a log's final screen, not its pauses.
      if (expected !== undefined && r.pauseAtMs === null) r.expect = { file: screen.expectFile!, mismatches: compareExpectation(expected, r.evaluation) };
      results.push(r);
    }
  }
  return { kind: 'tested', manifest: manifest.file, rules, results };
}

/**
 * Nothing runs here, so a variable the manifest needs but the shell lacks (a token) reads as
 * empty instead of failing the load: rules do not depend on it.
 */
export function lenientEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return new Proxy(env, { get: (target, key) => (typeof key === 'string' ? (target[key] ?? '') : undefined) });
}

/** True when every expectation was met. */
export function allMet(results: readonly ScreenResult[]): boolean {
  return results.every((r) => r.expect === null || r.expect.mismatches.length === 0);
}

async function readExpectations(screens: readonly ScreenFile[]): Promise<Result<Map<string, Expectation>, { diagnostics: Diagnostic[]; sources: Map<string, string> }>> {
  const out = new Map<string, Expectation>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const screen of screens) {
    if (screen.expectFile === null) continue;
    let text: string;
    try {
      text = await readFile(screen.expectFile, 'utf8');
    } catch (e: unknown) {
      const location = { file: screen.expectFile, line: 1, col: 1, endLine: 1, endCol: 1 };
      diagnostics.push({ severity: 'error', message: `cannot read the expect file: ${describeFsError(e)}`, location });
      continue;
    }
    sources.set(screen.expectFile, text);
    const parsed = parseExpectation(screen.expectFile, text);
    if (parsed.ok) out.set(screen.file, parsed.value);
    else diagnostics.push(...parsed.error);
  }
  return diagnostics.length > 0 ? err({ diagnostics, sources }) : ok(out);
}

// The final screen of a file, and for a timed log its pause points before that.
async function evaluateFile(screen: ScreenFile, rules: JobRules): Promise<Result<ScreenResult[], string>> {
  const data = await readScreenFile(screen.file);
  if (!data.ok) return data;
  const bytes = screenBytes(screen.kind, data.value);
  const result = (evaluation: ScreenEvaluation, tail: string[], pauseAtMs: number | null): ScreenResult => ({ file: screen.file, kind: screen.kind, pauseAtMs, evaluation, tail, expect: null });
  const out: ScreenResult[] = [];
  if (screen.kind === 'log') {
    const timing = await readTiming(timingFileFor(screen.file));
    if (!timing.ok) return timing;
    if (timing.value !== null) {
      const schedule = recordedSchedule(bytes.length, timing.value);
      const clock = new VirtualClock(timing.value.start);
      const model = new ScreenModel({ cols: rules.cols, rows: rules.rows, clock, highWaterMark: Number.MAX_SAFE_INTEGER });
      try {
        await playLog(bytes, schedule, model, clock, (i) => {
          const next = schedule.chunks[i + 1];
          if (next === undefined || next.at - schedule.chunks[i]!.at < PAUSE_MS) return;
          const snap = model.snapshot();
          out.push(result(evaluateScreen(snap, rules), tailOf(snap.lines), schedule.chunks[i]!.at - timing.value!.start));
        });
      } finally {
        model.dispose();
      }
      out.splice(0, Math.max(0, out.length - MAX_PAUSES));
    }
  }
  // A dump is a picture of a whole screen: one taller than the job's terminal (captured
  // elsewhere) is shown whole rather than with its top scrolled away.
  const rows = screen.kind === 'log' ? rules.rows : Math.max(rules.rows, dumpRows(bytes));
  const rendered = await renderScreen(bytes, { cols: rules.cols, rows });
  try {
    out.push(result(evaluateScreen(rendered.snap, rules), tailOf(rendered.snap.lines), null));
  } finally {
    rendered.dispose();
  }
  return ok(out);
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

function dumpRows(bytes: Buffer): number {
  let rows = 1;
  for (const b of bytes) if (b === 0x0a) rows++;
  return rows;
}

function tailOf(lines: readonly string[]): string[] {
  return lines.filter((l) => l.trim() !== '').slice(-6).map((l) => (l.length > 160 ? `${l.slice(0, 159)}…` : l));
}
