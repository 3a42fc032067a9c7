/**
 * The `generic:` section of an `agent: generic` job (also allowed in `defaults:`): how to run an
 * agent CLI codex-run has no adapter for, described in the manifest. Validated here,
 * independent of YAML; src/manifest/generic-fields.ts locates the problems in the manifest and
 * expands `${VAR}`. argv.ts turns a spec into a launch, session-id.ts finds the session id.
 *
 *   generic:
 *     argv: [acme-agent, --prompt, "{prompt}"]             # {prompt}: the job's prompt, one element
 *     resume: [acme-agent, --resume, "{session}", "{prompt}"]
 *     session: { pattern: "session: ([0-9a-f-]{36})" }      # or { file: "~/.acme/*.json", pattern? }
 *     done: "^Task complete"                                # a TUI that stays open: its turn is over
 *     fullScreen: false
 *     interruptFirst: true
 *     decline: { keys: [esc] }
 *     env: { ACME_NO_UPDATE_CHECK: "1" }
 */
import { describeValue, joinList, quote } from '../../manifest/describe-value.js';
import { compileCapture, compilePattern } from '../../session/policies/pattern.js';
import { parseSendSpec, type SendSpec } from '../../session/policies/spec.js';
import { err, ok, type Result } from '../../util/result.js';

/** The placeholder an argv element carries for the job's prompt. */
export const PROMPT_PLACEHOLDER = '{prompt}';
/** The placeholder a resume argv element carries for the session id. */
export const SESSION_PLACEHOLDER = '{session}';
/** In `session.file`: the job's workdir. */
export const WORKDIR_PLACEHOLDER = '{workdir}';

/** Where the session id of a run is found. */
export type SessionSource =
  /** The first capture of `pattern` in the agent's plain-text output (lines, and the screen when full-screen). */
  | { kind: 'output'; pattern: string }
  /**
   * The newest file matching `glob` written during the attempt (`~` is the job's HOME,
   * `{workdir}` its workdir, relative globs start in the workdir); the id is the first capture
   * of `pattern` in its content, or without a pattern its name up to the first dot.
   */
  | { kind: 'file'; glob: string; pattern: string | null };

/** How `agent: generic` runs, defaults applied (`JobSpec.generic`). */
export interface GenericSpec {
  /** The argv; `{prompt}` in an element is replaced by the prompt (the element stays one argument); without any, the prompt is appended. */
  argv: string[];
  /** The argv that resumes session `{session}` with `{prompt}`; null: the job cannot resume. */
  resume: string[] | null;
  /** Where the session id comes from; null: none (the job cannot resume). */
  session: SessionSource | null;
  /**
   * An RE2 pattern that means the agent's work is done although its process stays (a TUI back at
   * its prompt): matched against each output line (and the screen when full-screen), it closes
   * the job as succeeded; null: the job ends when the agent exits.
   */
  done: string | null;
  /** The agent draws a full screen (a TUI): transcripts and live lines read its screen. */
  fullScreen: boolean;
  /** The stop ladder starts with Ctrl-C typed into the terminal. */
  interruptFirst: boolean;
  /** What a deny rule without `send` types; default: Esc for a full-screen agent, `n` and Enter otherwise. */
  decline: SendSpec;
  /** Extra variables for the agent (the job's `env` still wins). */
  env: Record<string, string>;
}

/** The `generic:` section as written, each key checked on its own (defaults merge key by key). */
export interface GenericOptions {
  argv?: string[];
  resume?: string[];
  session?: SessionSource;
  done?: string;
  fullScreen?: boolean;
  interruptFirst?: boolean;
  decline?: SendSpec;
  env?: Record<string, string>;
}

/** A problem in a `generic:` value; `path` starts below `generic`, `span` is inside the string at `path`. */
export interface GenericOptionProblem {
  path: string[];
  message: string;
  hint: string | null;
  span?: { start: number; end: number };
}

