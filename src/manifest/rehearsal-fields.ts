/**
 * `rehearsal:`: the scripted model turns a codex job gets under `--rehearse` (validated by
 * src/rehearsal/script.ts; this file only locates its problems in the YAML). In `defaults:`
 * it is the script of every job that has none.
 */
import { parseScript, type Turn } from '../rehearsal/script.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import type { Diagnostic } from './model.js';

export function resolveRehearsal(written: unknown[], context: FieldContext): Result<Turn[], Diagnostic[]> {
  const parsed = parseScript(written);
  if (parsed.ok) return ok(parsed.value);
  return err(
    parsed.error.map((issue) =>
      context.source.diagnostic([...context.path, ...issue.path.map(String)], issue.message, { hint: issue.hint ?? null }),
    ),
  );
}
