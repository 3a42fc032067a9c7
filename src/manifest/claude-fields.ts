/**
 * The `claude:` field of a job (and of `defaults:`): its field rule for job-fields.ts and where
 * it lands in the job model. The validation itself is src/agents/claude/options.ts; this file
 * locates its problems in the YAML and resolves `claude.bin` / `claude.configDir` against the
 * manifest (like codex-fields.ts).
 */
import { claudeSpecOf, mergeClaudeOptions, parseClaudeOptions, type ClaudeOptions, type ClaudeSpec } from '../agents/claude/options.js';
import { err, ok, type Result } from '../util/result.js';
import type { FieldContext } from './job-fields.js';
import { resolveAgentPath } from './agent-path-field.js';
import type { AgentKind, Diagnostic } from './model.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

/**
 * `claude`: checked key by key. `bin` and `configDir` expand `${VAR}`; `configDir` is made
 * absolute from the manifest's folder, `bin` too when it holds a `/` (else it is a name looked
 * up on the job's PATH).
 */
export function resolveClaude(written: Record<string, unknown>, context: FieldContext): FieldResult<ClaudeOptions> {
  const parsed = parseClaudeOptions(written);
  if (!parsed.ok) {
    return err(parsed.error.map((p) => context.source.diagnostic([...context.path, ...p.path], p.message, { hint: p.hint })));
  }
  const options = parsed.value;
  const diagnostics: Diagnostic[] = [];
  for (const key of ['bin', 'configDir'] as const) {
    const value = options[key];
    if (typeof value !== 'string') continue;
    const resolved = resolveAgentPath(value, key, context, key === 'configDir' ? 'folder' : 'program');
    if (resolved.ok) options[key] = resolved.value;
    else diagnostics.push(...resolved.error);
  }
  return diagnostics.length > 0 ? err(diagnostics) : ok(options);
}

/** `defaults.claude` merges key by key under the job's own. */
export const mergeClaude = mergeClaudeOptions;

/** A job's claude spec, for claude jobs only (other agents' JobSpec keeps its shape). */
export function claudeField(agent: AgentKind, options: ClaudeOptions | undefined): { claude?: ClaudeSpec } {
  return agent === 'claude' ? { claude: claudeSpecOf(options) } : {};
}
