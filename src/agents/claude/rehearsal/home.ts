/**
 * A throw-away CLAUDE_CONFIG_DIR for a rehearsal: Claude Code keeps its config, sessions and
 * transcripts there and never reads the user's ~/.claude.json or ~/.claude.
 *
 * `.claude.json` is pre-seeded so the TUI goes straight to its prompt (verified with 2.1.332,
 * reference captures/32): a fresh home would first check api.anthropic.com and exit offline
 * ("Unable to connect to Anthropic services", captures/00a), then show the theme picker, the
 * "use this API key?" question (default No), the security notes and the trust dialog (default
 * "No, exit"). Seeded: onboarding done, the dummy key's last 20 characters approved, the job's
 * workdir trusted (under its given and its real name), the auto-mode notice seen.
 *
 * The child's environment points Claude Code at the job's route on the server and turns off
 * everything else that would reach the network (auto-update, telemetry, side requests); the
 * user's own ANTHROPIC_* / Claude credentials are removed.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RehearsalHome } from '../../adapter.js';

/** The API key Claude Code sends to the rehearsal server (sent as `x-api-key`; not a secret). */
export const REHEARSAL_API_KEY = 'sk-ant-api03-rehearsal-0000000000000000000000';

/** Variables the child must not inherit: credentials and endpoints that could reach a real service. */
const UNSET_PREFIXES = ['ANTHROPIC_', 'CLAUDE_CODE_USE_', 'AWS_BEARER_TOKEN_BEDROCK'];
const UNSET_NAMES = ['CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CONFIG_DIR', 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** Claude's credentials and endpoints, as AgentRehearsal.privateEnv (removed from every rehearsed child). */
export const CLAUDE_PRIVATE_ENV: readonly string[] = [...UNSET_PREFIXES.map((prefix) => `${prefix}*`), ...UNSET_NAMES.filter((name) => !/_proxy$/i.test(name))];

/** Whether the rehearsal removes `name` from the child's environment. */
export function isUnsetInRehearsal(name: string): boolean {
  return UNSET_NAMES.includes(name) || UNSET_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** What goes into `.claude.json`; pure, so it is tested without touching the disk. */
export function seededClaudeJson(trustedDirs: readonly string[]): string {
  const config = {
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: [REHEARSAL_API_KEY.slice(-20)], rejected: [] },
    projects: Object.fromEntries(trustedDirs.map((dir) => [dir, { hasTrustDialogAccepted: true }])),
    hasSeenAutoDefaultNotice: true,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The home of one claude job (see AgentRehearsal.createHome). */
export async function createClaudeHome(options: { baseUrl: string; workdir: string; parentDir: string; existingDir?: string }): Promise<RehearsalHome> {
  let dir: string;
  if (options.existingDir !== undefined) {
    dir = options.existingDir;
  } else {
    await mkdir(options.parentDir, { recursive: true, mode: 0o700 });
    dir = await mkdtemp(path.join(options.parentDir, 'claude-home-'));
    try {
      await writeFile(path.join(dir, '.claude.json'), seededClaudeJson(await trustedPaths(options.workdir)), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const env: Record<string, string> = {
    CLAUDE_CONFIG_DIR: dir,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: REHEARSAL_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  };
  return {
    dir,
    childEnv(base) {
      const result: Record<string, string> = {};
      for (const [name, value] of Object.entries(base)) {
        if (value !== undefined && !isUnsetInRehearsal(name)) result[name] = value;
      }
      return { ...result, ...env };
    },
  };
}

// Claude Code matches trust on the path it runs in: a workdir reached through a symlink is
// trusted under both names. A missing workdir keeps only its given name.
async function trustedPaths(workdir: string): Promise<string[]> {
  const absolute = path.resolve(workdir);
  const paths = new Set([absolute]);
  try {
    paths.add(await realpath(absolute));
  } catch {
    // Not there yet: the session layer reports a missing workdir itself.
  }
  return [...paths];
}
