/**
 * Finishing work, not just running it: `verify`, `until`, `maxTurns`, `continuePrompt`,
 * `budget`, `limits` and `retry` (in a job, in `defaults:`, and `budget` at the top level).
 * The schema checks the shapes; this file parses durations and token counts, checks the
 * continue prompt's placeholders, applies defaults and locates every problem.
 */
import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';
import { parseDuration } from './duration.js';
import type { FieldContext } from './job-fields.js';
import type { Diagnostic } from './model.js';
import type { ValuePath, YamlSource } from './yaml-source.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/** `verify:` resolved: argv (a string is already `/bin/sh -c`), how it reads, its time limit. */
export interface VerifySpec {
  command: string[];
  /** The command as the user wrote it, for messages and `{{verify.command}}`. */
  display: string;
  timeoutMs: number;
}

/** A budget; null: no limit of that kind. */
export interface BudgetSpec {
  tokens: number | null;
  turns: number | null;
  wallMs: number | null;
}

/** `retry:` resolved. */
export interface RetrySpec {
  max: number;
  backoffMs: number;
}

/** Everything about finishing a job, defaults applied. */
export interface CompletionSpec {
  verify: VerifySpec | null;
  untilVerified: boolean;
  /** Turns in all with `until: verified`, the first included. */
  maxTurns: number;
  continuePrompt: string;
  budget: BudgetSpec;
  /** How long a job may wait for a usage-limit reset. */
  limitsWaitMs: number;
  retry: RetrySpec | null;
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_TURNS = 3;
export const DEFAULT_LIMITS_WAIT_MS = 8 * 3_600_000;
export const DEFAULT_RETRY_BACKOFF_MS = 10_000;
export const DEFAULT_CONTINUE_PROMPT =
  '`{{verify.command}}` failed (exit {{verify.exitCode}}). The end of its output:\n{{verify.tail}}\nFix the cause, then stop.';

/** The placeholders a continue prompt may use. */
export const CONTINUE_PLACEHOLDERS = ['verify.command', 'verify.exitCode', 'verify.tail'] as const;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export const NO_BUDGET: BudgetSpec = { tokens: null, turns: null, wallMs: null };

export interface WrittenVerify {
  command: string | string[];
  timeout?: string;
}
export interface WrittenBudget {
  tokens?: number | string;
  turns?: number;
  wall?: string;
}
export interface WrittenLimits {
  wait?: string;
}
export interface WrittenRetry {
  max: number;
  backoff?: string;
}

export function resolveVerify(written: WrittenVerify, context: FieldContext): FieldResult<VerifySpec> {
  const timeout = optionalDuration(written.timeout, [...context.path, 'timeout'], context, DEFAULT_VERIFY_TIMEOUT_MS);
  if (!timeout.ok) return timeout;
  const command = typeof written.command === 'string' ? ['/bin/sh', '-c', written.command] : [...written.command];
  const display = typeof written.command === 'string' ? written.command : written.command.join(' ');
  return ok({ command, display, timeoutMs: timeout.value });
}

export function resolveContinuePrompt(written: string, context: FieldContext): FieldResult<string> {
  const diagnostics: Diagnostic[] = [];
  for (const match of written.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if ((CONTINUE_PLACEHOLDERS as readonly string[]).includes(name)) continue;
    const start = match.index ?? 0;
    diagnostics.push(
      context.source.diagnostic(context.path, `unknown placeholder ${quote(`{{${name}}}`)} in continuePrompt`, {
        hint: `expected one of ${CONTINUE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        span: { start, end: start + match[0].length },
      }),
    );
  }
  return diagnostics.length > 0 ? err(diagnostics) : ok(written);
}

/** Fills a continue prompt's placeholders (checked when the manifest was loaded). */
export function renderContinuePrompt(template: string, values: { command: string; exitCode: number | null; tail: string }): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    switch (name) {
      case 'verify.command':
        return values.command;
      case 'verify.exitCode':
        return values.exitCode === null ? 'none' : String(values.exitCode);
      case 'verify.tail':
        return values.tail;
      default:
        return whole;
    }
  });
}

export function resolveBudget(written: WrittenBudget, context: FieldContext): FieldResult<BudgetSpec> {
  return budgetOf(written, context.source, context.path);
}

/** A budget at `path` (a job's, `defaults:`' or the run's top-level one). */
export function budgetOf(written: WrittenBudget, source: YamlSource, path: ValuePath): FieldResult<BudgetSpec> {
  const diagnostics: Diagnostic[] = [];
  let tokens: number | null = null;
  if (written.tokens !== undefined) {
    const parsed = parseTokens(written.tokens);
    if (parsed === null) diagnostics.push(source.diagnostic([...path, 'tokens'], `expected a token count such as 200000, 500k or 3M, found ${quote(String(written.tokens))}`));
    else tokens = parsed;
  }
  let wallMs: number | null = null;
  if (written.wall !== undefined) {
    const parsed = parseDuration(written.wall);
    if (!parsed.ok) diagnostics.push(source.diagnostic([...path, 'wall'], parsed.error));
    else if (parsed.value === 0) diagnostics.push(source.diagnostic([...path, 'wall'], `expected a wall budget longer than zero, found ${quote(written.wall)}`));
    else wallMs = parsed.value;
  }
  if (diagnostics.length > 0) return err(diagnostics);
  return ok({ tokens, turns: written.turns ?? null, wallMs });
}

/** `3M` → 3000000, `500k` → 500000, `1.5M` → 1500000, 200000 → 200000; null when not a positive count. */
export function parseTokens(value: number | string): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value.trim());
  if (match === null) return null;
  const unit = (match[2] ?? '').toLowerCase();
  const count = Math.round(Number(match[1]) * (unit === 'k' ? 1_000 : unit === 'm' ? 1_000_000 : 1));
  return Number.isSafeInteger(count) && count > 0 ? count : null;
}

/** A job's budget over `defaults:`' one, key by key. */
export function mergeBudget(fromDefaults: BudgetSpec, own: BudgetSpec): BudgetSpec {
  return {
    tokens: own.tokens ?? fromDefaults.tokens,
    turns: own.turns ?? fromDefaults.turns,
    wallMs: own.wallMs ?? fromDefaults.wallMs,
  };
}

export function resolveLimits(written: WrittenLimits, context: FieldContext): FieldResult<number> {
  return optionalDuration(written.wait, [...context.path, 'wait'], context, DEFAULT_LIMITS_WAIT_MS);
}

export function resolveRetry(written: WrittenRetry, context: FieldContext): FieldResult<RetrySpec> {
  const backoff = optionalDuration(written.backoff, [...context.path, 'backoff'], context, DEFAULT_RETRY_BACKOFF_MS);
  return backoff.ok ? ok({ max: written.max, backoffMs: backoff.value }) : backoff;
}

function optionalDuration(written: string | undefined, path: ValuePath, context: FieldContext, fallback: number): FieldResult<number> {
  if (written === undefined) return ok(fallback);
  const parsed = parseDuration(written);
  return parsed.ok ? ok(parsed.value) : err([context.source.diagnostic(path, parsed.error)]);
}

/** The fields this file resolves, after defaults merged. */
export interface CompletionFields {
  verify?: VerifySpec;
  until?: 'verified';
  maxTurns?: number;
  continuePrompt?: string;
  budget?: BudgetSpec;
  limits?: number;
  retry?: RetrySpec;
}

/** A job's completion spec, defaults applied. */
export function completionOf(fields: CompletionFields): CompletionSpec {
  return {
    verify: fields.verify ?? null,
    untilVerified: fields.until === 'verified',
    maxTurns: fields.maxTurns ?? DEFAULT_MAX_TURNS,
    continuePrompt: fields.continuePrompt ?? DEFAULT_CONTINUE_PROMPT,
    budget: fields.budget ?? NO_BUDGET,
    limitsWaitMs: fields.limits ?? DEFAULT_LIMITS_WAIT_MS,
    retry: fields.retry ?? null,
  };
}

/**
 * Problems between fields, once `defaults:` merged: `until: verified` without a `verify`, and
 * `until: verified` on a codex TUI job (continuing types into the composer: not supported yet,
 * so it is refused rather than ignored). Located at the `until:` that applies.
 */
export function completionProblems(
  source: YamlSource,
  job: string,
  fields: CompletionFields & { agent?: string; codex?: { mode?: unknown } },
  ownKeys: readonly string[],
): Diagnostic[] {
  if (fields.until !== 'verified') return [];
  const at: ValuePath = ownKeys.includes('until') ? ['jobs', job, 'until'] : ['defaults', 'until'];
  const problems: Diagnostic[] = [];
  if (fields.verify === undefined) {
    problems.push(source.diagnostic(at, `job '${job}' has \`until: verified\` but no \`verify\` command to check it with`, { hint: 'add `verify: { command: [npm, test] }`, or remove `until`' }));
  }
  if ((fields.agent ?? 'codex') === 'codex' && fields.codex?.mode === 'tui') {
    problems.push(source.diagnostic(at, `job '${job}' has \`until: verified\` with \`codex.mode: tui\`; continuing a session is supported for codex exec only`, { hint: 'use `codex.mode: exec` (the default) for jobs that continue until verified' }));
  }
  return problems;
}
