import path from 'node:path';
import { loadManifest } from '../manifest/load-manifest.js';
import { formatDiagnostics } from '../manifest/format-diagnostics.js';
import { useColor } from '../ui/display-mode.js';

/** `codex-run validate <manifest>`: load and check only; exit 2 with located diagnostics when invalid. */
export async function validateCommand(manifest: string): Promise<number> {
  const loaded = await loadManifest(manifest, { env: process.env });
  if (!loaded.ok) {
    process.stderr.write(
      formatDiagnostics(loaded.error.diagnostics, loaded.error.sources, {
        color: useColor({ isTTY: process.stderr.isTTY === true, env: process.env }),
        cwd: process.cwd(),
      }),
    );
    return 2;
  }
  const jobs = loaded.value.jobs.length;
  process.stdout.write(`${path.relative(process.cwd(), loaded.value.file) || manifest}: valid, ${jobs} job${jobs === 1 ? '' : 's'}\n`);
  return 0;
}
