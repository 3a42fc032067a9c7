/**
 * Which agent's screens look how: agent name -> its screen knowledge (data kept with each
 * agent). The classifier asks here; an agent nobody described gets the generic rules only.
 */
import type { AgentScreenKnowledge } from '../session/classify/knowledge.js';
import { codexScreens } from './codex/screens.js';
import { claudeScreens } from './claude/screens.js';
import { geminiScreens } from './gemini/screens.js';

const KNOWLEDGE: Readonly<Record<string, AgentScreenKnowledge>> = {
  codex: codexScreens,
  claude: claudeScreens,
  'claude-code': claudeScreens,
  gemini: geminiScreens,
};

const NONE: AgentScreenKnowledge = {};

/** The screen knowledge of agent `name` (`codex`, `claude`, ...), or none. */
export function screenKnowledgeFor(name: string | undefined): AgentScreenKnowledge {
  return name === undefined ? NONE : (KNOWLEDGE[name.toLowerCase()] ?? NONE);
}
