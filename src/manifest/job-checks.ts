/**
 * Checks on jobs that no single field's rule can make: names that would act on a terminal,
 * fields that the job's agent never reads, and NUL characters, which no argument, variable or
 * path can carry (the spawn would fail at run time instead of here).
 */
import { quote } from './describe-value.js';
import type { Diagnostic } from './model.js';
import { firstUnsafeChar } from './unsafe-text.js';
import type { ValuePath, YamlSource } from './yaml-source.js';

/** Fields only codex jobs read; on a command job they would be ignored. */
const CODEX_ONLY_FIELDS = ['prompt', 'codex', 'rehearsal', 'resume'] as const;

/** Option blocks that belong to one agent, and that agent. */
const AGENT_OPTION_FIELDS = [
  ['codex', 'codex'],
  ['claude', 'claude'],
  ['gemini', 'gemini'],
] as const;

/** Fields whose strings become arguments, environment variables or paths of a process. */
const PROCESS_FIELDS = ['command', 'prompt', 'workdir', 'env', 'codex', 'resume', 'generic', 'claude', 'gemini'] as const;

/** Every problem of this kind in the manifest's `defaults:` and jobs. */
export function jobProblems(source: YamlSource, root: Record<string, unknown>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const defaults = asRecord(root['defaults']);
  const jobs = asRecord(root['jobs']) ?? {};
  if (defaults !== null) diagnostics.push(...nulProblems(source, defaults, ['defaults']));
  for (const name of source.keysAt(['jobs'])) {
    const unsafe = firstUnsafeChar(name);
    if (unsafe !== null) {
      diagnostics.push(
        source.diagnostic(['jobs', name], `job name ${quote(name)} contains ${unsafe.description}, which would act on the terminal it is shown in`, {
          part: 'key',
          hint: 'use letters, digits, spaces and punctuation only in job names',
        }),
      );
    }
    const job = asRecord(jobs[name]);
    if (job === null) continue;
    diagnostics.push(...nulProblems(source, job, ['jobs', name]));
    const agent = job['agent'] ?? defaults?.['agent'] ?? 'codex';
    diagnostics.push(...genericProblems(source, name, agent, job, defaults));
    if (agent === 'command') {
      for (const field of CODEX_ONLY_FIELDS) {
        if (job[field] === undefined) continue;
        diagnostics.push(
          source.diagnostic(['jobs', name, field], `'${field}' is only for ${field === 'codex' ? 'codex jobs' : 'agent jobs'}, and job ${quote(name)} is 'agent: command': it would be ignored`, {
            part: 'key',
            hint: `remove '${field}', or run the job with ${field === 'codex' ? "'agent: codex'" : "an agent ('agent: codex', 'claude', 'gemini' or 'generic')"}`,
          }),
        );
      }
    } else if (agent === 'codex' && job['command'] !== undefined && (job['prompt'] ?? defaults?.['prompt']) !== undefined) {
      // (Without a prompt the schema's "has no 'prompt'" error already suggests 'agent: command'.)
      diagnostics.push(
        source.diagnostic(['jobs', name, 'command'], `'command' is only for 'agent: command' jobs, and job ${quote(name)} is a codex job: it would be ignored`, {
          part: 'key',
          hint: "remove 'command', or add 'agent: command' to the job",
        }),
      );
    }
    // An agent's own options on another agent's job (codex's on a command job is said above).
    for (const [field, owner] of AGENT_OPTION_FIELDS) {
      if (job[field] === undefined || agent === owner || (field === 'codex' && agent === 'command')) continue;
      diagnostics.push(
        source.diagnostic(['jobs', name, field], `'${field}' is only for 'agent: ${owner}' jobs, and job ${quote(name)} is 'agent: ${String(agent)}': it would be ignored`, {
          part: 'key',
          hint: `remove '${field}', or run the job with 'agent: ${owner}'`,
        }),
      );
    }
  }
  return diagnostics;
}

