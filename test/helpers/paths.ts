import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (tests compile to <outDir>/test/helpers/, three levels below it). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of a file in test/fixtures/. */
export function fixture(name: string): string {
  return path.join(repoRoot, 'test', 'fixtures', name);
}
