import path from 'node:path';
import { loadReportInput } from '../report/load-report-input.js';
import { findRunFolder, renderReport, REPORT_FORMATS, type ReportFormat } from '../report/render-report.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { processOutput } from '../ui/output-stream.js';

/**
 * `codex-run report RUN --format md|html|junit|json [--out FILE]`: regenerates a report of a
 * past run from its folder. Exit 0, or 2 for a bad argument or an unreadable run.
 */
export async function reportCommand(run: string, flags: Record<string, unknown>): Promise<number> {
  const { stdout, stderr } = processOutput();
  const format = typeof flags['format'] === 'string' ? flags['format'] : 'md';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    stderr.write(`codex-run: error: --format expects one of ${REPORT_FORMATS.join(', ')}, found '${format}'\n`);
    return 2;
  }
  const runsRoot = path.resolve(typeof flags['runs'] === 'string' ? flags['runs'] : path.join('.codex-run', 'runs'));
  const folder = await findRunFolder(run, runsRoot);
  if (!folder.ok) {
    stderr.write(`codex-run: error: ${folder.error}\n`);
    return 2;
  }
  const input = await loadReportInput(folder.value);
  if (!input.ok) {
    stderr.write(`codex-run: error: ${input.error}\n`);
    return 2;
  }
  const text = renderReport(input.value, format as ReportFormat);
  if (typeof flags['out'] === 'string') {
    const written = await writeFileAtomic(path.resolve(flags['out']), text);
    if (!written.ok) {
      stderr.write(`codex-run: error: ${written.error}\n`);
      return 2;
    }
    return 0;
  }
  stdout.write(text);
  return 0;
}
