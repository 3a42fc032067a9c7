/**
 * Key names users write in `send: { keys: [...] }` and the bytes a terminal sends for them.
 * Arrow keys use the normal (CSI) form, which TUIs accept in both cursor-key modes.
 */

import { err, ok, type Result } from '../../util/result.js';

const NAMED_KEYS: ReadonlyMap<string, string> = new Map([
  ['enter', '\r'],
  ['return', '\r'],
  ['esc', '\x1b'],
  ['escape', '\x1b'],
  ['tab', '\t'],
  ['shift-tab', '\x1b[Z'],
  ['space', ' '],
  ['backspace', '\x7f'],
  ['delete', '\x1b[3~'],
  ['up', '\x1b[A'],
  ['down', '\x1b[B'],
  ['right', '\x1b[C'],
  ['left', '\x1b[D'],
  ['home', '\x1b[H'],
  ['end', '\x1b[F'],
  ['pageup', '\x1b[5~'],
  ['pagedown', '\x1b[6~'],
]);

/** The problem with one key name in a list, by its position. */
export interface KeyError {
  index: number;
  message: string;
}

/**
 * The bytes for one key name: named keys (enter, esc, tab, shift-tab, space, backspace,
 * delete, up, down, left, right, home, end, pageup, pagedown), `ctrl-a`..`ctrl-z`, and any
 * single letter, digit or punctuation character (`y`, `n`, `1`, `?`). Case-insensitive
 * except for single characters, which are sent as written.
 */
export function keyBytes(name: string): string | null {
  if ([...name].length === 1) return name >= ' ' && name !== '\x7f' ? name : null;
  const lower = name.toLowerCase();
  const named = NAMED_KEYS.get(lower);
  if (named !== undefined) return named;
  const ctrl = /^ctrl-([a-z])$/.exec(lower);
  if (ctrl !== null) return String.fromCharCode(ctrl[1]!.charCodeAt(0) - 96);
  return null;
}

/** Whether a plain string `send: "esc"` means a key rather than text to type. */
export function isNamedKey(text: string): boolean {
  return [...text].length > 1 && keyBytes(text) !== null;
}

/** Maps key names to their bytes, one entry per key; all unknown names are reported. */
export function parseKeys(names: readonly string[]): Result<string[], KeyError[]> {
  const bytes: string[] = [];
  const errors: KeyError[] = [];
  names.forEach((name, index) => {
    const b = keyBytes(name);
    if (b === null) {
      errors.push({
        index,
        message: `unknown key ${JSON.stringify(name)}: expected a name such as enter, esc, tab, up, down, left, right, space, backspace, ctrl-c, or a single character`,
      });
    } else {
      bytes.push(b);
    }
  });
  return errors.length > 0 ? err(errors) : ok(bytes);
}

/** Control characters shown as escapes (`\r`, `\x1b`), for intervention records and messages. */
export function visibleEscapes(data: string): string {
  let out = '';
  for (const ch of data) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
