/**
 * XML text escaping for the JUnit report. Written here rather than taken from npm: the
 * report needs four elements and five attributes, and the one subtle part, removing the
 * characters XML 1.0 cannot carry at all (C0 controls, lone surrogates, U+FFFE/U+FFFF),
 * is a single regular expression; a builder library would add a dependency for less control.
 */

// Everything XML 1.0 forbids: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Terminal escape sequences (CSI, OSC, two-byte ESC), removed before the controls.
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;

/** Removes what XML cannot hold (and terminal escapes), keeping tabs and line breaks. */
export function xmlSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(INVALID_XML, '');
}

/** Element text: `&`, `<`, `>` escaped, invalid characters removed. */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (double-quoted): also quotes and line breaks escaped, so they survive parsing. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
