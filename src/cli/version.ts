import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findUp } from '../util/find-up.js';

/** The version in codex-run's package.json. */
export function readPackageVersion(): string {
  const version = findUp(import.meta.url, (dir) => {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      return pkg.name === 'codex-run' && typeof pkg.version === 'string' ? pkg.version : null;
    } catch {
      return null;
    }
  });
  return version ?? 'unknown';
}
