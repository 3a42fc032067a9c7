/**
 * What to do about a failed codex job, for the failure explanations: how Codex signs in, how
 * it is installed, how a session is continued with codex's own CLI.
 */
import type { FailureReason } from '../../run/events.js';
import type { AdviceContext } from '../adapter.js';
import { INSTALL_PINNED_CODEX } from './binary.js';

/** Codex's advice for `reason`; null: the neutral advice. */
export function codexAdvice(reason: FailureReason, context: AdviceContext): string | null {
  switch (reason) {
    case 'not-logged-in':
      return `Sign in: \`codex login\` (or set \`OPENAI_API_KEY\` in the job's \`env:\`), then re-run: ${context.rerun}.`;
    case 'binary-missing':
      return `Install Codex: \`${INSTALL_PINNED_CODEX}\` (or -g, or set \`codex.bin:\`), check with \`codex-run doctor\`.`;
    default:
      return null;
  }
}

/** `codex exec resume <id>` for exec jobs, `codex resume <id>` for interactive ones. */
export function codexResumeByHand(argv: readonly string[], sessionId: string): string | null {
  // The codex binary is the program, or what the stdin launcher (`/bin/sh -c … <file> <codex>`) runs.
  if (!argv.slice(0, 5).some((arg) => /(?:^|\/)codex(?:\.js)?$/.test(arg))) return null;
  return `codex ${argv.slice(1).includes('exec') ? 'exec resume' : 'resume'} ${sessionId}`;
}
