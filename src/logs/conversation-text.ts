/**
 * A job's conversation as a person would have read it, in order: the prompt, the agent's
 * messages as paragraphs, the commands it ran with their output, file changes, what
 * codex-run did (answers, declines, pokes, blocks) and the boundaries between attempts.
 * Written as `<job>.txt` for full-screen agents, whose decoded terminal output is a redrawn
 * screen rather than text. Pure.
 *
 *   › Record the date in DATE.txt
 *
 *   $ date > DATE.txt
 *     (exit 0)
 *
 *   [codex-run] answered (rule 1: "Would you like…") with "y"
 *
 *   Recorded the date in DATE.txt.
 */
import type { ConversationEntry } from '../agents/adapter.js';
import type { InterventionInfo } from '../run/events.js';
import { describeIntervention } from '../ui/intervention-text.js';
import { unreachable } from '../util/unreachable.js';

/** Output lines shown per command; the rest is counted. */
const COMMAND_OUTPUT_LINES = 40;

/** Something to place in the transcript by time. */
export type TranscriptItem =
  | { at: number; kind: 'entry'; entry: ConversationEntry }
  | { at: number; kind: 'intervention'; intervention: InterventionInfo }
  | { at: number; kind: 'marker'; text: string };

/** The transcript text (ends with a newline); items are ordered by time, ties kept in order. */
export function renderConversation(items: readonly TranscriptItem[]): string {
  const sorted = items.map((item, i) => ({ item, i })).sort((a, b) => a.item.at - b.item.at || a.i - b.i);
  const blocks: string[] = [];
  for (const { item } of sorted) {
    const block = renderItem(item);
    if (block !== null) blocks.push(block);
  }
  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}

function renderItem(item: TranscriptItem): string | null {
  switch (item.kind) {
    case 'marker':
      return item.text;
    case 'intervention':
      // A resume is shown by its attempt marker.
      return item.intervention.kind === 'resume' ? null : `[codex-run] ${describeIntervention(item.intervention)}`;
    case 'entry':
      return renderEntry(item.entry);
    default:
      return unreachable(item);
  }
}

function renderEntry(entry: ConversationEntry): string {
  switch (entry.kind) {
    case 'user':
      return indentAfterFirst(`› ${entry.text}`, '  ');
    case 'agent':
      return entry.text;
    case 'command': {
      const output = entry.output.replace(/\n+$/, '');
      const lines = output === '' ? [] : output.split('\n');
      const shown = lines.slice(0, COMMAND_OUTPUT_LINES).map((l) => `  ${l}`);
      if (lines.length > COMMAND_OUTPUT_LINES) shown.push(`  … ${lines.length - COMMAND_OUTPUT_LINES} more lines (the full output is in the .log)`);
      shown.push(`  (${entry.exitCode === null ? 'no exit code' : `exit ${entry.exitCode}`})`);
      return [indentAfterFirst(`$ ${entry.command}`, '  '), ...shown].join('\n');
    }
    case 'change':
      return `✎ changed ${entry.files.length === 0 ? 'files' : entry.files.join(', ')}`;
    case 'other':
      return `(${entry.what})`;
    default:
      return unreachable(entry);
  }
}

function indentAfterFirst(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`);
}
