/**
 * A job's private Gemini CLI home for a rehearsal: `GEMINI_CLI_HOME=<dir>` makes gemini keep
 * everything in `<dir>/.gemini` (settings, trusted folders, sessions, installation id) and never
 * read the user's ~/.gemini; the child's HOME stays the user's, so the commands the agent runs
 * see the usual git and shell configuration.
 *
 * What it holds, so an unattended TUI reaches its prompt with no person (reference README §5,
 * captures/21, verified with 0.61.0):
 * - settings.json `security.auth.selectedType: gemini-api-key`: no auth dialog (captures/02,
 *   03); also required by `-p`, which otherwise picks auth type `gateway` and exits 41;
 * - trustedFolders.json with the job's workdir (given and real path): no trust dialog
 *   (captures/01);
 * - no update check or notification, no usage statistics or telemetry, no IDE nudge: nothing
 *   reaches the network besides the model server.
 * The environment points the CLI at the server (`GOOGLE_GEMINI_BASE_URL`, to which it appends
 * `/v1beta/models/…`) with a dummy `GEMINI_API_KEY`; every other GEMINI_* and GOOGLE_* variable
 * of the user (real keys, Vertex or Code Assist switches, custom headers) is removed.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RehearsalHome } from '../../adapter.js';

/** The API key the rehearsal child gets: never a real one; the server ignores it. */
export const REHEARSAL_GEMINI_KEY = 'codex-run-rehearsal-key';

/** Variables removed from the child: any of these prefixes (the user's keys and endpoints). */
const UNSET_PREFIXES = ['GEMINI_', 'GOOGLE_'];

/** Gemini's credentials and endpoints, as AgentRehearsal.privateEnv (removed from every rehearsed child). */
export const GEMINI_PRIVATE_ENV: readonly string[] = UNSET_PREFIXES.map((prefix) => `${prefix}*`);

/** What settings.json holds (see the file comment). */
export function rehearsalSettings(): Record<string, unknown> {
  return {
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ide: { enabled: false, hasSeenNudge: true },
  };
}

/**
 * Creates (or, for `codex-run resume`, rewrites in `existingDir`) the home for one job.
 * Rejects with the fs error when it cannot be written.
 */
export async function createGeminiHome(options: { baseUrl: string; workdir: string; parentDir: string; existingDir?: string }): Promise<RehearsalHome> {
  let dir: string;
  if (options.existingDir !== undefined) {
    dir = options.existingDir;
  } else {
    await mkdir(options.parentDir, { recursive: true, mode: 0o700 });
    dir = await mkdtemp(path.join(options.parentDir, 'gemini-home-'));
  }
  try {
    const config = path.join(dir, '.gemini');
    await mkdir(config, { recursive: true, mode: 0o700 });
    await writeFile(path.join(config, 'settings.json'), `${JSON.stringify(rehearsalSettings(), null, 2)}\n`, { mode: 0o600 });
    const trusted = Object.fromEntries((await bothNames(options.workdir)).map((p) => [p, 'TRUST_FOLDER']));
    await writeFile(path.join(config, 'trustedFolders.json'), `${JSON.stringify(trusted, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    if (options.existingDir === undefined) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const env = { GEMINI_CLI_HOME: dir, GOOGLE_GEMINI_BASE_URL: options.baseUrl, GEMINI_API_KEY: REHEARSAL_GEMINI_KEY };
  return {
    dir,
    childEnv(base) {
      const result: Record<string, string> = {};
      for (const [name, value] of Object.entries(base)) {
        if (value !== undefined && !UNSET_PREFIXES.some((prefix) => name.startsWith(prefix))) result[name] = value;
      }
      return { ...result, ...env };
    },
  };
}

// Gemini matches trust on the path it runs in: a workdir reached through a symlink is trusted under both names.
async function bothNames(workdir: string): Promise<string[]> {
  const absolute = path.resolve(workdir);
  try {
    const real = await realpath(absolute);
    return real === absolute ? [absolute] : [absolute, real];
  } catch {
    return [absolute];
  }
}
