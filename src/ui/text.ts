/** Small text helpers shared by the plain lines, the live rows and the summary. */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and 8-bit CSI.
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
const LINE_BREAKS_AND_TABS = /[\r\n\t]+/g;
// Remaining C0 and C1 control characters and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Makes text from a job safe for one line of our output: terminal escape sequences removed (a
 * job must not be able to move our cursor or recolour our display), line breaks and tabs turned
 * into single spaces, other control characters dropped, ends trimmed.
 */
export function sanitizeLine(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(LINE_BREAKS_AND_TABS, ' ').replace(CONTROL, '').trim();
}

/** Cuts text to at most `width` characters (code points), ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return chars.slice(0, width - 1).join('') + '…';
}

/** Pads text with spaces to `width` characters (code points); never cuts. */
export function padEnd(text: string, width: number): string {
  const length = Array.from(text).length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

/** A finished duration: `62ms`, `0.4s`, `4.1s`, `59.9s`, `2m05s`, `1h02m` (tenths are cut, not rounded up). */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  // Below a tenth of a second, "0.0s" would say nothing: show the milliseconds.
  if (safe < 100) return `${Math.floor(safe)}ms`;
  if (safe < 60_000) return `${(Math.floor(safe / 100) / 10).toFixed(1)}s`;
  return formatElapsed(safe);
}

/** A ticking elapsed time in whole seconds: `0s`, `12s`, `2m05s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Wall-clock time of day in the local time zone, `HH:MM:SS`, for plain-mode line prefixes. */
export function formatClockTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A cost in US dollars as shown: `$0.0123` below a dollar (sessions cost cents), `$4.57` above. */
export function costText(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}
