/**
 * The supervision fields of a job in the manifest (`answers`, `idle`, `loop`, `maxOutput`):
 * their field rules for job-fields.ts and where they land in the job model. The validation
 * itself is src/session/policies/spec.ts; this file only locates its problems in the YAML.
 *
 * Each field resolves to its written value once it has passed validation, so that
 * `defaults:` can be merged key by key (`idle`) or rule list before rule list (`answers`)
 * before the final {@link supervisionOf} builds the typed spec.
 */
import { parseSupervision, type SupervisionSpec } from '../session/policies/spec.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import type { Diagnostic } from './model.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/** A supervision field as written, after validation. */
export type WrittenAnswers = unknown[];
export type WrittenIdle = Record<string, unknown>;
export type WrittenLoop = Record<string, unknown>;
export type WrittenSize = string | number;

// Validates one field on its own and points every problem at its place in the YAML.
function check<T>(name: string, written: T, context: FieldContext): FieldResult<T> {
  const parsed = parseSupervision({ [name]: name === 'idle' ? withoutNoKill(written as WrittenIdle) : written });
  if (parsed.ok) return ok(written);
  return err(
    parsed.error.map((problem) => {
      // problem.path starts with the field name; the context path already ends with it.
      return context.source.diagnostic([...context.path, ...problem.path.slice(1)], problem.message, {
        ...(problem.hint !== undefined ? { hint: problem.hint } : {}),
        ...(problem.span !== undefined ? { span: problem.span } : {}),
      });
    }),
  );
}

export const resolveAnswers = (written: WrittenAnswers, context: FieldContext): FieldResult<WrittenAnswers> =>
  check('answers', written, context);
export const resolveIdle = (written: WrittenIdle, context: FieldContext): FieldResult<WrittenIdle> => check('idle', written, context);
export const resolveLoop = (written: WrittenLoop, context: FieldContext): FieldResult<WrittenLoop> => check('loop', written, context);
export const resolveMaxOutput = (written: WrittenSize, context: FieldContext): FieldResult<WrittenSize> =>
  check('maxOutput', written, context);

/** A job's own rules are checked before the ones from `defaults:`. */
export const mergeAnswers = (fromDefaults: WrittenAnswers, own: WrittenAnswers): WrittenAnswers => [...own, ...fromDefaults];

/** `idle` from `defaults:` and the job's own merge key by key; the job's keys win. */
export const mergeIdle = (fromDefaults: WrittenIdle, own: WrittenIdle): WrittenIdle => ({ ...fromDefaults, ...own });

// `kill: none` (no idle kill, not even the agent's default) is the spec's "no kill".
function withoutNoKill(idle: WrittenIdle): WrittenIdle {
  if (idle['kill'] !== 'none') return idle;
  const { kill: _none, ...rest } = idle;
  return rest;
}

/**
 * The typed supervision spec of a job from its defaults-applied fields (each already valid).
 * Without an `idle.kill` of its own (or from `defaults:`), the job gets `defaultIdleKillMs`, its
 * agent's default, made longer than its `poke` (poke + the default) when the poke is not shorter.
 */
export function supervisionOf(
  fields: {
    answers?: WrittenAnswers | undefined;
    idle?: WrittenIdle | undefined;
    loop?: WrittenLoop | undefined;
    maxOutput?: WrittenSize | undefined;
  },
  defaultIdleKillMs: number | null = null,
): SupervisionSpec {
  const raw: Record<string, unknown> = {};
  if (fields.answers !== undefined) raw['answers'] = fields.answers;
  if (fields.idle !== undefined) raw['idle'] = withoutNoKill(fields.idle);
  if (fields.loop !== undefined) raw['loop'] = fields.loop;
  if (fields.maxOutput !== undefined) raw['maxOutput'] = fields.maxOutput;
  const parsed = parseSupervision(raw);
  if (!parsed.ok) {
    throw new Error(`Internal error: supervision fields passed their checks but not together: ${parsed.error.map((e) => e.message).join('; ')}`);
  }
  const spec = parsed.value;
  if (defaultIdleKillMs !== null && fields.idle?.['kill'] === undefined) {
    const poke = spec.idle.pokeMs;
    spec.idle.killMs = poke !== null && poke >= defaultIdleKillMs ? poke + defaultIdleKillMs : defaultIdleKillMs;
  }
  return spec;
}
