/**
 * The `claude:` section of a job (also allowed in `defaults:`): how codex-run starts Claude
 * Code. Validated here, independent of YAML; src/manifest/claude-fields.ts only locates the
 * problems in the manifest. Values map onto the flags of the pinned CLI (2.1.332, see
 * {@link CLAUDE_RULES_VERSION}); argv.ts turns a spec into argv.
 */
import { describeValue, joinList, quote } from '../../manifest/describe-value.js';
import { err, ok, type Result } from '../../util/result.js';

/**
 * `headless`: `claude -p --output-format stream-json --verbose` (the unattended run; nothing
 * is asked, what would need approval is denied). `tui`: the interactive UI, whose approval
 * dialogs are answered by the job's `answers:` rules.
 */
export type ClaudeMode = 'headless' | 'tui';

/**
 * Claude Code's `--permission-mode` values. `auto` (the TUI's own default) lets a model decide
 * tool calls, so codex-run never leaves it implicit: the default here is `default`, whose
 * dialogs (tui) and denials (headless) are deterministic.
 */
export type ClaudePermissionMode = 'default' | 'acceptEdits' | 'plan' | 'auto' | 'dontAsk' | 'bypassPermissions';

/** How `agent: claude` runs, defaults applied (`JobSpec.claude`). */
export interface ClaudeSpec {
  mode: ClaudeMode;
  /** `--permission-mode`; always passed. */
  permissionMode: ClaudePermissionMode;
  /** `--model`; null: Claude Code's default. */
  model: string | null;
  /** `--allowedTools` entries such as `Bash(npm test)`, `Edit`. */
  allowedTools: string[];
  /** `--disallowedTools` entries. */
  disallowedTools: string[];
  /** Extra arguments passed through as written, after codex-run's own options. */
  args: string[];
  /** CLAUDE_CONFIG_DIR for the child (absolute); null: the user's own (~/.claude.json, ~/.claude). */
  configDir: string | null;
  /** The claude binary: an absolute path or a name looked up on the job's PATH; null: `claude` on PATH, else the one installed beside codex-run. */
  bin: string | null;
}

/** The `claude:` section as written, each key checked on its own (defaults merge key by key). */
export type ClaudeOptions = Partial<ClaudeSpec>;

/** A problem in a `claude:` value; `path` starts below `claude`, e.g. `['permissionMode']`. */
export interface ClaudeOptionProblem {
  path: string[];
  message: string;
  hint: string | null;
}

/** The Claude Code version the flags, screens and built-in rules of this adapter were made for. */
export const CLAUDE_RULES_VERSION = '2.1.332';

export const CLAUDE_MODES: readonly ClaudeMode[] = ['headless', 'tui'];
export const CLAUDE_PERMISSION_MODES: readonly ClaudePermissionMode[] = ['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions'];

const KEYS = ['mode', 'permissionMode', 'model', 'allowedTools', 'disallowedTools', 'args', 'configDir', 'bin'] as const;

/**
 * Flags that cannot go through `args`: a `claude:` field or codex-run itself sets them, or they
 * pick a session by recency (`--continue`), which in parallel jobs can be a sibling's.
 */
