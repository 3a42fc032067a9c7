import { processOutput } from '../ui/output-stream.js';
import path from 'node:path';
import { loadManifestOrReport, printManifestFailure } from './manifest-errors.js';

/** `codex-run validate <manifest>`: load and check only; exit 2 with located diagnostics when invalid (warnings are shown, exit 0). */
export async function validateCommand(manifest: string): Promise<number> {
  const loaded = await loadManifestOrReport(manifest);
  if (loaded === null) return 2;
  // Warnings do not make a manifest invalid; they are printed like errors, to stderr.
  if (loaded.warnings !== undefined) printManifestFailure(loaded.warnings);
  const jobs = loaded.jobs.length;
  processOutput().stdout.write(`${path.relative(process.cwd(), loaded.file) || manifest}: valid, ${jobs} job${jobs === 1 ? '' : 's'}\n`);
  return 0;
}
