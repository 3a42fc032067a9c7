import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocatedJob } from './locate.js';
import { err, ok, type Result } from '../util/result.js';

/** The last `n` lines of `data` (a trailing newline does not count as a line). */
export function lastLines(data: Buffer, n: number): Buffer {
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0a) end--;
  let start = end;
  for (let seen = 0; start > 0; start--) {
    if (data[start - 1] === 0x0a && ++seen === n) break;
  }
  return data.subarray(start);
}

/** The job's transcript (or raw log), whole or its last `tail` lines; `size` is the whole file's length as read. */
export async function readJobLog(found: LocatedJob, options: { raw?: boolean; tail?: number | null } = {}): Promise<Result<{ file: string; data: Buffer; size: number }, string>> {
  const file = path.join(found.run.runDir, options.raw === true ? found.job.logFile : found.job.transcriptFile);
  try {
    const data = await readFile(file);
    return ok({ file, data: options.tail == null ? data : lastLines(data, options.tail), size: data.length });
  } catch (e: unknown) {
    return err(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
