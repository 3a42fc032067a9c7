import type { AgentAdapter } from './adapter.js';
import type { AgentKind } from '../manifest/model.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { geminiAdapter } from './gemini/index.js';
import { unreachable } from '../util/unreachable.js';

/** The adapter for an agent kind. */
export function adapterFor(kind: AgentKind): AgentAdapter {
  switch (kind) {
    case 'codex':
      return codexAdapter;
    case 'command':
      return commandAdapter;
    case 'gemini':
      return geminiAdapter;
    default:
      return unreachable(kind);
  }
}
