import { processOutput } from '../ui/output-stream.js';
import { formatDiagnostics } from '../manifest/format-diagnostics.js';
import { loadManifest, type ManifestFailure } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/model.js';
import { useColor } from '../ui/display-mode.js';

/** Prints a manifest's located diagnostics to stderr (coloured on a terminal). */
export function printManifestFailure(failure: ManifestFailure): void {
  processOutput().stderr.write(
    formatDiagnostics(failure.diagnostics, failure.sources, {
      color: useColor({ isTTY: process.stderr.isTTY === true, env: process.env }),
      cwd: process.cwd(),
    }),
  );
}

/** Loads a manifest for a command; on failure prints the diagnostics and returns null (exit 2). */
export async function loadManifestOrReport(file: string): Promise<Manifest | null> {
  const loaded = await loadManifest(file, { env: process.env });
  if (loaded.ok) return loaded.value;
  printManifestFailure(loaded.error);
  return null;
}