const KEYS = ['argv', 'resume', 'session', 'done', 'fullScreen', 'interruptFirst', 'decline', 'env'] as const;

/** What a full-screen agent's dialogs take as "no" when `decline` is not set: Esc, as codex, Claude Code and Gemini CLI do. */
const DECLINE_FULL_SCREEN: SendSpec = { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] };
/** A line-based agent's y/n question: `n` and Enter. */
const DECLINE_LINES: SendSpec = { kind: 'text', text: 'n', enter: true };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a written `generic:` value; every problem is returned, with its path below `generic`. */
export function parseGenericOptions(raw: unknown): Result<GenericOptions, GenericOptionProblem[]> {
  const problems: GenericOptionProblem[] = [];
  const add = (path: string[], message: string, hint: string | null = null, span?: { start: number; end: number }): void => {
    problems.push({ path, message, hint, ...(span === undefined ? {} : { span }) });
  };
  if (!isRecord(raw)) {
    add([], `expected a mapping such as { argv: [my-agent, "{prompt}"] }, found ${describeValue(raw)}`);
    return err(problems);
  }
  const out: GenericOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'argv': {
        const argv = parseArgv(value, [key], add);
        if (argv !== null) out.argv = argv;
        break;
      }
      case 'resume': {
        const argv = parseArgv(value, [key], add);
        if (argv === null) break;
        if (!argv.some((arg) => arg.includes(SESSION_PLACEHOLDER))) {
          add([key], `expected the resume argv to name the session with ${quote(SESSION_PLACEHOLDER)}, found none in ${JSON.stringify(argv)}`, 'a resume continues one session by its id, e.g. [my-agent, --resume, "{session}", "{prompt}"]');
        } else {
          out.resume = argv;
        }
        break;
      }
      case 'session': {
        const session = parseSession(value, add);
        if (session !== null) out.session = session;
        break;
      }
      case 'done': {
        if (typeof value !== 'string' || value === '') {
          add([key], `expected a regular expression (RE2) that matches what the agent shows when its work is done, found ${describeValue(value)}`);
          break;
        }
        const compiled = compilePattern(value, { ignoreCase: false });
        if (!compiled.ok) add([key], compiled.error.message, compiled.error.hint, compiled.error.at ?? undefined);
        else out.done = value;
        break;
      }
      case 'fullScreen':
      case 'interruptFirst':
        if (typeof value !== 'boolean') add([key], `expected true or false, found ${describeValue(value)}`);
        else out[key] = value;
        break;
      case 'decline': {
        const send = parseSendSpec(value);
        if (send.ok) out.decline = send.value;
        else for (const e of send.error) add([key, ...e.path], e.message, e.hint ?? null, e.span);
        break;
      }
      case 'env': {
        if (!isRecord(value)) {
          add([key], `expected a mapping of variable names to values, found ${describeValue(value)}`);
          break;
        }
        const env: Record<string, string> = {};
        for (const [name, v] of Object.entries(value)) {
          if (!ENV_NAME.test(name)) add([key, name], `expected a variable name (letters, digits, _), found ${quote(name)}`);
          else if (typeof v !== 'string') add([key, name], `expected a string value, found ${describeValue(v)}`, typeof v === 'number' || typeof v === 'boolean' ? `quote it: "${String(v)}"` : null);
          else env[name] = v;
        }
        out.env = env;
        break;
      }
      default:
        add([key], `unknown key ${quote(key)}: expected ${joinList(KEYS, 'or')}`);
    }
  }
  return problems.length > 0 ? err(problems) : ok(out);
}

/** `defaults.generic` under a job's own `generic`: key by key, the job's keys win; `env` merges by name. */
export function mergeGenericOptions(fromDefaults: GenericOptions, own: GenericOptions): GenericOptions {
  const merged: GenericOptions = { ...fromDefaults, ...own };
  if (fromDefaults.env !== undefined && own.env !== undefined) merged.env = { ...fromDefaults.env, ...own.env };
  return merged;
}

