import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { buildManifest } from './build-manifest.js';
import type { Env } from './interpolate.js';
import type { Diagnostic, SourceLocation, Manifest } from './model.js';
import { readSourceFile } from './read-source-file.js';
import { readYaml } from './read-yaml.js';
import { validateAgainstSchema } from './schema.js';
import { explainSchemaErrors } from './schema-diagnostics.js';

/** The largest manifest read: far more than any real one, small enough to parse at once. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Options for {@link loadManifest}. */
export interface LoadManifestOptions {
  /** Variables for `${VAR}` in env values and workdirs. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** The current time, for checks on schedules' fire times. Default: Date.now(). */
  now?: number;
}

/** Why a manifest did not load: every problem found, and the source text of each file they point into. */
export interface ManifestFailure {
  /** Sorted by file and position; never empty. */
  diagnostics: Diagnostic[];
  /** File path -> source text, for printing the lines diagnostics point at. */
  sources: Map<string, string>;
}

/**
 * Loads a manifest: reads it, parses the YAML, validates it against schemas/jobs.schema.json,
 * runs the checks a schema cannot (variables, folders, durations) and builds the job model.
 * All problems are collected before failing. Never throws for a bad manifest.
 */
export async function loadManifest(file: string, options: LoadManifestOptions = {}): Promise<Result<Manifest, ManifestFailure>> {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const env: Env = options.env ?? process.env;
  const atStart = (message: string, hint: string | null): Diagnostic => {
    const diagnostic: Diagnostic = { severity: 'error', message, location: { file: absolute, line: 1, col: 1, endLine: 1, endCol: 1 } };
    if (hint !== null) diagnostic.hint = hint;
    return diagnostic;
  };

  const text = await readSourceFile(absolute, MAX_MANIFEST_BYTES);
  if (!text.ok) {
    const at = text.error.at;
    if (at === undefined) return fail([atStart(text.error.message, text.error.hint)], absolute, '');
    const location = { file: absolute, line: at.line, col: at.col, endLine: at.line, endCol: at.col + 1 };
    const diagnostic: Diagnostic = { severity: 'error', message: text.error.message, location };
    if (text.error.hint !== null) diagnostic.hint = text.error.hint;
    return fail([diagnostic], absolute, at.text);
  }
  const failWith = (diagnostics: Diagnostic[]) => fail(diagnostics, absolute, text.value);

  const yaml = readYaml(absolute, text.value);
  if (!yaml.data.ok) return failWith(yaml.data.error);
  const data = yaml.data.value;
  if (data === null || data === undefined) {
    return failWith([...yaml.diagnostics, atStart("the manifest is empty: expected 'version: 1' and 'jobs:'", 'start from the template that `codex-run init` writes')]);
  }

  const schema = explainSchemaErrors(validateAgainstSchema(data), yaml.source);
  const built = await buildManifest({ source: yaml.source, data, rejected: schema.rejected, dir, env, ...(options.now !== undefined ? { now: options.now } : {}) });
  const diagnostics = [...yaml.diagnostics, ...schema.diagnostics, ...built.diagnostics];
  // Duplicate keys: check the copies the data dropped as well, so one duplicate hides nothing.
  for (const view of yaml.views ?? []) {
    const viewSchema = explainSchemaErrors(validateAgainstSchema(view.data), view.source);
    const viewBuilt = await buildManifest({ source: view.source, data: view.data, rejected: viewSchema.rejected, dir, env });
    diagnostics.push(...viewSchema.diagnostics, ...viewBuilt.diagnostics);
  }
  const masked = yaml.masked ?? [];
  const shown = diagnostics.filter((d) => !masked.some((range) => d.location !== range && within(d.location, range)));
  if (shown.length > 0 || built.manifest === null) return failWith(unique(shown));
  return ok(built.manifest);
}

// Whether `inner` lies inside `outer` (same file).
function within(inner: SourceLocation, outer: SourceLocation): boolean {
  const starts = (l: number, c: number): number => l * 1_000_000 + c;
  return (
    inner.file === outer.file &&
    starts(inner.line, inner.col) >= starts(outer.line, outer.col) &&
    starts(inner.endLine, inner.endCol) <= starts(outer.endLine, outer.endCol)
  );
}

// The same problem found in two views of a document with duplicate keys is reported once.
function unique(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.location.line}:${d.location.col}:${d.location.endLine}:${d.location.endCol}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function fail(diagnostics: Diagnostic[], file: string, text: string): { ok: false; error: ManifestFailure } {
  if (diagnostics.length === 0) throw new Error('Internal error: manifest rejected without a diagnostic');
  return err({ diagnostics: inSourceOrder(diagnostics), sources: new Map([[file, text]]) });
}

// In source order, which is how people fix them; the sort is stable, so ties keep discovery order.
function inSourceOrder(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line || a.location.col - b.location.col,
  );
}
