/**
 * Characters that must not reach a terminal as they are: C0 and C1 control characters (which
 * start escape sequences, move the cursor or ring the bell) and the Unicode bidirectional
 * controls (which reorder what follows, so text can show something other than what it says,
 * "Trojan Source"). Names holding them are refused; echoed text shows them escaped.
 */

// C0 (with tab and newline), DEL, C1, the line and paragraph separators, and the bidi controls:
// ALM, LRM, RLM, LRE..RLO, LRI..PDI.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMES: Readonly<Record<number, string>> = {
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'delete',
  0x061c: 'Arabic letter mark',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
};

/** `<U+202E>`: how an unsafe character is shown. */
export function escapedChar(char: string): string {
  return `<U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** The first unsafe character of `text` and its index, or null when there is none. */
export function firstUnsafeChar(text: string): { index: number; char: string; description: string } | null {
  UNSAFE.lastIndex = 0;
  const match = UNSAFE.exec(text);
  if (match === null) return null;
  const char = match[0];
  const code = char.codePointAt(0) ?? 0;
  const name = NAMES[code] ?? 'control character';
  return { index: match.index, char, description: `U+${code.toString(16).toUpperCase().padStart(4, '0')} (${name})` };
}

/** `text` with every unsafe character escaped (`<U+202E>`); tabs are kept when `keepTabs`. */
export function escapeUnsafe(text: string, keepTabs = false): string {
  return text.replace(UNSAFE, (char) => (keepTabs && char === '\t' ? char : escapedChar(char)));
}
