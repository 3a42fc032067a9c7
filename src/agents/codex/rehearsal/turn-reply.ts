import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FaceStep } from '../../../rehearsal/face.js';
import { SCRIPT_FINISHED_TEXT } from '../../../rehearsal/script.js';
import { customToolCallItem, functionCallItem, messageItem, type OutputItem } from './responses-wire.js';
import { unreachable } from '../../../util/unreachable.js';

/** How the Responses face answers one played step: a streamed item, or a stream that ends in `response.failed`. */
export type Reply = { kind: 'item'; item: OutputItem } | { kind: 'stream-failure'; message: string };

/** What a reply may depend on besides the step. */
export interface ReplyContext {
  /** Unique suffix for item and call ids. */
  id: string;
  /** Whether the request offers the freeform `apply_patch` tool (catalog models only). */
  offersApplyPatch: boolean;
  /** The job's workdir, where `write`/`edit` paths are relative to. */
  workdir: string;
}

/**
 * Longest a `run` or `ask` command may take before codex returns "still running" instead of
 * its exit code (exec_command's maximum `yield_time_ms` in codex-cli 0.169.0).
 */
export const COMMAND_YIELD_MS = 30_000;

const EXEC_TOOL = 'exec_command';
const PATCH_TOOL = 'apply_patch';

/** Maps a played script step to the Responses reply. */
export function replyFor(step: FaceStep, context: ReplyContext): Reply {
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
    case 'fail-stream':
      return { kind: 'stream-failure', message: `rehearsal: scripted stream failure (turn ${step.index + 1})` };
    case 'write':
      return { kind: 'item', item: patchItem(context, writePatch(turn.path, turn.content)) };
    case 'edit':
      return { kind: 'item', item: patchItem(context, editPatch(context.workdir, turn.path, turn.old, turn.new)) };
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

/** A `write` turn as a codex patch: delete-and-add would fail on a missing file, so an Add File (codex's apply_patch overwrites). */
export function writePatch(file: string, content: string): string {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  const lines = content === '' ? [] : body.split('\n').map((line) => `+${line}`);
  return ['*** Begin Patch', `*** Add File: ${file}`, ...lines, '*** End Patch'].join('\n');
}

/**
 * An `edit` turn as a codex patch. apply_patch works on whole lines, so the face reads the file
 * (as a model reads before it edits) and replaces the lines that hold `old`. When the file cannot
 * be read or does not hold `old`, the patch names `old`'s own lines and codex reports that it does
 * not apply, as it would for a model's wrong edit.
 */
export function editPatch(workdir: string, file: string, old: string, replacement: string): string {
  let text: string | null = null;
  try {
    text = readFileSync(path.resolve(workdir, file), 'utf8');
  } catch {
    text = null;
  }
  let before = old.split('\n');
  let after = replacement.split('\n');
  const at = text === null ? -1 : text.indexOf(old);
  if (text !== null && at >= 0) {
    const start = text.lastIndexOf('\n', at - 1) + 1;
    const endNl = text.indexOf('\n', at + old.length);
    const end = endNl === -1 ? text.length : endNl;
    const span = text.slice(start, end);
    before = span.split('\n');
    after = (span.slice(0, at - start) + replacement + span.slice(at - start + old.length)).split('\n');
  }
  return ['*** Begin Patch', `*** Update File: ${file}`, '@@', ...before.map((l) => `-${l}`), ...after.map((l) => `+${l}`), '*** End Patch'].join('\n');
}
