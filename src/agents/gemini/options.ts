/**
 * The `gemini:` section of a job (also allowed in `defaults:`): how codex-run starts Gemini
 * CLI. Validated here, independent of YAML; src/manifest/gemini-fields.ts only locates the
 * problems in the manifest. Values map onto the flags of the pinned CLI (0.61.0, see
 * {@link GEMINI_RULES_VERSION}); argv.ts turns a spec into argv.
 */
import { describeValue, joinList, quote } from '../../manifest/describe-value.js';
import { err, ok, type Result } from '../../util/result.js';

/** `headless`: `gemini -p … -o stream-json` (the usual unattended run). `tui`: the interactive UI. */
export type GeminiMode = 'headless' | 'tui';

/**
 * Gemini's `--approval-mode`. In headless mode nothing can ask, so `default` offers the model
 * only read-only tools; `auto_edit` adds file writes and edits; `yolo` also shell commands.
 */
export type GeminiApprovalMode = 'default' | 'auto_edit' | 'yolo' | 'plan';

/** How `agent: gemini` runs, defaults applied (`JobSpec.gemini`). */
export interface GeminiSpec {
  mode: GeminiMode;
  /** `--model`; null: gemini's own choice (its model router). */
  model: string | null;
  /** `--approval-mode`; null: gemini's default (`default`). */
  approvalMode: GeminiApprovalMode | null;
  /** `--allowed-tools` entries (tools that run without asking, e.g. `run_shell_command(git status)`). */
  allowedTools: string[];
  /** Extra arguments passed through as written, after codex-run's own options. */
  args: string[];
  /** The gemini binary: an absolute path or a name looked up on the job's PATH; null: `gemini` on PATH, else the one installed beside codex-run. */
  bin: string | null;
}

/** The `gemini:` section as written, each key checked on its own (defaults merge key by key). */
export type GeminiOptions = Partial<GeminiSpec>;

/** A problem in a `gemini:` value; `path` starts below `gemini`, e.g. `['mode']`. */
export interface GeminiOptionProblem {
  path: string[];
  message: string;
  hint: string | null;
}

/** The Gemini CLI version the flags, screens and built-in rules of this adapter were made for. */
export const GEMINI_RULES_VERSION = '0.61.0';

export const GEMINI_MODES: readonly GeminiMode[] = ['headless', 'tui'];
export const GEMINI_APPROVAL_MODES: readonly GeminiApprovalMode[] = ['default', 'auto_edit', 'yolo', 'plan'];

const KEYS = ['mode', 'model', 'approvalMode', 'allowedTools', 'args', 'bin'] as const;

/**
 * Flags codex-run sets itself (so gemini would see them twice) or that would pick a session by
 * something other than its id: long form, short form, what to do instead.
 */
const MANAGED_FLAGS: ReadonlyArray<{ long: string; short: string | null; instead: string }> = [
  { long: '--prompt', short: '-p', instead: "codex-run passes the job's prompt" },
  { long: '--prompt-interactive', short: '-i', instead: "codex-run passes the job's prompt" },
  { long: '--output-format', short: '-o', instead: 'codex-run reads stream-json in headless mode' },
  { long: '--model', short: '-m', instead: 'use `gemini.model`' },
  { long: '--approval-mode', short: null, instead: 'use `gemini.approvalMode`' },
  { long: '--yolo', short: '-y', instead: 'use `gemini.approvalMode: yolo`' },
  { long: '--allowed-tools', short: null, instead: 'use `gemini.allowedTools`' },
  { long: '--resume', short: '-r', instead: 'codex-run resumes a session by its id (`resume:`)' },
  { long: '--session-id', short: null, instead: 'codex-run chooses the session id' },
  { long: '--list-sessions', short: null, instead: 'not a job' },
  { long: '--worktree', short: '-w', instead: 'use the job\'s `isolation: worktree`' },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a written `gemini:` value; every problem is returned, with its path below `gemini`. */
export function parseGeminiOptions(raw: unknown): Result<GeminiOptions, GeminiOptionProblem[]> {
  const problems: GeminiOptionProblem[] = [];
  const add = (path: string[], message: string, hint: string | null = null): void => {
    problems.push({ path, message, hint });
  };
  if (!isRecord(raw)) {
    add([], `expected a mapping such as { mode: headless, approvalMode: auto_edit }, found ${describeValue(raw)}`);
    return err(problems);
  }
  const out: GeminiOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'mode':
        oneOf(value, GEMINI_MODES, [key], add, (v) => (out.mode = v));
        break;
      case 'approvalMode':
        oneOf(value, GEMINI_APPROVAL_MODES, [key], add, (v) => (out.approvalMode = v));
        break;
      case 'model':
      case 'bin':
        if (typeof value !== 'string' || value.trim() === '') add([key], `expected a non-empty string, found ${describeValue(value)}`);
        else out[key] = value;
        break;
      case 'allowedTools': {
        const tools = stringList(value, [key], 'a list of tools such as ["run_shell_command(git status)"]', add);
        if (tools !== null) out.allowedTools = tools;
        break;
      }
      case 'args': {
        const args = stringList(value, [key], 'a list of arguments such as ["--debug"]', add);
        if (args !== null && checkManaged(args, add)) out.args = args;
        break;
      }
      default:
        add([key], `unknown key ${quote(key)}: expected ${joinList(KEYS, 'or')}`);
    }
  }
  return problems.length > 0 ? err(problems) : ok(out);
}

/** `defaults.gemini` under a job's own `gemini`: key by key, the job's keys win. */
export function mergeGeminiOptions(fromDefaults: GeminiOptions, own: GeminiOptions): GeminiOptions {
  return { ...fromDefaults, ...own };
}

/** The spec of a gemini job from its (merged, valid) options. */
export function geminiSpecOf(options: GeminiOptions | undefined): GeminiSpec {
  const o = options ?? {};
  return {
    mode: o.mode ?? 'headless',
    model: o.model ?? null,
    approvalMode: o.approvalMode ?? null,
    allowedTools: o.allowedTools ?? [],
    args: o.args ?? [],
    bin: o.bin ?? null,
  };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string[], add: (path: string[], message: string) => void, set: (value: T) => void): void {
  const found = allowed.find((a) => a === value);
  if (found === undefined) add(path, `expected ${joinList(allowed, 'or')}, found ${describeValue(value)}`);
  else set(found);
}

function stringList(value: unknown, path: string[], what: string, add: (path: string[], message: string) => void): string[] | null {
  if (!Array.isArray(value)) {
    add(path, `expected ${what}, found ${describeValue(value)}`);
    return null;
  }
  let valid = true;
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') {
      add([...path, String(i)], `expected a non-empty string, found ${describeValue(item)}`);
      valid = false;
    }
  });
  return valid ? (value as string[]) : null;
}

function checkManaged(args: readonly string[], add: (path: string[], message: string, hint?: string | null) => void): boolean {
  let valid = true;
  args.forEach((arg, i) => {
    const flag = MANAGED_FLAGS.find((f) => arg === f.long || arg.startsWith(`${f.long}=`) || (f.short !== null && !arg.startsWith('--') && arg.startsWith(f.short)));
    if (flag !== undefined) {
      add(['args', String(i)], `${quote(arg)} cannot be passed through args`, flag.instead);
      valid = false;
    }
  });
  return valid;
}
