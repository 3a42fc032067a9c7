import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Walks from the folder of `moduleUrl` up to the root and returns the first non-null answer of
 * `look(dir)`. Compiled code sits at a varying depth below the package (dist/src/..., or another
 * outDir, or node_modules/codex-run/...), so files beside the package are found this way.
 */
export function findUp<T>(moduleUrl: string, look: (dir: string) => T | null): T | null {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const found = look(dir);
    if (found !== null) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
