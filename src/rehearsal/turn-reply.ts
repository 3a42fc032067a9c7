import type { Step } from './script-cursor.js';
import { SCRIPT_FINISHED_TEXT } from './script.js';
import { customToolCallItem, functionCallItem, messageItem, type OutputItem } from './responses-wire.js';
import { unreachable } from '../util/unreachable.js';

/** How the server answers one step of a script. */
export type Reply =
  /** A streamed reply carrying one output item. */
  | { kind: 'item'; item: OutputItem }
  /** A non-streamed HTTP error. */
  | { kind: 'http-error'; status: number; message: string }
  /** A stream that ends in `response.failed`. */
  | { kind: 'stream-failure'; message: string }
  /** Nothing for `ms`, then the next step on the same request. */
  | { kind: 'stall'; ms: number }
  /** HTTP 429 `usage_limit_reached`, the limit resetting `ms` from now. */
  | { kind: 'usage-limit'; ms: number };

/** What a reply may depend on besides the step. */
export interface ReplyContext {
  /** Unique suffix for item and call ids. */
  id: string;
  /** Whether the request offers the freeform `apply_patch` tool (catalog models only). */
  offersApplyPatch: boolean;
}

/**
 * Longest a `run` or `ask` command may take before codex returns "still running" instead of
 * its exit code (exec_command's maximum `yield_time_ms` in codex-cli 0.169.0).
 */
export const COMMAND_YIELD_MS = 30_000;

const EXEC_TOOL = 'exec_command';
const PATCH_TOOL = 'apply_patch';

/** Maps a script step to the reply the server sends. */
export function replyFor(step: Step, context: ReplyContext): Reply {
  if (step.kind === 'finished') return { kind: 'item', item: messageItem(context.id, SCRIPT_FINISHED_TEXT) };
  const turn = step.turn;
  switch (turn.kind) {
    case 'run':
      return { kind: 'item', item: functionCallItem(context.id, EXEC_TOOL, { cmd: turn.command, yield_time_ms: COMMAND_YIELD_MS }) };
    case 'ask':
      return {
        kind: 'item',
        item: functionCallItem(context.id, EXEC_TOOL, {
          cmd: turn.command,
          yield_time_ms: COMMAND_YIELD_MS,
          sandbox_permissions: 'require_escalated',
          justification: turn.reason,
        }),
      };
    case 'patch':
      return { kind: 'item', item: patchItem(context, turn.patch) };
    case 'say':
      return { kind: 'item', item: messageItem(context.id, turn.text) };
    case 'stall':
      return { kind: 'stall', ms: turn.ms };
    case 'fail-http':
      return { kind: 'http-error', status: turn.status, message: `rehearsal: scripted HTTP ${turn.status} (turn ${step.index + 1})` };
    case 'fail-stream':
      return { kind: 'stream-failure', message: `rehearsal: scripted stream failure (turn ${step.index + 1})` };
    case 'limit':
      return { kind: 'usage-limit', ms: turn.ms };
    default:
      return unreachable(turn);
  }
}

/**
 * The freeform apply_patch tool is offered only for catalog models. For any other model the
 * patch goes through exec_command as `apply_patch <<'EOF'`, which codex intercepts and applies
 * as a patch (same "apply patch" output and approval rules; verified with codex-cli 0.169.0).
 */
function patchItem(context: ReplyContext, patch: string): OutputItem {
  if (context.offersApplyPatch) return customToolCallItem(context.id, PATCH_TOOL, patch);
  return functionCallItem(context.id, EXEC_TOOL, { cmd: patchHeredoc(patch), yield_time_ms: COMMAND_YIELD_MS });
}

/** `apply_patch <<'PATCH' … PATCH`, with a delimiter that no line of the patch equals. */
export function patchHeredoc(patch: string): string {
  const lines = new Set(patch.split('\n'));
  let delimiter = 'PATCH';
  for (let n = 1; lines.has(delimiter); n++) delimiter = `PATCH_${n}`;
  return `${PATCH_TOOL} <<'${delimiter}'\n${patch}\n${delimiter}`;
}

/** The answer to the TUI's title side request: a message whose text is `{"title": ...}`. */
export function titleItem(id: string, title: string): OutputItem {
  return messageItem(id, JSON.stringify({ title }));
}
