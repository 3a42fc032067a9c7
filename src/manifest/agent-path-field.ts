/**
 * An agent block's program or folder field (`codex.bin`, `claude.configDir`, ...): `${VAR}` is
 * expanded, and the result is made absolute from the manifest's folder when it is a path (a
 * folder always; a program when it holds a `/`, else it is a name looked up on PATH).
 */
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import { interpolate } from './interpolate.js';
import type { Diagnostic } from './model.js';

export function resolveAgentPath(value: string, key: string, context: FieldContext, kind: 'program' | 'folder'): Result<string, Diagnostic[]> {
  const expanded = interpolate(value, context.env);
  if (!expanded.ok) return err(expanded.error.map((p) => context.source.diagnostic([...context.path, key], p.message, { hint: p.hint })));
  return ok(kind === 'folder' || expanded.value.includes('/') ? path.resolve(context.manifestDir, expanded.value) : expanded.value);
}
