/**
 * The merge of shard reports into one report that reads like a single run: every planned job
 * once (the newest attempt among the shards, an earlier merge and reruns), jobs nobody ran as
 * `lost`, the shards and reruns listed, files renamed to the merged run's names. Pure: the
 * copying is merge-run.ts's.
 *
 * Refused (an error value): shards of different plans, a rerun of another plan, reruns
 * without their plan's shards. Fewer shards than `--require-shards` is `shortfall` (and the run fails).
 */
import { isoTime } from '../logs/iso-time.js';
import { assignFileNames } from '../logs/safe-name.js';
import type { JsonReport, MergedRun } from '../report/json-report.js';
import { err, ok, type Result } from '../util/result.js';
import type { MergeSource, SourceReport } from './merge-sources.js';

type SourceJob = SourceReport['jobs'][number];

/** The files of one job to copy: those named `<fromBase>.*` in `sourceDir` become `<toBase>.*`. */
export interface JobCopy {
  job: string;
  sourceDir: string;
  fromBase: string;
  toBase: string;
  /** The file bases of every job in the source run, so `a.b.log` is never taken for job `a`'s. */
  sourceBases: string[];
}

export interface MergeOptions {
  /** Absolute path of the merged run folder. */
  outDir: string;
  runId: string;
  /** `--require-shards N`; null: any number. */
  requireShards: number | null;
  /** For the merge's own warnings. */
  now: number;
}

export interface Merged {
  report: JsonReport;
  copies: JobCopy[];
  /** Also in report.warnings; printed by the CLI. */
  warnings: string[];
  /** `--require-shards N` unmet: the message (the merged run is still written, and fails). */
  shortfall: string | null;
}

/** Why a merge did not happen: bad input (exit 2), or a refusal of what was found (exit 1). */
export type MergeFailure = { kind: 'usage'; message: string } | { kind: 'refused'; message: string };

const usage = (message: string): Result<never, MergeFailure> => err({ kind: 'usage', message });

/** The message of a lost job. */
export function lostMessage(shard: number, total: number, why: string): string {
  return `shard ${shard} of ${total} should have run it; its results are missing (${why})`;
}

function planHashOf(source: MergeSource): string | null {
  switch (source.kind) {
    case 'shard':
      return source.report.shard?.planHash ?? null;
    case 'merged':
      return source.report.plan?.hash ?? null;
    case 'rerun':
      return source.report.rerunOf?.planHash ?? null;
  }
}

