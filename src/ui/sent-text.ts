/**
 * What an intervention typed, as a person would say it: `Esc`, `"y" + Enter`, `Down + Enter`.
 * The record keeps the exact bytes with visible escapes (`y\r`, `\x1b[B\r`); this is for
 * the lines people read (plain mode, the summary, notifications).
 */

// Escaped key sequences (as visibleEscapes writes them) and their names; longest first.
const KEY_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['\\x1b[3~', 'Delete'],
  ['\\x1b[5~', 'PageUp'],
  ['\\x1b[6~', 'PageDown'],
  ['\\x1b[A', 'Up'],
  ['\\x1b[B', 'Down'],
  ['\\x1b[C', 'Right'],
  ['\\x1b[D', 'Left'],
  ['\\x1b[H', 'Home'],
  ['\\x1b[F', 'End'],
  ['\\x1b[Z', 'Shift-Tab'],
  ['\\x1b', 'Esc'],
  ['\\x7f', 'Backspace'],
  ['\\r', 'Enter'],
  ['\\n', 'Enter'],
  ['\\t', 'Tab'],
];

/** `sent` (visible escapes) in words; text runs are quoted, keys are named, joined by ` + `. */
export function describeSent(sent: string): string {
  const parts: string[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push(JSON.stringify(text));
    text = '';
  };
  let i = 0;
  outer: while (i < sent.length) {
    if (sent[i] === '\\') {
      if (sent.startsWith('\\\\', i)) {
        text += '\\';
        i += 2;
        continue;
      }
      for (const [escaped, name] of KEY_NAMES) {
        if (sent.startsWith(escaped, i)) {
          flush();
          parts.push(name);
          i += escaped.length;
          continue outer;
        }
      }
      const ctrl = /^\\x([0-1][0-9a-f])/.exec(sent.slice(i));
      if (ctrl !== null) {
        flush();
        const code = parseInt(ctrl[1]!, 16);
        parts.push(code >= 1 && code <= 26 ? `Ctrl-${String.fromCharCode(64 + code)}` : `\\x${ctrl[1]!}`);
        i += 4;
        continue;
      }
    }
    text += sent[i];
    i++;
  }
  flush();
  return parts.length === 0 ? 'nothing' : parts.join(' + ');
}
