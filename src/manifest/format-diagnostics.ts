import path from 'node:path';
import { joinList } from './describe-value.js';
import type { Diagnostic } from './model.js';
import { escapeUnsafe } from './unsafe-text.js';

/** Options for {@link formatDiagnostics}. */
export interface FormatDiagnosticsOptions {
  /** ANSI colours (the caller decides from TTY, NO_COLOR and FORCE_COLOR). */
  color: boolean;
  /** Paths are shown relative to this folder. Default: process.cwd(). */
  cwd?: string;
}

const INDENT = '    ';

/** Longest source line echoed whole; longer ones are cut around the span, with an ellipsis where cut. */
export const MAX_ECHOED_LINE = 120;

/** Characters kept before the span when a long line is cut. */
const CONTEXT_BEFORE = 40;

/**
 * Prints diagnostics the way wireit does: `jobs.yaml:12:7: error: message`, the source line,
 * a marker under the span (`^~~~`; a span over several lines is marked to the end of its first
 * line), an optional `  hint: ...`, a blank line between diagnostics and a closing count.
 * The result ends with a newline.
 */
export function formatDiagnostics(diagnostics: Diagnostic[], sources: Map<string, string>, options: FormatDiagnosticsOptions): string {
  const cwd = options.cwd ?? process.cwd();
  const paint = painter(options.color);
  const shown = (file: string): string => escapeUnsafe(path.relative(cwd, file) || file);
  const sourceLines = new Map<string, string[]>();
  const linesOf = (file: string): string[] => {
    let lines = sourceLines.get(file);
    if (lines === undefined) {
      lines = (sources.get(file) ?? '').split('\n').map((line) => line.replace(/\r$/, ''));
      sourceLines.set(file, lines);
    }
    return lines;
  };

  const blocks = diagnostics.map((diagnostic) => {
    const { location, severity } = diagnostic;
    const label = severity === 'error' ? paint.red(`${severity}:`) : paint.yellow(`${severity}:`);
    // Text from the manifest reaches the terminal escaped: no control or bidi character acts on it.
    const out = [`${paint.bold(`${shown(location.file)}:${location.line}:${location.col}:`)} ${label} ${escapeUnsafe(diagnostic.message)}`];
    const line = location.line >= 1 ? linesOf(location.file)[location.line - 1] : undefined;
    if (line !== undefined && line.trim() !== '') {
      const echo = echoedLine(line, location.col, location.line === location.endLine ? location.endCol : null);
      out.push(INDENT + echo.text, INDENT + paint.green(echo.marker));
    }
    if (diagnostic.hint !== undefined) out.push(`  ${paint.cyan('hint:')} ${escapeUnsafe(diagnostic.hint)}`);
    return out.join('\n');
  });

  const files = [...new Set(diagnostics.map((d) => shown(d.location.file)))];
  const summary = paint.bold(`${counts(diagnostics)} in ${joinList(files, 'and')}`);
  return `${[...blocks, summary].join('\n\n')}\n`;
}

/**
 * A source line as echoed, and the `^~~~` under columns [col, endCol) (to its end when endCol is
 * null). Unsafe characters are escaped, a line longer than MAX_ECHOED_LINE is cut around the span
 * with `…` where cut, and tabs are kept, so the marker lines up with what the terminal shows.
 */
export function echoedLine(line: string, col: number, endCol: number | null): { text: string; marker: string } {
  const start = Math.min(Math.max(col - 1, 0), line.length);
  const end = Math.max(endCol === null ? line.length : Math.min(endCol - 1, line.length), start + 1);
  let from = 0;
  let to = line.length;
  if (line.length > MAX_ECHOED_LINE) {
    from = Math.max(0, start - CONTEXT_BEFORE);
    to = Math.min(line.length, from + MAX_ECHOED_LINE);
    from = Math.max(0, to - MAX_ECHOED_LINE);
    // Never cut a surrogate pair in two.
    if (from > 0 && isLowSurrogate(line.charCodeAt(from))) from--;
    if (to < line.length && isLowSurrogate(line.charCodeAt(to))) to++;
  }
  const before = from > 0 ? '…' : '';
  const after = to < line.length ? '…' : '';
  const text = `${before}${escapeUnsafe(line.slice(from, to), true)}${after}`;
  const pad = (before + escapeUnsafe(line.slice(from, start), true)).replace(/[^\t]/g, ' ');
  const width = Math.max(escapeUnsafe(line.slice(start, Math.min(end, to)), true).length, 1);
  return { text, marker: `${pad}^${'~'.repeat(width - 1)}` };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function counts(diagnostics: Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const parts: string[] = [];
  if (errors > 0 || warnings === 0) parts.push(plural(errors, 'error'));
  if (warnings > 0) parts.push(plural(warnings, 'warning'));
  return parts.join(' and ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type Paint = (text: string) => string;

// ANSI styles when colour is on, identity otherwise.
function painter(color: boolean): { bold: Paint; red: Paint; yellow: Paint; green: Paint; cyan: Paint } {
  const style = (open: string): Paint => (color ? (text) => `\u001b[${open}m${text}\u001b[0m` : (text) => text);
  return { bold: style('1'), red: style('1;31'), yellow: style('1;33'), green: style('32'), cyan: style('36') };
}
