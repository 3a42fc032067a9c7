/**
 * The Codex CLI's argv for a job, as codex-cli 0.169 spells its flags (`codex --help`,
 * `codex exec --help`). Always an array, never a shell string; the prompt is one element after
 * `--`, so a prompt that starts with `-` is never read as a flag.
 *
 *   exec: codex exec [--skip-git-repo-check] [--sandbox S] [--model M] [--profile P]
 *                    [-c k=v]... -o <file> [args...] [resume <id>] -- <prompt>
 *   tui:  codex [resume] --no-daemon [--sandbox S] [--model M] [--profile P] [-c k=v]...
 *                    [--ask-for-approval A] [args...] [<id>] -- <prompt>
 *
 * A resume names the session by id, never `--last` (which can pick a sibling job's session).
 * The exec form was checked against 0.169 (`codex exec <options> resume <id> -- <prompt>`
 * parses); the TUI form follows `codex resume --help`.
 *
 * `--no-daemon` keeps the TUI's work in the job's own process tree: by default the TUI starts
 * an app-server daemon that outlives it, so stopping the job would not stop the turn.
 */
import { unreachable } from '../../util/unreachable.js';
import type { CodexConfigValue, CodexSpec } from './options.js';

/** What the argv depends on besides the spec. */
export interface CodexArgvInput {
  spec: CodexSpec;
  /** The prompt, or `-` when it is fed through stdin (exec only). */
  prompt: string;
  /**
   * exec: add `--skip-git-repo-check`. codex exec refuses to start outside a git repository
   * ("Not inside a trusted directory and --skip-git-repo-check was not specified."); a job's
   * workdir is chosen on purpose in the manifest, so codex-run always passes it in exec mode.
   * Inside a work tree codex's check passes anyway; deciding here whether the workdir is in one
   * (a walk up for `.git`) raced with anything creating or renaming a `.git` above it (seen on a
   * shared machine: a transient /tmp/.git made codex-run leave the flag out and codex, a moment
   * later, refuse to start).
   */
  skipGitRepoCheck: boolean;
  /** exec: where codex writes its last message (`-o`); null: not requested. */
  lastMessageFile: string | null;
  /** Resume this session (by id) instead of starting a new one; absent or null: a new session. */
  resumeSessionId?: string | null;
}

/** The arguments after the program name. */
export function codexArgv(input: CodexArgvInput): string[] {
  const { spec } = input;
  const resume = input.resumeSessionId ?? null;
  const shared = [
    ...(spec.sandbox === null ? [] : ['--sandbox', spec.sandbox]),
    ...(spec.model === null ? [] : ['--model', spec.model]),
    ...(spec.profile === null ? [] : ['--profile', spec.profile]),
    ...Object.entries(spec.config).flatMap(([key, value]) => ['-c', `${key}=${tomlValue(value)}`]),
  ];
  switch (spec.mode) {
    case 'exec':
      return [
        'exec',
        ...(input.skipGitRepoCheck ? ['--skip-git-repo-check'] : []),
        ...shared,
        ...(input.lastMessageFile === null ? [] : ['-o', input.lastMessageFile]),
        ...spec.args,
        ...(resume === null ? [] : ['resume', resume]),
        '--',
        input.prompt,
      ];
    case 'tui':
      return [
        ...(resume === null ? [] : ['resume']),
        '--no-daemon',
        ...shared,
        ...(spec.approvals === null ? [] : ['--ask-for-approval', spec.approvals]),
        ...spec.args,
        ...(resume === null ? [] : [resume]),
        '--',
        input.prompt,
      ];
    default:
      return unreachable(spec.mode);
  }
}

/**
 * A value as TOML, the language of `-c` values. Strings are always quoted: codex takes an
 * unparsable value as a literal string, but `true` or `1` written as YAML strings would parse
 * as a boolean or a number. JSON string escapes are valid TOML basic-string escapes.
 */
export function tomlValue(value: CodexConfigValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `[${value.map(tomlValue).join(', ')}]`;
}
