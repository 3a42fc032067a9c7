/**
 * The `codex:` section of a job (also allowed in `defaults:`): how codex-run starts the Codex
 * CLI. Validated here, independent of YAML; src/manifest/codex-fields.ts only locates the
 * problems in the manifest. Values map onto the flags of the pinned CLI (0.169.0, see
 * {@link CODEX_RULES_VERSION}); argv.ts turns a spec into argv.
 */
import { describeValue, joinList, quote } from '../../manifest/describe-value.js';
import { err, ok, type Result } from '../../util/result.js';

/** `exec`: the non-interactive `codex exec` (the usual unattended run). `tui`: the interactive UI. */
export type CodexMode = 'exec' | 'tui';

/** Codex's `--sandbox` values. */
export type CodexSandbox = 'read-only' | 'workspace-write' | 'danger-full-access';

/** Codex's `--ask-for-approval` values accepted by 0.169 (it rejects `untrusted` at start-up). */
export type CodexApprovals = 'on-request' | 'never';

/** A `-c key=value` value: TOML scalars and lists of them. */
export type CodexConfigValue = string | number | boolean | CodexConfigValue[];

/** How `agent: codex` runs, defaults applied (`JobSpec.codex`). */
export interface CodexSpec {
  mode: CodexMode;
  /** `--sandbox`; null leaves codex's own default (read-only in exec). */
  sandbox: CodexSandbox | null;
  /** `--model`; null: codex's configured model. */
  model: string | null;
  /** `--profile`; null: none. */
  profile: string | null;
  /** `-c key=value` overrides, nested maps flattened to dotted keys, in written order. */
  config: Record<string, CodexConfigValue>;
  /** Extra arguments passed through as written, after codex-run's own options. */
  args: string[];
  /** tui only: `--ask-for-approval`; null: codex's default (on-request in a trusted folder). */
  approvals: CodexApprovals | null;
  /** The codex binary: an absolute path or a name looked up on the job's PATH; null: `codex` on PATH, else the one installed beside codex-run. */
  bin: string | null;
}

/** The `codex:` section as written, each key checked on its own (defaults merge key by key). */
export type CodexOptions = Partial<CodexSpec>;

/** A problem in a `codex:` value; `path` starts below `codex`, e.g. `['sandbox']`. */
export interface CodexOptionProblem {
  path: string[];
  message: string;
  hint: string | null;
}

/** The codex-cli version the flags, screens and built-in rules of this adapter were made for. */
export const CODEX_RULES_VERSION = '0.169.0';

export const CODEX_MODES: readonly CodexMode[] = ['exec', 'tui'];
export const CODEX_SANDBOXES: readonly CodexSandbox[] = ['read-only', 'workspace-write', 'danger-full-access'];
export const CODEX_APPROVALS: readonly CodexApprovals[] = ['on-request', 'never'];

const KEYS = ['mode', 'sandbox', 'model', 'profile', 'config', 'args', 'approvals', 'bin'] as const;

/**
 * Flags codex-run must not receive through `args`: either set by a `codex:` field (so codex
 * would see them twice and reject the second) or removed upstream. Long form, short form, the
 * replacement.
 */
const MANAGED_FLAGS: ReadonlyArray<{ long: string; short: string | null; instead: string }> = [
  { long: '--full-auto', short: null, instead: 'removed in codex-cli 0.169: use `codex.sandbox: workspace-write` (`--sandbox workspace-write`)' },
  { long: '--sandbox', short: '-s', instead: 'use `codex.sandbox`' },
  { long: '--model', short: '-m', instead: 'use `codex.model`' },
  { long: '--profile', short: '-p', instead: 'use `codex.profile`' },
  { long: '--ask-for-approval', short: '-a', instead: 'use `codex.approvals` (mode: tui)' },
  { long: '--output-last-message', short: '-o', instead: 'codex-run sets it and puts the last message in report.json' },
  { long: '--cd', short: '-C', instead: "use the job's `workdir`" },
  { long: '--no-daemon', short: null, instead: 'codex-run always adds it in mode: tui' },
];

