/**
 * What Claude Code's screens look like, for the screen classifier (see
 * src/session/classify/knowledge.ts). Seen in reference/claude-code-2.1/captures.
 */
import type { AgentScreenKnowledge } from '../../session/classify/knowledge.js';

export const claudeScreens: AgentScreenKnowledge = {
  // Claude's dialogs (permission, trust, plan approval) end in "Esc to cancel"; while busy it
  // says "esc to interrupt" instead.
  dialogHints: [/\besc to cancel\b/i],
  // The transcript search box (ctrl+r / ctrl+o then /): the user's own field, nothing asked.
  userInputLines: [/^⌕\s*Search/],
};
