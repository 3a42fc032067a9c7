/**
 * What Codex CLI's screens look like, for the screen classifier (see
 * src/session/classify/knowledge.ts). Seen in reference/codex-cli-0.169/captures.
 */
import type { AgentScreenKnowledge } from '../../session/classify/knowledge.js';

export const codexScreens: AgentScreenKnowledge = {
  // The composer (`› Ask Codex to do anything`) is replaced by the approval, trust and
  // question dialogs while they are open; when it is back, any dialog above is history.
  composerHidesDialogs: /^[›❯](?:\s|$)/,
  // The approval dialogs' own question (captures/05, 09, 11), above the command and its reason.
  questions: [/^Would you like to .+\?$/],
  workingLines: [/^\W*(?:Working|Thinking|Starting MCP servers)\b.*\besc to interrupt\b/i],
};
