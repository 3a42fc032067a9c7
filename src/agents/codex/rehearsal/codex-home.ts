/**
 * A throw-away CODEX_HOME for a rehearsal: codex reads its config, writes its sessions and
 * keeps its state there, and never looks at the user's ~/.codex (config, auth, sessions).
 *
 * The config points codex at the rehearsal model server and pre-answers every first-run screen
 * that would otherwise stop an unattended TUI (measured with codex-cli 0.169.0):
 * - sign-in screen (captures/16): shown when no provider is configured; the custom provider
 *   needs no login, so it never appears;
 * - update prompt: `check_for_update_on_startup = false` (its default option RUNS the update);
 * - trust screen (captures/01): every job workdir is marked `trust_level = "trusted"`;
 * - model migration screen (captures/08, "Meet GPT-6 Sol"): shown for older catalog models
 *   until `[notice.model_migrations]` records it as seen; that screen ignored keys sent to it;
 * - screen-reader probe: `[tui] screen_reader_detection_done = true`.
 * It also turns off what would reach the network besides the model server: analytics, and the
 * plugin and apps sync (`git ls-remote https://github.com/openai/plugins.git`, chatgpt.com).
 * A project's own `.codex/config.toml` cannot switch the provider back: codex ignores
 * `model_provider` and `model_providers` there ("Ignored unsupported project-local config keys").
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The model to rehearse with by default: codex-cli 0.169.0's own default, so the screens match
 * a real run. Being a catalog model, codex offers it the freeform apply_patch tool and prints no
 * "Model metadata ... not found" warning; it has no migration screen.
 */
export const REHEARSAL_MODEL = 'gpt-6.1-sol';

/** The provider id written to config.toml; codex prints it as `provider: rehearsal`. */
export const REHEARSAL_PROVIDER = 'rehearsal';

/**
 * Catalog models that open a blocking "Meet GPT-6 …" migration screen in the TUI, with the
 * target codex expects in `[notice.model_migrations]` to treat it as seen (measured, 0.169.0).
 */
const MODEL_MIGRATIONS_SEEN: Readonly<Record<string, string>> = {
  'gpt-5.5': 'gpt-6-sol',
  'gpt-5.6-sol': 'gpt-6-sol',
  'gpt-5.6-terra': 'gpt-6-sol',
  'gpt-5.6-luna': 'gpt-6-luna',
};

/**
 * Variables the codex child must not inherit during a rehearsal: credentials and endpoints that
 * could send a request somewhere other than the model server.
 */
export const REHEARSAL_UNSET_ENV: readonly string[] = [
  'OPENAI_API_KEY',
  'CODEX_API_KEY',
  'CODEX_ACCESS_TOKEN',
  'OPENAI_BASE_URL',
  'CODEX_EXEC_SERVER_URL',
];

export interface RehearsalHomeOptions {
  /** The job's base URL on the model server (`ModelServer.baseUrl(jobKey)`). */
  baseUrl: string;
  /** Working directories to mark trusted (made absolute; symlinks are trusted under both names). */
  workdirs: readonly string[];
  /** The model slug codex asks for, e.g. {@link REHEARSAL_MODEL}. */
  model: string;
  /**
   * Folder to create the home in. Default: the OS temp folder. Codex prints
   * `WARNING: proceeding, even though we could not create PATH aliases` for a home under /tmp;
   * a home inside the run folder avoids it (when that is not under /tmp).
   */
  parentDir?: string;
  /**
   * `codex-run resume`: use this existing home (an earlier rehearsal's, with its sessions)
   * instead of a new one; its config.toml is rewritten for this rehearsal's server, and
   * dispose() leaves it in place.
   */
  existingDir?: string;
}