const MANAGED_FLAGS: ReadonlyArray<{ long: string; short: string | null; instead: string }> = [
  { long: '--print', short: '-p', instead: 'use `claude.mode: headless`' },
  { long: '--output-format', short: null, instead: 'codex-run reads stream-json in mode headless' },
  { long: '--input-format', short: null, instead: 'codex-run passes the prompt as an argument' },
  { long: '--verbose', short: null, instead: 'codex-run sets it in mode headless (stream-json needs it)' },
  { long: '--permission-mode', short: null, instead: 'use `claude.permissionMode`' },
  { long: '--model', short: null, instead: 'use `claude.model`' },
  { long: '--allowedTools', short: null, instead: 'use `claude.allowedTools`' },
  { long: '--allowed-tools', short: null, instead: 'use `claude.allowedTools`' },
  { long: '--disallowedTools', short: null, instead: 'use `claude.disallowedTools`' },
  { long: '--disallowed-tools', short: null, instead: 'use `claude.disallowedTools`' },
  { long: '--session-id', short: null, instead: 'codex-run chooses the session id and records it' },
  { long: '--resume', short: '-r', instead: 'codex-run resumes by the recorded session id (`resume:`)' },
  { long: '--continue', short: '-c', instead: 'never: it takes the newest session of the folder, which may be another job\'s' },
  { long: '--fork-session', short: null, instead: 'a resumed job must keep its session id' },
  { long: '--dangerously-skip-permissions', short: null, instead: 'use `claude.permissionMode: bypassPermissions` (and mind that it allows everything)' },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a written `claude:` value; every problem is returned, with its path below `claude`. */
export function parseClaudeOptions(raw: unknown): Result<ClaudeOptions, ClaudeOptionProblem[]> {
  const problems: ClaudeOptionProblem[] = [];
  const add = (path: string[], message: string, hint: string | null = null): void => {
    problems.push({ path, message, hint });
  };
  if (!isRecord(raw)) {
    add([], `expected a mapping such as { mode: headless, permissionMode: acceptEdits }, found ${describeValue(raw)}`);
    return err(problems);
  }
  const out: ClaudeOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'mode': {
        const found = CLAUDE_MODES.find((m) => m === value);
        if (found === undefined) add([key], `expected ${joinList(CLAUDE_MODES, 'or')}, found ${describeValue(value)}`);
        else out.mode = found;
        break;
      }
      case 'permissionMode': {
        // `manual` is Claude Code's own alias of `default`.
        const found = value === 'manual' ? 'default' : CLAUDE_PERMISSION_MODES.find((m) => m === value);
        if (found === undefined) add([key], `expected ${joinList(CLAUDE_PERMISSION_MODES, 'or')}, found ${describeValue(value)}`);
        else out.permissionMode = found;
        break;
      }
      case 'model':
      case 'configDir':
      case 'bin':
        if (typeof value !== 'string' || value.trim() === '') add([key], `expected a non-empty string, found ${describeValue(value)}`);
        else out[key] = value;
        break;
      case 'allowedTools':
      case 'disallowedTools': {
        const tools = stringList(value, [key], 'a list of tool rules such as ["Bash(npm test)", "Edit"]', add);
        if (tools !== null) out[key] = tools;
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
  return problems.length > 0 ? err(problems) : ok(out);
}

/** `defaults.claude` under a job's own `claude`: key by key, the job's keys win. */
export function mergeClaudeOptions(fromDefaults: ClaudeOptions, own: ClaudeOptions): ClaudeOptions {
  return { ...fromDefaults, ...own };
}

/** The spec of a claude job from its (merged, valid) options. */
export function claudeSpecOf(options: ClaudeOptions | undefined): ClaudeSpec {
  const o = options ?? {};
  return {
    mode: o.mode ?? 'headless',
    permissionMode: o.permissionMode ?? 'default',
    model: o.model ?? null,
    allowedTools: o.allowedTools ?? [],
    disallowedTools: o.disallowedTools ?? [],
    args: o.args ?? [],
    configDir: o.configDir ?? null,
    bin: o.bin ?? null,
  };
}

function stringList(
  value: unknown,
  path: string[],
  what: string,
  add: (path: string[], message: string) => void,
): string[] | null {
  if (!Array.isArray(value)) {
    add(path, `expected ${what}, found ${describeValue(value)}`);
    return null;
  }
  let good = true;
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      add([...path, String(i)], `expected a non-empty string, found ${describeValue(item)}`);
      good = false;
    }
  });
  return good ? (value as string[]) : null;
}

function parseArgs(value: unknown, add: (path: string[], message: string, hint?: string | null) => void): string[] | null {
  const list = stringList(value, ['args'], 'a list of arguments such as ["--add-dir", "../shared"]', add);
  if (list === null) return null;
  let good = true;
  list.forEach((arg, i) => {
    const managed = managedFlag(arg);
    if (managed !== null) {
      add(['args', String(i)], `${quote(arg)} cannot be passed through args`, managed.instead);
      good = false;
    }
  });
  return good ? list : null;
}

// `--flag`, `--flag=value` and `-f` name the flag.
function managedFlag(arg: string): (typeof MANAGED_FLAGS)[number] | null {
  for (const flag of MANAGED_FLAGS) {
    if (arg === flag.long || arg.startsWith(`${flag.long}=`)) return flag;
    if (flag.short !== null && arg === flag.short) return flag;
  }
  return null;
}
