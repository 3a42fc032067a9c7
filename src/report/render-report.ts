/**
 * The report formats by name, for `codex-run report RUN --format …`: each a pure function
 * of the same {@link ReportInput}, and where a run folder (a path, a run id, or `latest`) is.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { renderHtmlReport } from './html-report.js';
import { REPORT_FILE_NAME } from './json-report.js';
import { renderJunitReport } from './junit-report.js';
import { renderMarkdownReport } from './markdown-report.js';
import type { ReportInput } from './report-input.js';

/** The formats `codex-run report` writes. */
export const REPORT_FORMATS = ['md', 'html', 'junit', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Renders one format. `json` is report.json as read, re-indented. */
export function renderReport(input: ReportInput, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdownReport(input);
    case 'html':
      return renderHtmlReport(input);
    case 'junit':
      return renderJunitReport(input);
    case 'json':
      return `${JSON.stringify(input.report, null, 2)}\n`;
  }
}

async function hasReport(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, REPORT_FILE_NAME))).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a run folder: `run` as a folder with report.json, else a run id under `runsRoot`,
 * else `latest`: the newest run there (run ids start with their start time, so by name).
 */
export async function findRunFolder(run: string, runsRoot: string): Promise<Result<string, string>> {
  if (run !== 'latest') {
    if (await hasReport(path.resolve(run))) return ok(path.resolve(run));
    const underRoot = path.join(runsRoot, run);
    if (!run.includes('/') && (await hasReport(underRoot))) return ok(underRoot);
    return err(`no run folder '${run}': expected a folder with ${REPORT_FILE_NAME}, a run id under ${runsRoot}, or 'latest'`);
  }
  let names: string[];
  try {
    names = (await readdir(runsRoot)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return err(`no runs in ${runsRoot} (it cannot be read); give a run folder or --runs <dir>`);
  }
  for (let i = names.length - 1; i >= 0; i--) {
    const dir = path.join(runsRoot, names[i]!);
    if (await hasReport(dir)) return ok(dir);
  }
  return err(`no runs in ${runsRoot}; give a run folder or --runs <dir>`);
}