/** A created rehearsal home. */
export interface RehearsalHome {
  /** The CODEX_HOME folder (mode 0700). */
  dir: string;
  /** Variables to set in the codex child: CODEX_HOME and CODEX_SQLITE_HOME. */
  env: Record<string, string>;
  /** Variables to remove from the codex child's environment ({@link REHEARSAL_UNSET_ENV}). */
  unsetEnv: readonly string[];
  /** `base` with {@link unsetEnv} removed and {@link env} applied: the child's whole environment. */
  childEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string>;
  /** Removes the folder and everything codex wrote in it. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Creates the home folder and its config.toml. Rejects (with the fs error) only when the folder
 * or file cannot be written.
 */
export async function createRehearsalHome(options: RehearsalHomeOptions): Promise<RehearsalHome> {
  const parent = options.parentDir ?? tmpdir();
  const reused = options.existingDir;
  let dir: string;
  if (reused !== undefined) {
    dir = reused;
    const trusted = await trustedPaths(options.workdirs);
    await writeFile(path.join(dir, 'config.toml'), rehearsalConfigToml({ baseUrl: options.baseUrl, model: options.model, trustedDirs: trusted }), { mode: 0o600 });
  } else {
    await mkdir(parent, { recursive: true, mode: 0o700 });
    dir = await mkdtemp(path.join(parent, 'codex-home-'));
    try {
      const trusted = await trustedPaths(options.workdirs);
      const toml = rehearsalConfigToml({ baseUrl: options.baseUrl, model: options.model, trustedDirs: trusted });
      await writeFile(path.join(dir, 'config.toml'), toml, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const env = { CODEX_HOME: dir, CODEX_SQLITE_HOME: dir };
  return {
    dir,
    env,
    unsetEnv: REHEARSAL_UNSET_ENV,
    childEnv(base) {
      const result: Record<string, string> = {};
      for (const [name, value] of Object.entries(base)) {
        if (value !== undefined && !REHEARSAL_UNSET_ENV.includes(name)) result[name] = value;
      }
      return { ...result, ...env };
    },
    dispose: () => (reused !== undefined ? Promise.resolve() : rm(dir, { recursive: true, force: true })),
  };
}

// Codex matches trust on the path it runs in; a workdir reached through a symlink is trusted
// under both its given and its real name. A missing workdir keeps only its given name.
async function trustedPaths(workdirs: readonly string[]): Promise<string[]> {
  const paths = new Set<string>();
  for (const workdir of workdirs) {
    const absolute = path.resolve(workdir);
    paths.add(absolute);
    try {
      paths.add(await realpath(absolute));
    } catch {
      // Not there yet: the session layer reports a missing workdir itself.
    }
  }
  return [...paths];
}

/** What goes into config.toml; pure, so it is tested without touching the disk. */
export function rehearsalConfigToml(options: { baseUrl: string; model: string; trustedDirs: readonly string[] }): string {
  const lines = [
    '# Written by codex-run for a rehearsal: codex talks to the scripted model server only.',
    `model = ${tomlString(options.model)}`,
    `model_provider = ${tomlString(REHEARSAL_PROVIDER)}`,
    'check_for_update_on_startup = false',
    '',
    `[model_providers.${REHEARSAL_PROVIDER}]`,
    `name = ${tomlString('codex-run rehearsal')}`,
    `base_url = ${tomlString(options.baseUrl)}`,
    'wire_api = "responses"',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    'remote_plugin = false',
    'plugin_sharing = false',
    'apps = false',
    '',
    '[notice]',
    'hide_full_access_warning = true',
    'hide_world_writable_warning = true',
    'hide_rate_limit_model_nudge = true',
    '',
    '[notice.model_migrations]',
    ...Object.entries(MODEL_MIGRATIONS_SEEN).map(([from, to]) => `${tomlString(from)} = ${tomlString(to)}`),
    '',
    '[tui]',
    'screen_reader_detection_done = true',
  ];
  for (const dir of options.trustedDirs) {
    lines.push('', `[projects.${tomlString(dir)}]`, 'trust_level = "trusted"');
  }
  return `${lines.join('\n')}\n`;
}

// JSON's escapes (\" \\ \n \uXXXX ...) are all valid in a TOML basic string; TOML also
// forbids a raw DEL, which JSON leaves alone.
function tomlString(value: string): string {
  return JSON.stringify(value).replace(/\x7f/g, '\\u007f');
}
