import { open } from 'node:fs/promises';
import { readJobLog } from '../control/job-logs.js';
import { isSameProcessAlive } from '../control/process-identity.js';
import { readReport, type LocatedJob } from '../control/locate.js';
import { processOutput } from '../ui/output-stream.js';
import { fail, findJob } from './control-target.js';

/** How often `-f` looks for new output, and how often it asks whether the job finished. */
const FOLLOW_POLL_MS = 150;
const FINISHED_CHECK_MS = 500;

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
  const read = await readJobLog(found.value, { raw: flags['raw'] === true, tail: tailLines });
  if (!read.ok) return fail({ code: 1, message: read.error });
  const { file } = read.value;
  const { stdout } = processOutput();
  stdout.write(read.value.data);
  if (flags['follow'] !== true) return 0;
  // Follow from where the read ended (the tail shown is the last lines of what was read).
  let offset = read.value.size;
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
