/** What to do about a failed Gemini CLI job, for the failure explanations: how it signs in, how it is installed. */
import type { FailureReason } from '../../run/events.js';
import type { AdviceContext } from '../adapter.js';
import { INSTALL_PINNED_GEMINI } from './binary.js';

/** Gemini CLI's advice for `reason`; null: the neutral advice. */
export function geminiAdvice(reason: FailureReason, context: AdviceContext): string | null {
  switch (reason) {
    case 'not-logged-in':
      return `Sign in: set \`GEMINI_API_KEY\` in the job's \`env:\` (with \`security.auth.selectedType: gemini-api-key\` in Gemini's settings.json), or run \`gemini\` once and choose how to authenticate, then re-run: ${context.rerun}.`;
    case 'binary-missing':
      return `Install Gemini CLI: \`${INSTALL_PINNED_GEMINI}\` (or -g), or fix the job's \`gemini.bin:\`; check with \`codex-run doctor\`.`;
    default:
      return null;
  }
}
