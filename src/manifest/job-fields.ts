import { stat } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';
import { interpolate, type Env } from './interpolate.js';
import type { AgentKind, Diagnostic } from './model.js';
import type { OverlapPolicy, ScheduleSpec } from '../schedule/schedule-spec.js';
import { resolveCatchUp, resolveJitter, resolveOverlap, resolveSchedule } from './schedule-fields.js';
import type { ValuePath, YamlSource } from './yaml-source.js';
import { resolveResume, type ResumeSpec, type WrittenResume } from './resume-fields.js';
import { resolveRehearsal } from './rehearsal-fields.js';
import type { Turn } from '../rehearsal/script.js';
import { mergeCodex, resolveCodex } from './codex-fields.js';
import { mergeGeneric, resolveGeneric } from './generic-fields.js';
import type { GenericOptions } from '../agents/generic/options.js';
import { mergeClaude, resolveClaude } from './claude-fields.js';
import { mergeNotify, resolveNotify, type WrittenNotify } from './notify-fields.js';
import type { NotifySpec } from '../notify/spec.js';
import type { CodexOptions } from '../agents/codex/options.js';
import type { ClaudeOptions } from '../agents/claude/options.js';
import { mergeGemini, resolveGemini } from './gemini-fields.js';
import type { GeminiOptions } from '../agents/gemini/options.js';
import { mergeWorktree, resolveCommitField, resolveIsolation, resolveWorktree, type CommitOption, type Isolation, type WorktreeOptions, type WrittenCommit, type WrittenWorktree } from './workspace-fields.js';
import {
  mergeBudget,
  resolveBudget,
  resolveContinuePrompt,
  resolveLimits,
  resolveRetry,
  resolveVerify,
  type BudgetSpec,
  type RetrySpec,
  type VerifySpec,
  type WrittenBudget,
  type WrittenLimits,
  type WrittenRetry,
  type WrittenVerify,
} from './completion-fields.js';
import {
  mergeAnswers,
  mergeIdle,
  resolveAnswers,
  resolveIdle,
  resolveLoop,
  resolveMaxOutput,
  type WrittenAnswers,
  type WrittenIdle,
  type WrittenLoop,
  type WrittenSize,
} from './supervision-fields.js';

/**
 * A job's fields as written in YAML (in a job or in `defaults:`), after the schema accepted
 * them. Mirrors `$defs.jobFields` in schemas/jobs.schema.json.
 */
export interface RawJobFields {
  agent?: AgentKind;
  prompt?: string;
  command?: string | string[];
  workdir?: string;
  env?: Record<string, string>;
  timeout?: string;
  // Scheduling (src/manifest/schedule-fields.ts).
  schedule?: string | Record<string, string>;
  overlap?: OverlapPolicy;
  catchUp?: boolean;
  jitter?: string;
  // Supervision (src/manifest/supervision-fields.ts).
  answers?: WrittenAnswers;
  idle?: WrittenIdle;
  loop?: WrittenLoop;
  maxOutput?: WrittenSize;
  enterDelay?: string;
  resume?: WrittenResume;
  rehearsal?: unknown[];
  // How codex runs (src/manifest/codex-fields.ts).
  codex?: Record<string, unknown>;
  // How an agent codex-run has no adapter for runs (src/manifest/generic-fields.ts).
  generic?: Record<string, unknown>;
  // How Claude Code runs (src/manifest/claude-fields.ts).
  claude?: Record<string, unknown>;
  // How gemini runs (src/manifest/gemini-fields.ts).
  gemini?: Record<string, unknown>;
  /** Env names whose values are redacted (src/logs/redactor.ts). */
  secrets?: string[];
  // Where the job works and what becomes of its changes (src/manifest/workspace-fields.ts).
  isolation?: Isolation;
  worktree?: WrittenWorktree;
  commit?: WrittenCommit;
  // Finishing work (src/manifest/completion-fields.ts).
  verify?: WrittenVerify;
  until?: 'verified';
  maxTurns?: number;
  continuePrompt?: string;
  budget?: WrittenBudget;
  limits?: WrittenLimits;
  retry?: WrittenRetry;
  /** Where to tell a person about this job (src/manifest/notify-fields.ts). */
  notify?: WrittenNotify[];
  /** Jobs with the same group run on the same shard (src/shard/). */
  shardGroup?: string;
}

