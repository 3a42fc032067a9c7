/**
 * The model's last answer as gemini's TUI shows it: a block that starts with `✦ ` at the left
 * edge, its wrapped lines indented by two spaces, ended by a blank line or anything else
 * (captures: ../shared/reference/gemini-cli-0.61/captures/05_after_reply.txt, 07_*.txt).
 * Only the screen's last such block; null when there is none.
 */
const ANSWER_START = /^✦ (.*)$/;
const CONTINUATION = /^ {2}(\S.*)$/;

export function screenAnswer(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const start = ANSWER_START.exec((lines[i] ?? '').trimEnd());
    if (start === null) continue;
    const parts = [start[1] ?? ''];
    for (let j = i + 1; j < lines.length; j++) {
      const more = CONTINUATION.exec((lines[j] ?? '').trimEnd());
      if (more === null) break;
      parts.push(more[1] ?? '');
    }
    const text = parts.join(' ').trim();
    return text === '' ? null : text;
  }
  return null;
}