/** A config key codex accepts as a dotted path: no `=` (it ends the key) and no whitespace. */
const CONFIG_KEY = /^[^=\s]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a written `codex:` value; every problem is returned, with its path below `codex`. */
export function parseCodexOptions(raw: unknown): Result<CodexOptions, CodexOptionProblem[]> {
  const problems: CodexOptionProblem[] = [];
  const add = (path: string[], message: string, hint: string | null = null): void => {
    problems.push({ path, message, hint });
  };
  if (!isRecord(raw)) {
    add([], `expected a mapping such as { mode: exec, sandbox: workspace-write }, found ${describeValue(raw)}`);
    return err(problems);
  }
  const out: CodexOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'mode':
        oneOf(value, CODEX_MODES, [key], add, (v) => (out.mode = v));
        break;
      case 'sandbox':
        oneOf(value, CODEX_SANDBOXES, [key], add, (v) => (out.sandbox = v));
        break;
      case 'approvals':
        oneOf(value, CODEX_APPROVALS, [key], add, (v) => (out.approvals = v));
        break;
      case 'model':
      case 'profile':
      case 'bin':
        if (typeof value !== 'string' || value.trim() === '') add([key], `expected a non-empty string, found ${describeValue(value)}`);
        else out[key] = value;
        break;
      case 'config': {
        const config = parseConfig(value, add);
        if (config !== null) out.config = config;
        break;
      }
      case 'args': {
        const args = parseArgs(value, add);
        if (args !== null) out.args = args;
        break;
      }
      default:
        add([key], `unknown key ${quote(key)}: expected ${joinList(KEYS, 'or')}`);
    }
  }
  if (out.mode === 'exec' && out.approvals !== undefined) {
    add(['approvals'], 'expected no `approvals` with mode exec: codex exec never asks (its approval policy is always never)', 'set `mode: tui` to have approvals answered by rules');
  }
  return problems.length > 0 ? err(problems) : ok(out);
}

/**
 * `defaults.codex` under a job's own `codex`: key by key, the job's keys win; `config` maps
 * merge key by key too.
 */
export function mergeCodexOptions(fromDefaults: CodexOptions, own: CodexOptions): CodexOptions {
  const merged: CodexOptions = { ...fromDefaults, ...own };
  if (fromDefaults.config !== undefined && own.config !== undefined) merged.config = { ...fromDefaults.config, ...own.config };
  return merged;
}

/** The spec of a codex job from its (merged, valid) options. */
export function codexSpecOf(options: CodexOptions | undefined): CodexSpec {
  const o = options ?? {};
  return {
    mode: o.mode ?? 'exec',
    sandbox: o.sandbox ?? null,
    model: o.model ?? null,
    profile: o.profile ?? null,
    config: o.config ?? {},
    args: o.args ?? [],
    approvals: o.mode === 'exec' ? null : (o.approvals ?? null),
    bin: o.bin ?? null,
  };
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  path: string[],
  add: (path: string[], message: string) => void,
  set: (value: T) => void,
): void {
  const found = allowed.find((a) => a === value);
  if (found === undefined) add(path, `expected ${joinList(allowed, 'or')}, found ${describeValue(value)}`);
  else set(found);
}

function parseArgs(value: unknown, add: (path: string[], message: string, hint?: string | null) => void): string[] | null {
  if (!Array.isArray(value)) {
    add(['args'], `expected a list of arguments such as ["--search"], found ${describeValue(value)}`);
    return null;
  }
  let ok = true;
  value.forEach((arg: unknown, i) => {
    if (typeof arg !== 'string') {
      add(['args', String(i)], `expected a string argument, found ${describeValue(arg)}`);
      ok = false;
      return;
    }
    const managed = managedFlag(arg);
    if (managed !== null) {
      add(['args', String(i)], `${quote(arg)} cannot be passed through args`, managed.instead);
      ok = false;
    }
  });
  return ok ? (value as string[]) : null;
}

// `--flag`, `--flag=value`, `-f` and `-fvalue` all name the flag.
function managedFlag(arg: string): (typeof MANAGED_FLAGS)[number] | null {
  for (const flag of MANAGED_FLAGS) {
    if (arg === flag.long || arg.startsWith(`${flag.long}=`)) return flag;
    if (flag.short !== null && arg.startsWith(flag.short) && !arg.startsWith('--')) return flag;
  }
  return null;
}

function parseConfig(
  value: unknown,
  add: (path: string[], message: string, hint?: string | null) => void,
): Record<string, CodexConfigValue> | null {
  if (!isRecord(value)) {
    add(['config'], `expected a mapping of config keys to values such as { model_reasoning_effort: high }, found ${describeValue(value)}`);
    return null;
  }
  const out: Record<string, CodexConfigValue> = {};
  let ok = true;
  // Nested mappings become dotted keys, the form `-c` takes (`a: { b: 1 }` is `-c a.b=1`).
  const walk = (node: Record<string, unknown>, prefix: string, path: string[]): void => {
    for (const [key, child] of Object.entries(node)) {
      const full = prefix === '' ? key : `${prefix}.${key}`;
      const childPath = [...path, key];
      if (!CONFIG_KEY.test(key)) {
        add(childPath, `expected a config key without spaces or "=", found ${quote(key)}`);
        ok = false;
      } else if (isRecord(child)) {
        walk(child, full, childPath);
      } else if (isConfigValue(child)) {
        out[full] = child;
      } else {
        add(childPath, `expected a string, number, boolean or a list of them, found ${describeValue(child)}`);
        ok = false;
      }
    }
  };
  walk(value, '', ['config']);
  return ok ? out : null;
}

function isConfigValue(value: unknown): value is CodexConfigValue {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return Array.isArray(value) && value.every(isConfigValue);
}
