/**
 * The argv of a generic agent's run from its template (`generic.argv`, or `generic.resume` for a
 * resume). Always an array, never a shell string: `{prompt}` and `{session}` are replaced inside
 * their elements in one pass (a prompt that contains "{session}" stays as written), so each
 * element stays one argument whatever the prompt holds. A template without `{prompt}` gets the
 * prompt as its last argument.
 */
import { PROMPT_PLACEHOLDER, SESSION_PLACEHOLDER } from './options.js';

const PLACEHOLDERS = /\{prompt\}|\{session\}/g;

/** The argv (program first) for `template` with `prompt` and, when the template names it, `session`. */
export function fillArgv(template: readonly string[], values: { prompt: string; session: string | null }): string[] {
  const filled = template.map((arg) =>
    arg.replace(PLACEHOLDERS, (placeholder) => {
      if (placeholder === PROMPT_PLACEHOLDER) return values.prompt;
      if (values.session === null) throw new Error('Internal error: a {session} placeholder without a session id');
      return values.session;
    }),
  );
  return template.some((arg) => arg.includes(PROMPT_PLACEHOLDER)) ? filled : [...filled, values.prompt];
}

/** Whether the template names the session (`{session}`): on a first run codex-run then chooses the id up front. */
export function namesSession(template: readonly string[]): boolean {
  return template.some((arg) => arg.includes(SESSION_PLACEHOLDER));
}
