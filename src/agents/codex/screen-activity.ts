/**
 * What a codex TUI job is doing now, as one line read off its screen: the last meaningful line
 * above the input box (`› Ask Codex to do anything`), such as the agent's latest message, the
 * command it runs or the question it asks. The decoded output of the redrawn screen would give
 * single words of wrapped rows (`wrong`) or footers (`› •`). Layout per codex-cli 0.169
 * (captures/03, 04, 20, 21 in the reference folder).
 */
import { isMeaningfulLine } from '../../logs/transcript.js';
import type { ScreenSnapshot } from '../../session/screen.js';

// Status lines between turns that say nothing about the work: `Worked for 12s • 21:10`,
// the session hints codex prints when it exits.
const STATUS = [/^─*\s*Worked for \S+ • \d{1,2}:\d{2}/, /\bcodex resume\b/, /^Token usage/];
// Codex's item markers: the agent's bullet, the busy dot, a command's output corner.
const MARKER = /^(?:[•◦]|└)\s+/;

export function codexScreenActivity(snap: ScreenSnapshot): string | null {
  const lines = snap.logicalLines(false).map((l) => l.text.trim());
  let end = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('›')) {
      end = i;
      break;
    }
  }
  for (let i = end - 1; i >= 0; i--) {
    const line = lines[i]!.replace(MARKER, '');
    if (isMeaningfulLine(line) && !STATUS.some((s) => s.test(line))) return line;
  }
  return null;
}
