/** Writes bench manifests. JSON is valid YAML 1.2, so a manifest is written as JSON: no quoting rules to get wrong. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One `agent: command` job, in manifest syntax. */
export interface BenchJob {
  agent: 'command';
  command: string[];
  timeout?: string;
  /** Answer rules in manifest syntax (see the answer-latency bench). */
  answers?: unknown[];
}

/** Writes `<dir>/<name>` and returns its path. */
export async function writeManifest(
  dir: string,
  name: string,
  manifest: { concurrency: number; jobs: Record<string, BenchJob> },
): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${JSON.stringify({ version: 1, ...manifest }, null, 1)}\n`, { mode: 0o600 });
  return file;
}
