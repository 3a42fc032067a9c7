import { escapeUnsafe } from './unsafe-text.js';

/** Longest quoted value shown in a message before it is cut with an ellipsis. */
const MAX_QUOTED = 60;

/** A string as it appears in messages: double-quoted, escaped, cut when long. */
export function quote(text: string): string {
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
  // JSON escapes C0 controls; C1 and bidi controls are escaped too, so a quoted value never acts on a terminal.
  return escapeUnsafe(JSON.stringify(cut));
}

/**
 * What a parsed YAML value is, for "found ..." in messages: `a number 42`, `a string "abc"`,
 * `a list`, `a mapping`. `null` comes from both `key:` (nothing) and `key: null`; `empty` says which.
 */
export function describeValue(value: unknown, empty = false): string {
  if (value === null || value === undefined) return empty ? 'nothing' : 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string ""' : `a string ${quote(value)}`;
  if (typeof value === 'number') return `a number ${String(value)}`;
  if (typeof value === 'boolean') return `a boolean ${String(value)}`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list []' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping {}' : 'a mapping';
  return `a ${typeof value}`;
}

/** `a`, `a or b`, `a, b or c` (or with `and`). */
export function joinList(items: readonly string[], conjunction: 'or' | 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1] ?? ''}`;
}
