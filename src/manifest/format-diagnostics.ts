import path from 'node:path';
import { joinList } from './describe-value.js';
import type { Diagnostic } from './model.js';

/** Options for {@link formatDiagnostics}. */
export interface FormatDiagnosticsOptions {
  /** ANSI colours (the caller decides from TTY, NO_COLOR and FORCE_COLOR). */
  color: boolean;
  /** Paths are shown relative to this folder. Default: process.cwd(). */
  cwd?: string;
}

const INDENT = '    ';

/**
 * Prints diagnostics the way wireit does: `jobs.yaml:12:7: error: message`, the source line,
 * a marker under the span (`^~~~`; a span over several lines is marked to the end of its first
 * line), an optional `  hint: ...`, a blank line between diagnostics and a closing count.
 * The result ends with a newline.
 */
export function formatDiagnostics(diagnostics: Diagnostic[], sources: Map<string, string>, options: FormatDiagnosticsOptions): string {
  const cwd = options.cwd ?? process.cwd();
  const paint = painter(options.color);
  const shown = (file: string): string => path.relative(cwd, file) || file;
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
    const out = [`${paint.bold(`${shown(location.file)}:${location.line}:${location.col}:`)} ${label} ${diagnostic.message}`];
    const line = location.line >= 1 ? linesOf(location.file)[location.line - 1] : undefined;
    if (line !== undefined && line.trim() !== '') {
      out.push(INDENT + line, INDENT + paint.green(marker(line, location.col, location.line === location.endLine ? location.endCol : null)));
    }
    if (diagnostic.hint !== undefined) out.push(`  ${paint.cyan('hint:')} ${diagnostic.hint}`);
    return out.join('\n');
  });

  const files = [...new Set(diagnostics.map((d) => shown(d.location.file)))];
  const summary = paint.bold(`${counts(diagnostics)} in ${joinList(files, 'and')}`);
  return `${[...blocks, summary].join('\n\n')}\n`;
}

// `^~~~` under columns [col, endCol) of a line (to its end when endCol is null), keeping tabs so
// the marker lines up with the source as the terminal shows it.
function marker(line: string, col: number, endCol: number | null): string {
  const start = Math.min(Math.max(col - 1, 0), line.length);
  const end = Math.max(endCol === null ? line.length : Math.min(endCol - 1, line.length), start + 1);
  const pad = line.slice(0, start).replace(/[^\t]/g, ' ');
  return `${pad}^${'~'.repeat(end - start - 1)}`;
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
