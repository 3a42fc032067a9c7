/**
 * What a headless gemini job is doing now, as one line read off its screen: the screen holds
 * stream-json lines (stream-events.ts); the newest event that says something becomes a line a
 * person reads: `$ npm test`, `write_file notes.txt`, the model's text, a tool's error or
 * output, the run's error; every event says something, so the live line never shows raw JSON. A screen with no event (the TUI) gives null: the transcript's last line is used.
 */
import type { ScreenSnapshot } from '../../session/screen.js';
import { describeToolCall } from '../../session/policies/tool-call-deny.js';
import { parseGeminiEvent, type GeminiEvent } from './stream-events.js';

/** The line for the live view, or null. */
export function geminiScreenActivity(snap: ScreenSnapshot): string | null {
  const lines = snap.logicalLines(false).map((l) => l.text.trim());
  // Deltas of one message arrive a line each: the message so far is their concatenation.
  let message = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const event = parseGeminiEvent(lines[i] ?? '');
    if (event === null) continue;
    if (event.type === 'message' && event.role === 'assistant' && event.delta) {
      message = event.content + message;
      continue;
    }
    if (message !== '') return firstLine(message);
    const said = describeEvent(event);
    if (said !== null) return said;
  }
  if (message !== '') return firstLine(message);
  // The TUI (its banner or input box on screen): the transcript's last line is used.
  if (lines.some((l) => TUI_MARK.test(l))) return null;
  // Headless before its first whole event (the snapshot can lag the decoded transcript, whose
  // last line would be a raw event): gemini's own start-up lines, never JSON.
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (line !== '' && !line.startsWith('{')) return line;
  }
  return 'starting gemini';
}

/** What only the TUI draws: its banner and its input box. */
const TUI_MARK = /Gemini CLI v\d|^[>*]\s+Type your message/;

/** One event as a line a person reads (so the live line never falls back to a raw event), or null for none. */
export function describeEvent(event: GeminiEvent): string | null {
  switch (event.type) {
    case 'init':
      return `session ${event.sessionId}`;
    case 'message':
      return event.role === 'assistant' ? firstLine(event.content) : `› ${firstLine(event.content) ?? ''}`;
    case 'tool_use':
      return event.toolName === 'run_shell_command' ? `$ ${describeToolCall(event.toolName, event.parameters)}` : describeToolCall(event.toolName, event.parameters);
    case 'tool_result':
      return event.ok ? `done: ${firstLine(event.output) ?? '(no output)'}` : `tool error: ${firstLine(event.errorMessage ?? event.errorType ?? 'failed')}`;
    case 'error':
      return `error: ${firstLine(event.message)}`;
    case 'result':
      return event.ok ? 'turn finished' : `error: ${firstLine(event.errorMessage ?? 'the run failed')}`;
    default:
      return null;
  }
}

function firstLine(text: string): string | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? null : line.trim();
}
