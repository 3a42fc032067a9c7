/**
 * Gemini CLI's argv for a job, as gemini 0.61.0 spells its flags (`gemini --help`). Always an
 * array, never a shell string. The prompt travels as `--prompt=<text>` (headless) or
 * `--prompt-interactive=<text>` (tui): the `=` form keeps a prompt that starts with `-` from
 * being read as a flag, and list options (`--allowed-tools=<t>`) are written the same way so
 * none swallows the next argument.
 *
 *   headless: gemini --prompt=<p> --skip-trust -o stream-json [--model M] [--approval-mode A]
 *                    [--allowed-tools=T]... (--session-id <id> | --resume <id>) [args...]
 *   tui:      gemini --skip-trust [--model M] [--approval-mode A] [--allowed-tools=T]...
 *                    (--session-id <id> | --resume <id>) [args...] --prompt-interactive=<p>
 *
 * The session is always named by id: a new one under the id codex-run chose (`--session-id`),
 * a resumed one by that id (`--resume <id>`), never `--resume latest` (which can pick a sibling
 * job's session in the same folder). `--skip-trust` trusts the job's workdir for this run only
 * (the manifest chose the folder); without it gemini -p exits 55, and so does the TUI started
 * with `--prompt-interactive` in an untrusted folder (measured with 0.61.0: it does not show its
 * trust dialog then).
 */
import { unreachable } from '../../util/unreachable.js';
import type { GeminiSpec } from './options.js';

/** What the argv depends on besides the spec. */
export interface GeminiArgvInput {
  spec: GeminiSpec;
  prompt: string;
  /** The session: a new one with this id, or the resume of this id. */
  session: { kind: 'new' | 'resume'; id: string };
}

/** The arguments after the program name. */
export function geminiArgv(input: GeminiArgvInput): string[] {
  const { spec, session } = input;
  const shared = [
    ...(spec.model === null ? [] : ['--model', spec.model]),
    ...(spec.approvalMode === null ? [] : ['--approval-mode', spec.approvalMode]),
    ...spec.allowedTools.map((tool) => `--allowed-tools=${tool}`),
    ...(session.kind === 'new' ? ['--session-id', session.id] : ['--resume', session.id]),
  ];
  switch (spec.mode) {
    case 'headless':
      return [`--prompt=${input.prompt}`, '--skip-trust', '--output-format', 'stream-json', ...shared, ...spec.args];
    case 'tui':
      return ['--skip-trust', ...shared, ...spec.args, `--prompt-interactive=${input.prompt}`];
    default:
      return unreachable(spec.mode);
  }
}
