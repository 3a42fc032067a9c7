import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';

/** The variables `${VAR}` reads: the runner's environment. */
export type Env = Readonly<Record<string, string | undefined>>;

/** One bad or unresolvable `${...}`; `start`/`end` are offsets in the text (end exclusive). */
export interface InterpolationProblem {
  start: number;
  end: number;
  message: string;
  hint: string | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

// Marks an Env whose unset variables expand to a placeholder instead of failing.
const PLACEHOLDERS = Symbol('codex-run.unset-variable-placeholders');

/**
 * `env` where a `${VAR}` that is not set expands to {@link unsetPlaceholder} instead of being an
 * error: for `codex-run plan`, which needs variable names, not values (a CI plan job has no secrets).
 */
export function withUnsetPlaceholders(env: Env): Env {
  return Object.assign(Object.create(null) as Record<string, string | undefined>, env, { [PLACEHOLDERS]: true });
}

/** What an unset `${NAME}` expands to under {@link withUnsetPlaceholders}. */
export function unsetPlaceholder(name: string): string {
  return `\u2039unset:${name}\u203a`;
}

/** The variable names of the placeholders in `text`. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\u2039unset:([A-Za-z_][A-Za-z0-9_]*)\u203a/g)].map((m) => m[1]!))];
}

/**
 * Expands `${VAR}` and `${VAR:-default}` (the default applies when VAR is unset or empty, as in
 * sh) and turns `$${` into a literal `${`. Any other `$` is kept as written. Every problem in the
 * text is reported, not just the first.
 */
export function interpolate(text: string, env: Env): Result<string, InterpolationProblem[]> {
  const problems: InterpolationProblem[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i] ?? '';
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      problems.push({
        start: i,
        end: text.length,
        message: `unterminated "\${" in ${quote(text)}: expected "}" to close it`,
        hint: 'write ${NAME} or ${NAME:-default}; for a literal "${" write "$${"',
      });
      break;
    }
    const expanded = expandReference(text.slice(i + 2, close), env);
    if (expanded.ok) out += expanded.value;
    else problems.push({ start: i, end: close + 1, ...expanded.error });
    i = close + 1;
  }
  return problems.length === 0 ? ok(out) : err(problems);
}

// The value of one `${...}` given its inside (`NAME` or `NAME:-default`).
function expandReference(inside: string, env: Env): Result<string, Omit<InterpolationProblem, 'start' | 'end'>> {
  const written = quote(`\${${inside}}`);
  const name = NAME.exec(inside)?.[0];
  if (name === undefined) {
    return err({
      message: `expected a variable name after "\${", found ${written}`,
      hint: 'names are letters, digits and _, not starting with a digit, e.g. ${HOME}',
    });
  }
  const rest = inside.slice(name.length);
  if (rest !== '' && !rest.startsWith(':-')) {
    return err({ message: `unsupported ${written}: expected \${${name}} or \${${name}:-default}`, hint: null });
  }
  const fallback = rest === '' ? null : rest.slice(2);
  if (fallback !== null && fallback.includes('${')) {
    return err({ message: `nested "\${" in the default of ${written} is not supported`, hint: null });
  }
  const value = env[name];
  if (fallback !== null) return ok(value === undefined || value === '' ? fallback : value);
  if (value === undefined) {
    if ((env as { [PLACEHOLDERS]?: boolean })[PLACEHOLDERS] === true) return ok(unsetPlaceholder(name));
    return err({
      message: `environment variable ${name} is not set`,
      hint: `set ${name}, or write \${${name}:-} to default to empty`,
    });
  }
  return ok(value);
}
