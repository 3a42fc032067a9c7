/**
 * The `generic:` field of a job (and of `defaults:`): its field rule for job-fields.ts. The
 * validation itself is src/agents/generic/options.ts; this file locates its problems in the
 * YAML, expands `${VAR}` in the argv templates and `env`, and makes a program path with a `/`
 * absolute from the manifest's folder (a bare name stays a name looked up on the job's PATH).
 */
import path from 'node:path';
import { mergeGenericOptions, parseGenericOptions, type GenericOptions } from '../agents/generic/options.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import { interpolate } from './interpolate.js';
import type { Diagnostic } from './model.js';
import type { ValuePath } from './yaml-source.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/** `generic`: checked key by key; see the module comment for what is expanded. */
export function resolveGeneric(written: Record<string, unknown>, context: FieldContext): FieldResult<GenericOptions> {
  const parsed = parseGenericOptions(written);
  if (!parsed.ok) {
    return err(parsed.error.map((p) => context.source.diagnostic([...context.path, ...p.path], p.message, { hint: p.hint, ...(p.span === undefined ? {} : { span: p.span }) })));
  }
  const options = parsed.value;
  const diagnostics: Diagnostic[] = [];
  const expand = (text: string, at: ValuePath): string => {
    const expanded = interpolate(text, context.env);
    if (expanded.ok) return expanded.value;
    diagnostics.push(...expanded.error.map((p) => context.source.diagnostic([...context.path, ...at], p.message, { hint: p.hint, span: { start: p.start, end: p.end } })));
    return text;
  };
  const argv = (list: string[], key: string): string[] =>
    list.map((arg, i) => {
      const value = expand(arg, [key, String(i)]);
      return i === 0 && value.includes('/') ? path.resolve(context.manifestDir, value) : value;
    });
  if (options.argv !== undefined) options.argv = argv(options.argv, 'argv');
  if (options.resume !== undefined) options.resume = argv(options.resume, 'resume');
  if (options.env !== undefined) options.env = Object.fromEntries(Object.entries(options.env).map(([name, value]) => [name, expand(value, ['env', name])]));
  return diagnostics.length > 0 ? err(diagnostics) : ok(options);
}

/** `defaults.generic` merges key by key under the job's own (see mergeGenericOptions). */
export const mergeGeneric = mergeGenericOptions;