function ms(iso: string | null | undefined): number {
  if (iso === null || iso === undefined) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

function baseOf(job: SourceJob): string {
  return job.logFile.endsWith('.log') ? job.logFile.slice(0, -'.log'.length) : job.logFile;
}

// A file name of the job under its new base (`a.verify-1.log` -> `b.verify-1.log`).
function rename(name: string, from: string, to: string): string {
  return name === from || name.startsWith(`${from}.`) ? `${to}${name.slice(from.length)}` : name;
}

function runEntry(source: MergeSource): MergedRun {
  const r = source.report;
  return {
    index: r.shard?.index ?? null,
    host: r.shard?.host ?? null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    codexVersion: r.shard?.codexVersion ?? null,
    runId: r.runId,
    source: source.given,
  };
}

/** Merges the sources; the report's jobs are in plan (manifest) order. */
export function mergeReports(sources: readonly MergeSource[], options: MergeOptions): Result<Merged, MergeFailure> {
  const warnings: string[] = [];
  const bases = sources.filter((s) => s.kind !== 'rerun');
  if (bases.length === 0) {
    return usage('nothing to merge a rerun into: give the shard folders (or the merged folder) of its plan together with the rerun folder');
  }
  // One plan: every shard and earlier merge has the same hash, and every rerun reran it.
  const first = bases[0]!;
  const hash = planHashOf(first);
  for (const source of sources) {
    const other = planHashOf(source);
    if (other === hash) continue;
    if (source.kind === 'rerun') {
      return usage(`${source.given} reran plan ${other ?? '(none: an unsharded run)'}, not the plan of ${first.given} (${hash}); merge a rerun with the shards it reran`);
    }
    return usage(`shards of different plans: ${first.given} has plan ${hash} and ${source.given} has plan ${other}; run every shard from the same manifest, --job filter, N and --timings`);
  }
  const planOf = first.kind === 'shard' ? first.report.shard! : { total: first.report.plan!.total, assignment: first.report.plan!.assignment };
  const total = planOf.total;
  const assignment = planOf.assignment as Record<string, number> | undefined;
  if (hash === null || !Number.isInteger(total) || typeof assignment !== 'object' || assignment === null) {
    return usage(`${first.given}: its report.json has no whole shard plan (planHash, total, assignment); was it written by an older codex-run?`);
  }

  // Shard folders by index: a shard that ran twice keeps the run that finished later.
  const byIndex = new Map<number, MergeSource>();
  for (const source of sources.filter((s) => s.kind === 'shard')) {
    const index = source.report.shard!.index;
    const earlier = byIndex.get(index);
    if (earlier === undefined) {
      byIndex.set(index, source);
      continue;
    }
    const [keep, drop] = ms(source.report.finishedAt) >= ms(earlier.report.finishedAt) ? [source, earlier] : [earlier, source];
    byIndex.set(index, keep);
    warnings.push(`shard ${index} of ${total} ran twice (${earlier.given} and ${source.given}); keeping ${keep.given}, which finished later, and leaving out ${drop.given}`);
  }
  const merges = sources.filter((s) => s.kind === 'merged');
  const reruns = sources.filter((s) => s.kind === 'rerun');
  for (const source of [...byIndex.values(), ...reruns]) {
    const status = source.report.status;
    if (status === 'running' || status === 'crashed') {
      warnings.push(`${source.given} (${source.kind === 'shard' ? `shard ${source.report.shard!.index}` : 'a rerun'}) did not finish (its report says ${status}); its jobs keep the statuses it recorded`);
    }
  }

  // The runs listed: shard entries by index (a later direct shard folder wins over an earlier merge's entry).
  const shardRuns = new Map<number, MergedRun>();
  for (const merge of merges) {
    for (const entry of merge.report.shards ?? []) {
      const index = entry.index ?? 0;
      const known = shardRuns.get(index);
      if (known === undefined || ms(entry.finishedAt) >= ms(known.finishedAt)) shardRuns.set(index, entry);
    }
  }
  for (const [index, source] of byIndex) {
    const known = shardRuns.get(index);
    if (known === undefined || ms(source.report.finishedAt) >= ms(known.finishedAt)) shardRuns.set(index, runEntry(source));
  }
  const rerunRuns = new Map<string, MergedRun>();
  for (const merge of merges) for (const entry of merge.report.reruns ?? []) rerunRuns.set(entry.runId, entry);
  for (const source of reruns) rerunRuns.set(source.report.runId, runEntry(source));

  if (options.requireShards !== null && options.requireShards > total) {
    return usage(`--require-shards ${options.requireShards}: the plan of these shards has only ${total} shard${total === 1 ? '' : 's'}`);
  }
  // Each planned job: the newest attempt among its shard, earlier merges and reruns.
  const names = Object.keys(assignment);
  const newBases = assignFileNames(names);
  const jobs: JsonReport['jobs'] = [];
  const copies: JobCopy[] = [];
  const used = new Set<MergeSource>();
  for (const name of names) {
    const shard = assignment[name]!;
    const candidates: Array<{ source: MergeSource; job: SourceJob }> = [];
    const own = byIndex.get(shard);
    const pick = (source: MergeSource | undefined): void => {
      const job = source?.report.jobs.find((j) => j.name === name);
      if (source !== undefined && job !== undefined && job.status !== 'lost') candidates.push({ source, job });
    };
    pick(own);
    for (const merge of merges) pick(merge);
    for (const rerun of reruns) pick(rerun);
    // Newest finish wins; on a tie the later source (reruns come last).
    let chosen: { source: MergeSource; job: SourceJob } | null = null;
    for (const c of candidates) if (chosen === null || ms(c.job.finishedAt) >= ms(chosen.job.finishedAt)) chosen = c;
    const toBase = newBases.get(name)!;
    if (chosen === null) {
      const why = own === undefined && !shardRuns.has(shard) ? `no folder of shard ${shard} was given` : `shard ${shard}'s report has no result for it`;
      jobs.push(lostJob(name, shard, total, toBase, why));
      continue;
    }
    const { source, job } = chosen;
    used.add(source);
    const fromBase = baseOf(job);
    const re = (file: string): string => rename(file, fromBase, toBase);
    const { shard: _shard, mergedFrom: _from, ...rest } = job;
    const mergedFrom = source.kind === 'merged' ? (job.mergedFrom ?? source.report.runId) : source.report.runId;
    jobs.push({
      ...(rest as unknown as JsonReport['jobs'][number]),
      logFile: re(job.logFile),
      transcriptFile: re(job.transcriptFile),
      ...(job.changes != null ? { changes: { ...job.changes, patchFile: typeof job.changes.patchFile === 'string' ? re(job.changes.patchFile) : null } as never } : {}),
      ...(Array.isArray(job.attempts)
        ? { attempts: job.attempts.map((a) => (a.verify != null && typeof a.verify.logFile === 'string' ? { ...a, verify: { ...a.verify, logFile: re(a.verify.logFile) } } : a)) as never }
        : {}),
      shard,
      mergedFrom,
    });
    copies.push({ job: name, sourceDir: source.dir, fromBase, toBase, sourceBases: source.report.jobs.map(baseOf) });
  }

  // --require-shards: a shard counts when its folder (or an earlier merge's entry) is there, or
  // when reruns and merges hold a result for every job it was planned to run.
  let shortfall: string | null = null;
  if (options.requireShards !== null) {
    const present = Array.from({ length: total }, (_, i) => i + 1).filter((i) => {
      if (shardRuns.has(i)) return true;
      const planned = names.filter((n) => assignment[n] === i);
      return planned.length > 0 && planned.every((n) => jobs.find((j) => j.name === n)?.status !== 'lost');
    });
    if (present.length < options.requireShards) {
      const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !present.includes(i));
      shortfall = `--require-shards ${options.requireShards}: found ${present.length} distinct shard${present.length === 1 ? '' : 's'} (${present.join(', ') || 'none'}); missing: ${missing.join(', ')}`;
    }
  }

  const summary: JsonReport['summary'] = { pending: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, killed: 0, interrupted: 0, skipped: 0, lost: 0 };
  for (const job of jobs) summary[job.status] = (summary[job.status] ?? 0) + 1;
  const runs = [...used];
  const startedAt = Math.min(...runs.map((s) => ms(s.report.startedAt)).filter(Number.isFinite), ...[...shardRuns.values()].map((r) => ms(r.startedAt)).filter(Number.isFinite));
  const finishes = [...runs.map((s) => s.report.finishedAt), ...[...shardRuns.values()].map((r) => r.finishedAt)].map(ms).filter(Number.isFinite);
  const started = Number.isFinite(startedAt) ? startedAt : options.now;
  const finished = finishes.length === 0 ? null : Math.max(...finishes);
  const allWarnings = [
    ...sources.flatMap((s) => s.report.warnings.map((w) => ({ ...w, message: `${s.kind === 'shard' ? `shard ${s.report.shard!.index}` : s.kind}: ${w.message}` }))),
    ...[...warnings, ...(shortfall === null ? [] : [shortfall])].map((message) => ({ at: isoTime(options.now), job: null, message })),
  ];
  const report: JsonReport = {
    reportVersion: 1,
    runId: options.runId,
    manifest: first.report.manifest,
    runDir: options.outDir,
    status: shortfall === null && jobs.every((j) => j.status === 'succeeded') ? 'succeeded' : 'failed',
    startedAt: isoTime(started),
    finishedAt: finished === null ? null : isoTime(finished),
    durationMs: finished === null ? null : Math.max(0, finished - started),
    summary,
    jobs,
    warnings: allWarnings,
    runner: null,
    plan: { hash, total, assignment: { ...assignment } },
    shards: [...shardRuns.values()].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)),
    ...(rerunRuns.size > 0 ? { reruns: [...rerunRuns.values()].sort((a, b) => ms(a.startedAt) - ms(b.startedAt)) } : {}),
  };
  return ok({ report, copies, warnings, shortfall });
}

function lostJob(name: string, shard: number, total: number, base: string, why: string): JsonReport['jobs'][number] {
  return {
    name,
    status: 'lost',
    phase: 'pending',
    reason: 'shard-lost',
    message: lostMessage(shard, total, why),
    stoppedBy: null,
    exitCode: null,
    signal: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    argv: [],
    workdir: '',
    envKeys: [],
    timeoutMs: null,
    logFile: `${base}.log`,
    transcriptFile: `${base}.txt`,
    lastLine: null,
    detail: null,
    sessionId: null,
    tokensUsed: null,
    lastMessage: null,
    interventions: [],
    containment: null,
    process: null,
    changes: null,
    outcome: 'shard-lost',
    attempts: [],
    shard,
    mergedFrom: null,
  };
}
