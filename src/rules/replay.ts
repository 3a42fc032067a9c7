/**
 * `codex-run replay <run folder> <job>`: feeds a past job's byte-exact log through a fresh
 * supervisor at the recorded pace, on a virtual clock, and lists every decision it makes
 * (answers, denials, pokes, blocked, stops) with the screen that caused it; then compares
 * them with the interventions the run recorded. So "why did it answer that?" can be asked the
 * next morning, and a changed rule can be tried on last night's output.
 *
 *   read report.json ──▶ load the manifest's job ──▶ schedule the log (timing index, or estimated)
 *        ──▶ play it: ScreenModel ──snapshots──▶ Supervisor ──decisions──▶ list ──▶ compare
 *
 * As in a run, a new supervisor (and screen) starts at each resume of the job, and while an
 * answer is still being typed a second one is dropped (only a denial interrupts it). Nothing
 * is typed anywhere: the log already holds what the agent did next.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadManifest, type ManifestFailure } from '../manifest/load-manifest.js';
import { describeFsError } from '../logs/fs-error.js';
import { timingFileFor } from '../logs/timing-index.js';
import type { Decision, Intervention } from '../session/policies/policy.js';
import { Supervisor } from '../session/policies/supervisor.js';
import { ScreenModel } from '../session/screen.js';
import { err, ok, type Result } from '../util/result.js';
import { VirtualClock } from '../util/virtual-clock.js';
import { jobRules, ruleLabel, type JobRules } from './job-rules.js';
import { estimatedSchedule, playLog, readTiming, recordedSchedule, type Schedule } from './log-player.js';
import { lenientEnv } from './rules-test.js';

/** A run's report is read only up to this size. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface ReplayOptions {
  runDir: string;
  job: string;
  /** Rules from this manifest instead of the one the run was started from. */
  manifest?: string | null;
  env?: Record<string, string | undefined>;
}

/** One decision of the replayed supervisor. */
export interface ReplayedDecision {
  at: number;
  type: 'send' | 'stop' | 'blocked';
  intervention: Intervention;
  /** `answers[0] "…"` or a built-in rule's name; null for decisions of no rule. */
  rule: string | null;
  /** stop: why, in words. */
  message: string | null;
  /** A send a run would have dropped: an answer was still being typed. */
  dropped: boolean;
}

/** An intervention as the run recorded it (report.json). */
export interface RecordedIntervention {
  at: number;
  kind: string;
  rule: { index: number; match: string } | null;
  sent: string | null;
}

/** How a replayed decision lines up with what the run recorded. */
export type Comparison =
  | { kind: 'same'; replayed: ReplayedDecision; recorded: RecordedIntervention }
  | { kind: 'only-replayed'; replayed: ReplayedDecision }
  | { kind: 'only-recorded'; recorded: RecordedIntervention };

export interface ReplayResult {
  runDir: string;
  job: string;
  manifest: string;
  /** Whether the manifest is the one the run recorded (false with --manifest). */
  sameManifest: boolean;
  rules: JobRules;
  logFile: string;
  logBytes: number;
  /** recorded: from `<job>.timing`; estimated: spread over the job's running time (older runs). */
  timing: { kind: 'recorded'; file: string; entries: number } | { kind: 'estimated'; from: number; to: number };
  /** Offsets are shown from here: the job's start. */
  base: number;
  decisions: ReplayedDecision[];
  comparison: Comparison[];
}

export type ReplayOutcome =
  | { kind: 'invalid-manifest'; failure: ManifestFailure }
  | { kind: 'usage-error'; message: string }
  | { kind: 'replayed'; result: ReplayResult };

interface ReportJob {
  name: string;
  logFile: string;
  startedAt: number | null;
  finishedAt: number | null;
  interventions: RecordedIntervention[];
}

