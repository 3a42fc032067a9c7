/**
 * What Gemini CLI's screens look like, for the screen classifier (see
 * src/session/classify/knowledge.ts). Seen in reference/gemini-cli-0.61/captures.
 */
import type { AgentScreenKnowledge } from '../../session/classify/knowledge.js';

export const geminiScreens: AgentScreenKnowledge = {
  // Its confirmation box asks these, followed by its options (or, in older versions, an
  // input line inside the box); the question mark is not always on the same screen line.
  questions: [/^(?:\?\s+)?(?:Apply this change|Allow execution|Do you want to proceed)\b/i],
};