/** Each field after its own checks: variables expanded, paths absolute, durations in ms. */
export interface ResolvedJobFields {
  agent: AgentKind;
  prompt: string;
  command: string[];
  workdir: string;
  env: Record<string, string>;
  /** Null: `timeout: none`, no limit (not even the agent's default). */
  timeout: number | null;
  // Scheduling: `schedule` carries the default policies until the job's own replace them.
  schedule: ScheduleSpec;
  overlap: OverlapPolicy;
  catchUp: boolean;
  jitter: number;
  // Supervision: validated, still as written so defaults can merge (see supervisionOf).
  answers: WrittenAnswers;
  idle: WrittenIdle;
  loop: WrittenLoop;
  maxOutput: WrittenSize;
  enterDelay: number;
  resume: ResumeSpec;
  rehearsal: Turn[];
  codex: CodexOptions;
  generic: GenericOptions;
  claude: ClaudeOptions;
  gemini: GeminiOptions;
  secrets: string[];
  isolation: Isolation;
  worktree: WorktreeOptions;
  commit: CommitOption;
  verify: VerifySpec;
  until: 'verified';
  maxTurns: number;
  continuePrompt: string;
  budget: BudgetSpec;
  /** `limits.wait` in ms. */
  limits: number;
  retry: RetrySpec;
  notify: NotifySpec[];
  shardGroup: string;
}

/** What a field's checks may use. */
export interface FieldContext {
  source: YamlSource;
  /** The path of this field's value, e.g. ['jobs', 'lint', 'timeout'] or ['defaults', 'timeout']. */
  path: ValuePath;
  /** The manifest's folder, the base for relative paths. */
  manifestDir: string;
  /** The variables `${VAR}` reads. */
  env: Env;
}

type FieldResult<T> = Result<T, Diagnostic[]>;

/** How one field goes from YAML to the model. */
interface FieldRule<In, Out> {
  /** Checks the written value and turns it into the model's form; problems are located. */
  resolve(value: In, context: FieldContext): FieldResult<Out> | Promise<FieldResult<Out>>;
  /** Combines the value from `defaults:` with the job's own; without it the job's value wins. */
  merge?(fromDefaults: Out, own: Out): Out;
  /**
   * The value is a mapping whose entries stand alone: entries the schema rejected are left out
   * and the rest are still checked. Otherwise a field with any rejected part is skipped whole.
   */
  entriesStandAlone?: boolean;
}

type FieldRules = { [K in keyof RawJobFields]-?: FieldRule<NonNullable<RawJobFields[K]>, ResolvedJobFields[K]> };

/** The longest timeout: the bound of every duration (720h); the clock chains timers past Node's 2^31 - 1 ms. */
export const MAX_TIMEOUT_MS = MAX_DURATION_MS;

/** How `timeout` and `idle.kill` are turned off, the agent's default included. */
export const NO_LIMIT = 'none';

/** The longest pause between a typed answer and its Enter. */
export const MAX_ENTER_DELAY_MS = 10_000;

/**
 * Every job field, once. To add a field: its schema property under `$defs.jobFields`, its
 * entry in RawJobFields/ResolvedJobFields, a rule here, and where it lands in JobSpec
 * (build-manifest.ts). `defaults:` then supports it too.
 */