/** Replays one job of a run folder; never throws for bad input. */
export async function replayJob(options: ReplayOptions): Promise<ReplayOutcome> {
  const report = await readReport(options.runDir);
  if (!report.ok) return { kind: 'usage-error', message: report.error };
  const job = report.value.jobs.find((j) => j.name === options.job);
  if (job === undefined) {
    return { kind: 'usage-error', message: `no job ${JSON.stringify(options.job)} in ${options.runDir}: expected one of ${report.value.jobs.map((j) => JSON.stringify(j.name)).join(', ')}` };
  }
  const manifestFile = options.manifest ?? report.value.manifest;
  if (manifestFile === null) return { kind: 'usage-error', message: `${options.runDir}/report.json names no manifest: give one with --manifest` };
  const loaded = await loadManifest(manifestFile, { env: lenientEnv(options.env ?? process.env) });
  if (!loaded.ok) return { kind: 'invalid-manifest', failure: loaded.error };
  const spec = loaded.value.jobs.find((j) => j.name === options.job);
  if (spec === undefined) return { kind: 'usage-error', message: `${loaded.value.file} has no job ${JSON.stringify(options.job)} any more: give the manifest with its rules with --manifest` };
  const rules = jobRules(spec);

  const logFile = path.join(options.runDir, job.logFile);
  let data: Buffer;
  try {
    data = await readFile(logFile);
  } catch (e: unknown) {
    return { kind: 'usage-error', message: `cannot read ${logFile}: ${describeFsError(e)}` };
  }
  const timingFile = path.join(options.runDir, timingFileFor(job.logFile));
  const timing = await readTiming(timingFile);
  if (!timing.ok) return { kind: 'usage-error', message: timing.error };
  let schedule: Schedule;
  let shownTiming: ReplayResult['timing'];
  if (timing.value !== null) {
    schedule = recordedSchedule(data.length, timing.value);
    shownTiming = { kind: 'recorded', file: timingFile, entries: timing.value.entries.length };
  } else {
    const from = job.startedAt ?? job.finishedAt ?? 0;
    const to = Math.max(from, job.finishedAt ?? from);
    schedule = estimatedSchedule(data, from, to);
    shownTiming = { kind: 'estimated', from, to };
  }
  const base = job.startedAt ?? schedule.chunks[0]?.at ?? 0;
  const decisions = await play(data, schedule, rules, {
    start: Math.min(base, schedule.chunks[0]?.at ?? base),
    end: job.finishedAt,
    resumes: job.interventions.filter((i) => i.kind === 'resume').map((i) => i.at),
  });
  const recorded = job.interventions.filter((i) => i.kind !== 'resume');
  return {
    kind: 'replayed',
    result: {
      runDir: options.runDir,
      job: options.job,
      manifest: loaded.value.file,
      sameManifest: options.manifest == null,
      rules,
      logFile,
      logBytes: data.length,
      timing: shownTiming,
      base,
      decisions,
      comparison: compare(decisions.filter((d) => !d.dropped), recorded),
    },
  };
}

// Plays the log through a supervisor per attempt and collects its decisions.
async function play(data: Buffer, schedule: Schedule, rules: JobRules, o: { start: number; end: number | null; resumes: number[] }): Promise<ReplayedDecision[]> {
  const clock = new VirtualClock(o.start);
  const decisions: ReplayedDecision[] = [];
  let busyUntil = Number.NEGATIVE_INFINITY;
  const onDecision = (d: Decision): void => {
    if (d.type !== 'send' && d.type !== 'stop' && d.type !== 'blocked') return;
    const at = clock.now();
    let dropped = false;
    if (d.type === 'send') {
      dropped = at < busyUntil && d.intervention.kind !== 'deny';
      if (!dropped) busyUntil = at + d.steps.reduce((sum, s) => sum + s.delayMs, 0);
    }
    decisions.push({
      at,
      type: d.type,
      intervention: d.intervention,
      rule: d.intervention.rule === null ? null : ruleLabel(rules, d.intervention.rule),
      message: d.type === 'stop' ? d.message : null,
      dropped,
    });
  };
  const attempt = (): { model: ScreenModel; supervisor: Supervisor; detach: () => void } => {
    const model = new ScreenModel({ cols: rules.cols, rows: rules.rows, clock, historyLines: Supervisor.historyLinesFor(rules.spec), highWaterMark: Number.MAX_SAFE_INTEGER });
    const supervisor = new Supervisor({ spec: rules.spec, clock, decline: rules.decline, timing: rules.timing, onDecision });
    return { model, supervisor, detach: supervisor.attach(model) };
  };
  let current = attempt();
  const resumes = [...o.resumes].sort((a, b) => a - b);
  const end = (): void => {
    current.detach();
    current.supervisor.dispose();
    current.model.dispose();
  };
  try {
    // Chunk by chunk, so a resume can start the next attempt's supervisor at its recorded time.
    for (const chunk of schedule.chunks) {
      while (resumes.length > 0 && resumes[0]! <= chunk.at) {
        clock.advanceTo(resumes.shift()!);
        end();
        current = attempt();
      }
      clock.advanceTo(chunk.at);
      current.supervisor.observeOutput(chunk.end - chunk.start);
      await playLog(data, { chunks: [chunk], timed: schedule.timed }, current.model, clock);
    }
    // The job went on until it finished: timers (blocked, idle) fire as they did in the run.
    const last = schedule.chunks[schedule.chunks.length - 1]?.at ?? o.start;
    clock.advanceTo(Math.max(last, o.end ?? last) + 1);
  } finally {
    end();
  }
  return decisions;
}

