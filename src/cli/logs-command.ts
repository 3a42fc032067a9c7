import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isSameProcessAlive } from '../control/process-identity.js';
import { readReport, type LocatedJob } from '../control/locate.js';
import { processOutput } from '../ui/output-stream.js';
import { fail, findJob } from './control-target.js';

/** How often `-f` looks for new output, and how often it asks whether the job finished. */
const FOLLOW_POLL_MS = 150;
const FINISHED_CHECK_MS = 500;

/** The last `n` lines of `data` (a trailing newline does not count as a line). */
function lastLines(data: Buffer, n: number): Buffer {
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0a) end--;
  let start = end;
  for (let seen = 0; start > 0; start--) {
    if (data[start - 1] === 0x0a && ++seen === n) break;
  }
  return data.subarray(start);
}

// Whether the followed job will write no more: it finished, or its run is no longer alive.
async function jobOver(found: LocatedJob): Promise<boolean> {
  const report = await readReport(found.run.runDir);
  const job = report.ok ? report.value.jobs.find((j) => j.name === found.job.name) : undefined;
  if (job !== undefined && job.status !== 'pending' && job.status !== 'running') return true;
  if (report.ok && report.value.status !== 'running') return true;
  return found.run.live === null || !isSameProcessAlive(found.run.live.entry);
}

/** `codex-run logs JOB [-f] [--tail N] [--raw]`: the job's transcript (or raw log); `-f` follows until the job ends. */
export async function logsCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const tail = flags['tail'];
  const tailLines = typeof tail === 'string' ? Number(tail) : null;
  if (tailLines !== null && (!Number.isInteger(tailLines) || tailLines < 0)) return fail({ code: 2, message: `--tail expects a whole number >= 0, found '${String(tail)}'` });
  const found = await findJob(spec, flags);
  if (!found.ok) return fail(found.error);
  const file = path.join(found.value.run.runDir, flags['raw'] === true ? found.value.job.logFile : found.value.job.transcriptFile);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e: unknown) {
    return fail({ code: 1, message: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` });
  }
  const { stdout } = processOutput();
  stdout.write(tailLines === null ? data : lastLines(data, tailLines));
  if (flags['follow'] !== true) return 0;
  let offset = data.length;
  const handle = await open(file, 'r');
  try {
    let nextCheck = 0;
    for (;;) {
      let over = false;
      if (Date.now() >= nextCheck) {
        over = await jobOver(found.value);
        nextCheck = Date.now() + FINISHED_CHECK_MS;
      }
      // Read to the end after learning it is over, so nothing written before the end is lost.
      for (;;) {
        const chunk = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        stdout.write(chunk.subarray(0, bytesRead));
      }
      if (over) return 0;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
  } finally {
    await handle.close();
  }
}
