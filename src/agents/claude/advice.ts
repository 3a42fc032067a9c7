/** What to do about a failed Claude Code job, for the failure explanations: how it signs in, how it is installed. */
import type { FailureReason } from '../../run/events.js';
import type { AdviceContext } from '../adapter.js';
import { INSTALL_PINNED_CLAUDE } from './binary.js';

/** Claude Code's advice for `reason`; null: the neutral advice. */
export function claudeAdvice(reason: FailureReason, context: AdviceContext): string | null {
  switch (reason) {
    case 'not-logged-in':
      return `Sign in: set \`ANTHROPIC_API_KEY\` in the job's \`env:\`, or run \`claude /login\` once (with the job's \`CLAUDE_CONFIG_DIR\` / \`claude.configDir\` if it sets one), then re-run: ${context.rerun}.`;
    case 'binary-missing':
      return `Install Claude Code: \`${INSTALL_PINNED_CLAUDE}\` (or -g), or fix the job's \`claude.bin:\`; check with \`codex-run doctor\`.`;
    default:
      return null;
  }
}