/** The spec of a generic job from its (merged, valid) options; `argv` is checked present by the manifest. */
export function genericSpecOf(options: GenericOptions | undefined): GenericSpec {
  const o = options ?? {};
  if (o.argv === undefined) throw new Error('Internal error: a generic job without generic.argv passed the manifest checks');
  const fullScreen = o.fullScreen ?? false;
  return {
    argv: o.argv,
    resume: o.resume ?? null,
    session: o.session ?? null,
    done: o.done ?? null,
    fullScreen,
    interruptFirst: o.interruptFirst ?? true,
    decline: o.decline ?? (fullScreen ? DECLINE_FULL_SCREEN : DECLINE_LINES),
    env: o.env ?? {},
  };
}

function parseArgv(value: unknown, path: string[], add: (path: string[], message: string, hint?: string | null) => void): string[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    add(path, `expected a non-empty list such as [my-agent, --prompt, "{prompt}"] (argv: no shell), found ${describeValue(value)}`, typeof value === 'string' ? 'write each argument as its own list item; codex-run never runs a shell string for an agent' : null);
    return null;
  }
  let good = true;
  value.forEach((arg: unknown, i) => {
    if (typeof arg !== 'string') {
      add([...path, String(i)], `expected a string argument, found ${describeValue(arg)}`, typeof arg === 'number' || typeof arg === 'boolean' ? `quote it: "${String(arg)}"` : null);
      good = false;
    } else if (i === 0 && arg.trim() === '') {
      add([...path, '0'], 'expected the program (a name on PATH or a path), found an empty string');
      good = false;
    } else if (i === 0 && (arg.includes(PROMPT_PLACEHOLDER) || arg.includes(SESSION_PLACEHOLDER))) {
      add([...path, '0'], `expected the program first, found the placeholder ${quote(arg)}`);
      good = false;
    }
  });
  return good ? (value as string[]) : null;
}

function parseSession(value: unknown, add: (path: string[], message: string, hint?: string | null, span?: { start: number; end: number }) => void): SessionSource | null {
  const example = '{ pattern: "session: (\\\\S+)" } or { file: "~/.my-agent/sessions/*.json" }';
  if (!isRecord(value)) {
    add(['session'], `expected ${example}, found ${describeValue(value)}`);
    return null;
  }
  let good = true;
  for (const key of Object.keys(value)) {
    if (key !== 'pattern' && key !== 'file') {
      add(['session', key], `unknown key ${quote(key)}: expected "pattern" or "file"`);
      good = false;
    }
  }
  const pattern = value['pattern'];
  const file = value['file'];
  if (pattern !== undefined) {
    if (typeof pattern !== 'string' || pattern === '') {
      add(['session', 'pattern'], `expected a regular expression with one capture group, found ${describeValue(pattern)}`);
      good = false;
    } else {
      const compiled = compileCapture(pattern);
      if (!compiled.ok) {
        add(['session', 'pattern'], compiled.error.message, compiled.error.hint, compiled.error.at ?? undefined);
        good = false;
      }
    }
  }
  if (file !== undefined && (typeof file !== 'string' || file.trim() === '')) {
    add(['session', 'file'], `expected a file pattern such as "~/.my-agent/sessions/*.json", found ${describeValue(file)}`);
    good = false;
  } else if (typeof file === 'string' && file.endsWith('/')) {
    add(['session', 'file'], `expected a pattern for files, found a folder ${quote(file)}`, `add a file name pattern, e.g. ${quote(`${file}*.json`)}`);
    good = false;
  }
  if (pattern === undefined && file === undefined) {
    add(['session'], `expected "pattern" (read the id from the output) or "file" (read it from a file the agent writes), found neither`, `e.g. ${example}`);
    return null;
  }
  if (!good) return null;
  if (typeof file === 'string') return { kind: 'file', glob: file, pattern: typeof pattern === 'string' ? pattern : null };
  return { kind: 'output', pattern: pattern as string };
}