const FIELD_RULES: FieldRules = {
  agent: { resolve: (agent) => ok(agent) },
  prompt: { resolve: (prompt) => ok(prompt) },
  command: { resolve: (command) => ok(typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command]) },
  workdir: { resolve: resolveWorkdir },
  env: { resolve: resolveEnv, merge: (fromDefaults, own) => ({ ...fromDefaults, ...own }), entriesStandAlone: true },
  timeout: { resolve: resolveTimeout },
  // Scheduling (src/manifest/schedule-fields.ts).
  schedule: { resolve: resolveSchedule },
  overlap: { resolve: resolveOverlap },
  catchUp: { resolve: resolveCatchUp },
  jitter: { resolve: resolveJitter },
  // Supervision (src/manifest/supervision-fields.ts).
  answers: { resolve: resolveAnswers, merge: mergeAnswers },
  idle: { resolve: resolveIdle, merge: mergeIdle },
  loop: { resolve: resolveLoop },
  maxOutput: { resolve: resolveMaxOutput },
  enterDelay: { resolve: resolveEnterDelay },
  resume: { resolve: resolveResume },
  rehearsal: { resolve: resolveRehearsal },
  codex: { resolve: resolveCodex, merge: mergeCodex, entriesStandAlone: true },
  generic: { resolve: resolveGeneric, merge: mergeGeneric, entriesStandAlone: true },
  claude: { resolve: resolveClaude, merge: mergeClaude, entriesStandAlone: true },
  gemini: { resolve: resolveGemini, merge: mergeGemini, entriesStandAlone: true },
  secrets: { resolve: (names) => ok([...names]), merge: (fromDefaults, own) => [...new Set([...fromDefaults, ...own])] },
  // Where the job works and what becomes of its changes (src/manifest/workspace-fields.ts).
  isolation: { resolve: resolveIsolation },
  worktree: { resolve: resolveWorktree, merge: mergeWorktree },
  commit: { resolve: resolveCommitField },
  // Finishing work (src/manifest/completion-fields.ts).
  verify: { resolve: resolveVerify },
  until: { resolve: (until) => ok(until) },
  maxTurns: { resolve: (turns) => ok(turns) },
  continuePrompt: { resolve: resolveContinuePrompt },
  budget: { resolve: resolveBudget, merge: mergeBudget },
  limits: { resolve: resolveLimits },
  retry: { resolve: resolveRetry },
  notify: { resolve: resolveNotify, merge: mergeNotify },
  // Sharding over machines (src/shard/).
  shardGroup: { resolve: (group) => ok(group) },
};

/** The field names, in the schema's order (a unit test holds the two together). */
export const FIELD_NAMES = Object.keys(FIELD_RULES) as Array<keyof RawJobFields>;

/**
 * Resolves every field present in `raw`, collecting all problems. Parts the schema rejected
 * (`rejected` paths) are skipped: they already have a diagnostic and their values are not
 * the shape the rules expect.
 */
export async function resolveFields(
  raw: Record<string, unknown>,
  base: ValuePath,
  context: Omit<FieldContext, 'path'>,
  rejected: readonly ValuePath[],
): Promise<{ fields: Partial<ResolvedJobFields>; diagnostics: Diagnostic[] }> {
  const fields: Partial<ResolvedJobFields> = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of FIELD_NAMES) {
    const path = [...base, name];
    let value = raw[name];
    if (value === undefined || rejected.some((bad) => isWithin(path, bad))) continue;
    const rejectedInside = rejected.filter((bad) => bad.length > path.length && isWithin(bad, path));
    if (rejectedInside.length > 0) {
      if (FIELD_RULES[name].entriesStandAlone !== true) continue;
      const dropped = new Set(rejectedInside.map((bad) => bad[path.length]));
      value = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([key]) => !dropped.has(key)));
    }
    const result = await resolveOne(name, value, { ...context, path });
    if (result.ok) Object.assign(fields, { [name]: result.value });
    else diagnostics.push(...result.error);
  }
  return { fields, diagnostics };
}

/** A job's fields over the defaults' ones, field by field (see each rule's `merge`). */
export function mergeFields(defaults: Partial<ResolvedJobFields>, own: Partial<ResolvedJobFields>): Partial<ResolvedJobFields> {
  const merged: Partial<ResolvedJobFields> = { ...defaults };
  for (const name of FIELD_NAMES) mergeOne(name, defaults, own, merged);
  return merged;
}

