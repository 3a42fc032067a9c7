/**
 * Claude Code's argv for a job, as 2.1.332 spells its flags (`claude --help`). Always an array,
 * never a shell string; the prompt is one element after `--`, so a prompt that starts with `-`
 * is never read as a flag (verified with 2.1.332).
 *
 *   headless: claude -p --output-format stream-json --verbose (--session-id ID | --resume ID)
 *                    --permission-mode M [--model X] [--allowedTools T]... [--disallowedTools T]...
 *                    [args...] -- <prompt>
 *   tui:      claude (--session-id ID | --resume ID) --permission-mode M [...same] -- <prompt>
 *
 * The session id is chosen by codex-run before the start (`--session-id`), so it is known even
 * when the agent dies before saying anything; a resume names it (`--resume <id>`), never
 * `--continue`, which takes the folder's most recent session (possibly a sibling job's).
 * `--allowedTools` takes a variadic list: each tool is its own `--allowedTools T` pair, and the
 * `--` before the prompt ends the list. A headless prompt read from stdin has neither.
 */
import { unreachable } from '../../util/unreachable.js';
import type { ClaudeSpec } from './options.js';

/** What the argv depends on besides the spec. */
export interface ClaudeArgvInput {
  spec: ClaudeSpec;
  /** The prompt, or null when headless claude reads it from stdin (no prompt argument). */
  prompt: string | null;
  /** The session: a new one under this id, or the resume of it. */
  session: { kind: 'new' | 'resume'; id: string };
}

/** The arguments after the program name. */
export function claudeArgv(input: ClaudeArgvInput): string[] {
  const { spec, session } = input;
  const shared = [
    ...(session.kind === 'new' ? ['--session-id', session.id] : ['--resume', session.id]),
    '--permission-mode',
    spec.permissionMode,
    ...(spec.model === null ? [] : ['--model', spec.model]),
    ...spec.allowedTools.flatMap((tool) => ['--allowedTools', tool]),
    ...spec.disallowedTools.flatMap((tool) => ['--disallowedTools', tool]),
    ...spec.args,
    ...(input.prompt === null ? [] : ['--', input.prompt]),
  ];
  switch (spec.mode) {
    case 'headless':
      return ['-p', '--output-format', 'stream-json', '--verbose', ...shared];
    case 'tui':
      return shared;
    default:
      return unreachable(spec.mode);
  }
}
