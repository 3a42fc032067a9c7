import { processOutput } from '../ui/output-stream.js';
import path from 'node:path';
import { loadManifestOrReport } from './manifest-errors.js';

/** `codex-run validate <manifest>`: load and check only; exit 2 with located diagnostics when invalid. */
export async function validateCommand(manifest: string): Promise<number> {
  const loaded = await loadManifestOrReport(manifest);
  if (loaded === null) return 2;
  const jobs = loaded.jobs.length;
  processOutput().stdout.write(`${path.relative(process.cwd(), loaded.file) || manifest}: valid, ${jobs} job${jobs === 1 ? '' : 's'}\n`);
  return 0;
}