// The rule table is keyed per field; TypeScript cannot correlate `FIELD_RULES[name]` with
// `raw[name]` for a union `name`, so the value's type is asserted here, once (the schema checked it).
function resolveOne<K extends keyof RawJobFields>(
  name: K,
  value: unknown,
  context: FieldContext,
): FieldResult<ResolvedJobFields[K]> | Promise<FieldResult<ResolvedJobFields[K]>> {
  const rule = FIELD_RULES[name] as FieldRule<unknown, ResolvedJobFields[K]>;
  return rule.resolve(value, context);
}

function mergeOne<K extends keyof RawJobFields>(
  name: K,
  defaults: Partial<ResolvedJobFields>,
  own: Partial<ResolvedJobFields>,
  into: Partial<ResolvedJobFields>,
): void {
  const mine = own[name];
  if (mine === undefined) return;
  const inherited = defaults[name];
  const rule = FIELD_RULES[name] as FieldRule<unknown, ResolvedJobFields[K]>;
  into[name] = inherited !== undefined && rule.merge !== undefined ? rule.merge(inherited, mine) : mine;
}

// `${VAR}` expansion of one string value, each problem located at its `${...}` when possible.
function expand(text: string, context: FieldContext): FieldResult<string> {
  const result = interpolate(text, context.env);
  if (result.ok) return result;
  return err(
    result.error.map((problem) =>
      context.source.diagnostic(context.path, problem.message, {
        hint: problem.hint,
        span: { start: problem.start, end: problem.end },
      }),
    ),
  );
}

// The workdir must exist when the manifest is loaded, so a typo fails before any job starts.
async function resolveWorkdir(written: string, context: FieldContext): Promise<FieldResult<string>> {
  const expanded = expand(written, context);
  if (!expanded.ok) return expanded;
  const dir = path.resolve(context.manifestDir, expanded.value);
  const problem = (message: string, hint: string | null = null): FieldResult<string> =>
    err([context.source.diagnostic(context.path, message, { hint })]);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return problem(`expected workdir ${quote(written)} to be a folder, found a file at ${dir}`);
    return ok(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const hint = written.startsWith('~')
        ? "'~' is not expanded here; write ${HOME} instead"
        : `relative workdirs start from the manifest's folder, ${context.manifestDir}`;
      return problem(`workdir ${quote(written)} does not exist: no folder at ${dir}`, hint);
    }
    return problem(`cannot use workdir ${quote(written)} (${dir}): ${code ?? String(error)}`);
  }
}

function resolveEnv(written: Record<string, string>, context: FieldContext): FieldResult<Record<string, string>> {
  const env: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  for (const [key, value] of Object.entries(written)) {
    const expanded = expand(value, { ...context, path: [...context.path, key] });
    if (expanded.ok) env[key] = expanded.value;
    else diagnostics.push(...expanded.error);
  }
  return diagnostics.length === 0 ? ok(env) : err(diagnostics);
}

function resolveEnterDelay(written: string, context: FieldContext): FieldResult<number> {
  const parsed = parseDuration(written);
  if (!parsed.ok) return err([context.source.diagnostic(context.path, parsed.error)]);
  if (parsed.value > MAX_ENTER_DELAY_MS) {
    return err([context.source.diagnostic(context.path, `expected an enter delay of at most ${formatDuration(MAX_ENTER_DELAY_MS)}, found ${quote(written)}`)]);
  }
  return ok(parsed.value);
}

function resolveTimeout(written: string, context: FieldContext): FieldResult<number | null> {
  if (written === NO_LIMIT) return ok(null);
  const parsed = parseDuration(written);
  const problem = (message: string): FieldResult<number | null> => err([context.source.diagnostic(context.path, message)]);
  if (!parsed.ok) return problem(parsed.error);
  if (parsed.value === 0) return problem(`expected a timeout longer than zero, found ${quote(written)}`);
  return ok(parsed.value);
}

/** Whether `path` is `ancestor` or below it. */
function isWithin(path: ValuePath, ancestor: ValuePath): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, i) => path[i] === segment);
}
