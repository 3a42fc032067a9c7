/**
 * The exported session files of a hand-off with the run's known secrets redacted (the values
 * logs/redactor.ts knows: `*TOKEN*`-like variables and a job's `secrets:`), since run folders are
 * uploaded as CI artifacts. JSON and JSON Lines files stay valid (secrets are replaced inside
 * their strings); other text files are redacted as text; binary files are left as they are.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redactor } from '../logs/redactor.js';

/** Redacts `files` (relative to `dir`) in place; resolves with a problem to warn about, or null. */
export async function redactSessionFiles(dir: string, files: readonly string[], redactor: Redactor): Promise<string | null> {
  if (!redactor.active) return null;
  for (const file of files) {
    const full = path.join(dir, ...file.split('/'));
    try {
      const data = await readFile(full);
      if (data.includes(0)) continue;
      const text = data.toString('utf8');
      const redacted = /\.jsonl?$/i.test(file) ? redactor.jsonLines(text) : redactor.text(text);
      if (redacted !== text) await writeFile(full, redacted, { mode: 0o600 });
    } catch (e: unknown) {
      return `cannot redact the session file ${file}: ${(e as Error).message}`;
    }
  }
  return null;
}
