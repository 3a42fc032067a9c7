/**
 * Every agent adapter, by the `agent:` value that selects it. Adding an agent is one import and
 * one entry here (and its kind in manifest/model.ts's AgentKind, which `satisfies` holds to this
 * record).
 */
import type { AgentAdapter } from './adapter.js';
import type { AgentKind } from '../manifest/model.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { genericAdapter } from './generic/index.js';
import { claudeAdapter } from './claude/index.js';
import { geminiAdapter } from './gemini/index.js';

export const AGENTS = {
  codex: codexAdapter,
  command: commandAdapter,
  generic: genericAdapter,
  claude: claudeAdapter,
  gemini: geminiAdapter,
} as const satisfies Record<AgentKind, AgentAdapter>;

/** The adapter for an agent kind. */
export function adapterFor(kind: AgentKind): AgentAdapter {
  return AGENTS[kind];
}
