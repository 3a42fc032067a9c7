/**
 * The `gemini:` field of a job (and of `defaults:`): its field rule for job-fields.ts and where
 * it lands in the job model. The validation itself is src/agents/gemini/options.ts; this file
 * locates its problems in the YAML and resolves `gemini.bin` against the manifest.
 */
import { geminiSpecOf, mergeGeminiOptions, parseGeminiOptions, type GeminiOptions, type GeminiSpec } from '../agents/gemini/options.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import { resolveAgentPath } from './agent-path-field.js';
import type { Diagnostic } from './model.js';

/**
 * `gemini`: checked key by key. `bin` expands `${VAR}`; a path with a `/` is made absolute from
 * the manifest's folder (like `workdir`), a bare name stays a name looked up on the job's PATH.
 */
export function resolveGemini(written: Record<string, unknown>, context: FieldContext): Result<GeminiOptions, Diagnostic[]> {
  const parsed = parseGeminiOptions(written);
  if (!parsed.ok) {
    return err(parsed.error.map((p) => context.source.diagnostic([...context.path, ...p.path], p.message, { hint: p.hint })));
  }
  const options = parsed.value;
  if (typeof options.bin === 'string') {
    const bin = resolveAgentPath(options.bin, 'bin', context, 'program');
    if (!bin.ok) return bin;
    options.bin = bin.value;
  }
  return ok(options);
}

/** `defaults.gemini` merges key by key under the job's own. */
export const mergeGemini = mergeGeminiOptions;

/** A gemini job's spec, defaults applied. */
export function geminiOf(options: GeminiOptions | undefined): GeminiSpec {
  return geminiSpecOf(options);
}
