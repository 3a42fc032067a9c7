/**
 * What a claude job is doing now, as one line read off its screen.
 *
 * headless: the screen holds stream-json lines; the newest event that parses becomes a line a
 * person reads (`$ npm test`, `Write notes.txt`, the agent's text, `retrying 2/10: rate_limit`).
 * tui: the last meaningful line above the input box (`❯`, between two `─` rules), such as the
 * agent's latest message (`● Done.`), a tool call or the status line (`✻ Processing… (5s)`),
 * without the effort hint (`◐ medium · /effort`) and tips (captures 04, 08, 13 in
 * reference/claude-code-2.1).
 */
import { isMeaningfulLine } from '../../logs/transcript.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import { parseStreamLine, type ClaudeEvent } from './stream-events.js';

// Claude's item markers: the message/tool bullet, a tool output's corner.
const MARKER = /^(?:●|⎿)\s+/;
// Lines that say nothing about the work (the turn-finished line has a random verb: `✻ Baked for 1s · done 8:44 AM`).
const NOISE = [/^\S \w+ for [\dhms ]+ · done \d{1,2}:\d{2}(?: [AP]M)?$/, /^◐ \w+ · \/effort$/, /^Tip: /, /^─+$/, /manual mode on|accept edits on|bypass permissions on|auto mode on/];

export function claudeScreenActivity(snap: ScreenSnapshot): string | null {
  const lines = snap.logicalLines(false).map((l) => l.text.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const event = parseStreamLine(lines[i]!);
    if (event !== null) {
      const said = describe(event);
      if (said !== null) return said;
    }
  }
  let end = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('❯')) {
      end = i;
      break;
    }
  }
  for (let i = end - 1; i >= 0; i--) {
    const line = lines[i]!.replace(MARKER, '');
    if (isMeaningfulLine(line) && !NOISE.some((n) => n.test(line))) return line;
  }
  return null;
}

function describe(event: ClaudeEvent): string | null {
  switch (event.kind) {
    case 'tool-use':
      return event.tool === 'Bash' ? `$ ${event.summary}` : `${event.tool} ${event.summary}`;
    case 'text':
      return firstLine(event.text);
    case 'retry':
      return `retrying ${event.attempt}/${event.maxRetries}: ${event.error}${event.status === null ? '' : ` (${event.status})`}`;
    case 'permission-denied':
      return `denied ${event.tool}: ${firstLine(event.message)}`;
    case 'api-error':
      return firstLine(event.message);
    case 'result':
      return firstLine(event.result.text);
    case 'init':
      return `session ${event.sessionId}`;
    default:
      return null;
  }
}

function firstLine(text: string): string | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? null : line.trim();
}