// `agent: generic` needs `generic.argv` (in the job or in `defaults:`); other agents never read `generic:`.
function genericProblems(source: YamlSource, name: string, agent: unknown, job: Record<string, unknown>, defaults: Record<string, unknown> | null): Diagnostic[] {
  const own = asRecord(job['generic']);
  const inherited = asRecord(defaults?.['generic']);
  if (agent !== 'generic') {
    if (job['generic'] === undefined) return [];
    return [
      source.diagnostic(['jobs', name, 'generic'], `'generic' is only for 'agent: generic' jobs, and job ${quote(name)} is 'agent: ${String(agent)}': it would be ignored`, {
        part: 'key',
        hint: "remove 'generic', or add 'agent: generic' to the job",
      }),
    ];
  }
  const problems: Diagnostic[] = [];
  if (job['command'] !== undefined) {
    problems.push(
      source.diagnostic(['jobs', name, 'command'], `'command' is only for 'agent: command' jobs, and job ${quote(name)} is 'agent: generic': it would be ignored`, {
        part: 'key',
        hint: "put the agent's program and arguments in 'generic.argv' instead",
      }),
    );
  }
  if (job['rehearsal'] !== undefined) {
    problems.push(
      source.diagnostic(['jobs', name, 'rehearsal'], `'rehearsal' scripts a model for the agents codex-run knows, and job ${quote(name)} is 'agent: generic': it would be ignored`, {
        part: 'key',
        hint: "remove 'rehearsal'; under --rehearse a generic job runs as it is (point its argv at a stand-in to rehearse it)",
      }),
    );
  }
  // A job's own `resume:` must be able to happen (one inherited from `defaults:` may be meant for other agents; doctor warns).
  if (job['resume'] !== undefined && (own !== null || inherited !== null)) {
    const has = (key: string): boolean => own?.[key] !== undefined || inherited?.[key] !== undefined;
    const argv = own?.['argv'] ?? inherited?.['argv'];
    const chosen = Array.isArray(argv) && argv.some((arg) => typeof arg === 'string' && arg.includes('{session}'));
    const missing = !has('resume') ? "'generic.resume' (the argv that continues a session)" : !has('session') && !chosen ? "'generic.session' (where the session id comes from)" : null;
    if (missing !== null) {
      problems.push(
        source.diagnostic(['jobs', name, 'resume'], `job ${quote(name)} has 'resume:' but no ${missing}: it could never be resumed`, {
          part: 'key',
          hint: 'e.g. generic: { resume: [my-agent, --resume, "{session}", "{prompt}"], session: { pattern: "session: (\\S+)" } }',
        }),
      );
    }
  }
  if (own?.['argv'] !== undefined || inherited?.['argv'] !== undefined) return problems;
  const example = "generic: { argv: [my-agent, --prompt, \"{prompt}\"] }";
  if (job['generic'] !== undefined) {
    return [...problems, source.diagnostic(['jobs', name, 'generic'], `job ${quote(name)} has no 'generic.argv': agent: generic needs the agent's argv`, { part: 'key', hint: `e.g. ${example}` })];
  }
  const at = job['agent'] !== undefined ? ['jobs', name, 'agent'] : ['jobs', name];
  return [...problems, source.diagnostic(at, `job ${quote(name)} is 'agent: generic' but has no 'generic:' section: it needs the agent's argv`, { ...(job['agent'] === undefined ? { part: 'key' as const } : {}), hint: `add ${example} to the job, or to 'defaults:'` })];
}

// NUL characters in the strings a process would be given, each located at its value.
function nulProblems(source: YamlSource, fields: Record<string, unknown>, base: ValuePath): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const walk = (value: unknown, path: ValuePath): void => {
    if (typeof value === 'string') {
      const index = value.indexOf('\0');
      if (index !== -1) {
        diagnostics.push(
          source.diagnostic(path, `found a NUL character (\\0) at character ${index + 1}: no program argument, environment variable or path can hold one`, {
            hint: 'remove the \\0',
          }),
        );
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, String(i)]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  for (const field of PROCESS_FIELDS) {
    if (fields[field] !== undefined) walk(fields[field], [...base, field]);
  }
  return diagnostics;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
