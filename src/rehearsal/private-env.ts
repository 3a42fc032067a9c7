/**
 * The environment every rehearsed agent child starts from (`--rehearse`): the runner's own,
 * without any credential or endpoint that ANY registered agent's rehearsal declares private
 * (`AgentRehearsal.privateEnv`), so a claude child never sees a real Gemini or OpenAI key and a
 * gemini child never sees a real Anthropic one, and without the proxy variables, so the "local"
 * requests of an agent that honours a proxy go straight to the model server on 127.0.0.1 and
 * never leave the machine. NO_PROXY names the loopback addresses for any agent that reads it.
 * Each agent's home then adds its own variables over this base (RehearsalHome.childEnv).
 */
import type { AgentRehearsal } from '../agents/adapter.js';

/** Proxy variables removed from every rehearsed child (both spellings; curl and others read the lower case). */
export const PROXY_ENV: readonly string[] = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];

/** What NO_PROXY (and no_proxy) is set to in a rehearsed child. */
export const REHEARSAL_NO_PROXY = '127.0.0.1,localhost,::1';

/** Whether `name` matches a `privateEnv` entry: an exact name, or a prefix written with a trailing `*`. */
export function matchesPrivateEnv(name: string, entries: readonly string[]): boolean {
  return entries.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/** The union of every rehearsal's `privateEnv`, plus the proxy variables. */
export function privateEnvUnion(rehearsals: readonly AgentRehearsal[]): string[] {
  return [...new Set([...rehearsals.flatMap((r) => r.privateEnv), ...PROXY_ENV])];
}

/** `base` without the private variables of `rehearsals` and the proxies, with NO_PROXY set to loopback. */
export function rehearsalBaseEnv(
  base: Readonly<Record<string, string | undefined>>,
  rehearsals: readonly AgentRehearsal[],
): Record<string, string> {
  const entries = privateEnvUnion(rehearsals);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !matchesPrivateEnv(name, entries)) result[name] = value;
  }
  return { ...result, NO_PROXY: REHEARSAL_NO_PROXY, no_proxy: REHEARSAL_NO_PROXY };
}
