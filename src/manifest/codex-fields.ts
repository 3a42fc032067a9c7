/**
 * The `codex:` field of a job (and of `defaults:`): its field rule for job-fields.ts and where
 * it lands in the job model. The validation itself is src/agents/codex/options.ts; this file
 * locates its problems in the YAML and resolves `codex.bin` against the manifest.
 */
import { codexSpecOf, mergeCodexOptions, parseCodexOptions, type CodexOptions, type CodexSpec } from '../agents/codex/options.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import { resolveAgentPath } from './agent-path-field.js';
import type { AgentKind, Diagnostic } from './model.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/**
 * `codex`: checked key by key. `bin` expands `${VAR}`; a path with a `/` is made absolute from
 * the manifest's folder (like `workdir`), a bare name stays a name looked up on the job's PATH.
 */
export function resolveCodex(written: Record<string, unknown>, context: FieldContext): FieldResult<CodexOptions> {
  const parsed = parseCodexOptions(written);
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

/** `defaults.codex` merges key by key under the job's own (see mergeCodexOptions). */
export const mergeCodex = mergeCodexOptions;

/** A job's codex spec: defaults applied for codex jobs, null for other agents. */
export function codexOf(agent: AgentKind, options: CodexOptions | undefined): CodexSpec | null {
  return agent === 'codex' ? codexSpecOf(options) : null;
}