const keyOf = (kind: string, rule: { index: number; match: string } | null, sent: string | null): string => JSON.stringify([kind, rule?.index ?? null, rule?.match ?? null, sent]);

/**
 * Lines the replayed decisions up with the recorded interventions, in order: each replayed
 * one takes the first not yet taken recorded one with the same kind, rule (position and
 * pattern) and typed text.
 */
export function compare(replayed: readonly ReplayedDecision[], recorded: readonly RecordedIntervention[]): Comparison[] {
  const out: Comparison[] = [];
  const taken = new Set<number>();
  let from = 0;
  for (const r of replayed) {
    const key = keyOf(r.intervention.kind, r.intervention.rule, r.intervention.sent);
    let found = -1;
    for (let i = from; i < recorded.length; i++) {
      const rec = recorded[i]!;
      if (!taken.has(i) && keyOf(rec.kind, rec.rule, rec.sent) === key) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      out.push({ kind: 'only-replayed', replayed: r });
      continue;
    }
    // Recorded ones skipped over did not happen in the replay.
    for (let i = from; i < found; i++) {
      if (taken.has(i)) continue;
      out.push({ kind: 'only-recorded', recorded: recorded[i]! });
      taken.add(i);
    }
    taken.add(found);
    from = found + 1;
    out.push({ kind: 'same', replayed: r, recorded: recorded[found]! });
  }
  for (let i = from; i < recorded.length; i++) if (!taken.has(i)) out.push({ kind: 'only-recorded', recorded: recorded[i]! });
  return out;
}

// The parts of report.json replay needs, checked as it reads them.
async function readReport(runDir: string): Promise<Result<{ manifest: string | null; jobs: ReportJob[] }, string>> {
  const file = path.join(runDir, 'report.json');
  let raw: unknown;
  try {
    const text = await readFile(file, 'utf8');
    if (text.length > MAX_REPORT_BYTES) return err(`${file}: larger than ${MAX_REPORT_BYTES} bytes`);
    raw = JSON.parse(text);
  } catch (e: unknown) {
    if (e instanceof SyntaxError) return err(`${file}: not valid JSON (${e.message})`);
    return err(`cannot read ${file}: ${describeFsError(e)} (is ${runDir} a run folder?)`);
  }
  if (!isRecord(raw) || !Array.isArray(raw['jobs'])) return err(`${file}: expected a codex-run report with "jobs"`);
  const jobs: ReportJob[] = [];
  for (const j of raw['jobs'] as unknown[]) {
    if (!isRecord(j) || typeof j['name'] !== 'string' || typeof j['logFile'] !== 'string') continue;
    if (path.basename(j['logFile']) !== j['logFile']) return err(`${file}: job ${JSON.stringify(j['name'])} names a log outside the run folder`);
    const interventions = Array.isArray(j['interventions']) ? (j['interventions'] as unknown[]).filter(isRecord).map(toRecorded) : [];
    jobs.push({ name: j['name'], logFile: j['logFile'], startedAt: time(j['startedAt']), finishedAt: time(j['finishedAt']), interventions });
  }
  return ok({ manifest: typeof raw['manifest'] === 'string' ? raw['manifest'] : null, jobs });
}

function toRecorded(i: Record<string, unknown>): RecordedIntervention {
  const rule = isRecord(i['rule']) && typeof i['rule']['index'] === 'number' ? { index: i['rule']['index'], match: String(i['rule']['match'] ?? '') } : null;
  return { at: time(i['at']) ?? 0, kind: String(i['kind']), rule, sent: typeof i['sent'] === 'string' ? i['sent'] : null };
}

function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
