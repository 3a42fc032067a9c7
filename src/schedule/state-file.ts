/**
 * The scheduler's memory across restarts: per job, the last fire time it handled.
 * Stored as `<runs root>/schedule-state.json`, replaced atomically (write a temporary file,
 * fsync, rename over, fsync the folder) so a crash leaves the old or the new file, never half
 * of one. The file is 0600 and its folder 0700.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';

export const STATE_FILE_NAME = 'schedule-state.json';

/** What the state file remembers about one scheduled job. */
export interface JobStateRecord {
  /** Absolute manifest path; with `job` it identifies the job. */
  manifest: string;
  job: string;
  /** The latest fire time that was run or deliberately skipped (ms since the epoch), or null if none yet. */
  lastFire: number | null;
  /** When a scheduler first saw this job; fire times before it were never owed. */
  firstSeen: number;
}

/** The whole state file. */
export interface ScheduleState {
  version: 1;
  jobs: JobStateRecord[];
}

export function stateFilePath(runsRoot: string): string {
  return path.join(runsRoot, STATE_FILE_NAME);
}

/** Reads the state file; a missing file is an empty state, a damaged one is an error. */
export async function readScheduleState(file: string): Promise<Result<ScheduleState, string>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return ok({ version: 1, jobs: [] });
    return err(`cannot read ${file}: ${(cause as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return err(`${file} is not valid JSON: ${(cause as Error).message}`);
  }
  const state = asScheduleState(parsed);
  return state === null ? err(`${file} does not look like a codex-run schedule state file (version 1)`) : ok(state);
}

let tmpCounter = 0;

/** Atomically replaces the state file with `state`. */
export async function writeScheduleState(file: string, state: ScheduleState): Promise<Result<void, string>> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (cause) {
    await fs.rm(tmp, { force: true });
    return err(`cannot write ${file}: ${(cause as Error).message}`);
  }
  await syncDirectory(dir);
  return ok(undefined);
}

// Makes the rename itself durable. Some file systems refuse fsync on a directory; the data
// is already safe there, so that refusal is not an error.
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // See above.
  } finally {
    await handle?.close();
  }
}

function asScheduleState(value: unknown): ScheduleState | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (record['version'] !== 1 || !Array.isArray(record['jobs'])) return null;
  const jobs: JobStateRecord[] = [];
  for (const item of record['jobs'] as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const j = item as Record<string, unknown>;
    const lastFire = j['lastFire'];
    if (typeof j['manifest'] !== 'string' || typeof j['job'] !== 'string' || typeof j['firstSeen'] !== 'number') return null;
    if (lastFire !== null && typeof lastFire !== 'number') return null;
    jobs.push({ manifest: j['manifest'], job: j['job'], lastFire, firstSeen: j['firstSeen'] });
  }
  return { version: 1, jobs };
}

/**
 * The in-memory copy of the state file, with saves serialised: each save writes the latest
 * snapshot, and saves asked for while one is in flight collapse into one more write.
 */
export class ScheduleStateStore {
  private readonly records = new Map<string, JobStateRecord>();
  private writing: Promise<Result<void, string>> | null = null;
  private again = false;

  constructor(
    readonly file: string,
    initial: ScheduleState,
  ) {
    for (const record of initial.jobs) this.records.set(key(record.manifest, record.job), { ...record });
  }

  get(manifest: string, job: string): JobStateRecord | undefined {
    const record = this.records.get(key(manifest, job));
    return record === undefined ? undefined : { ...record };
  }

  /** The record of a job, created with `firstSeen = now` when the job is new. */
  ensure(manifest: string, job: string, now: number): JobStateRecord {
    const k = key(manifest, job);
    let record = this.records.get(k);
    if (record === undefined) {
      record = { manifest, job, lastFire: null, firstSeen: now };
      this.records.set(k, record);
    }
    return { ...record };
  }

  /** Moves a job's last fire forward to `firedAt` (never backward). */
  recordFire(manifest: string, job: string, firedAt: number): void {
    const record = this.records.get(key(manifest, job)) ?? { manifest, job, lastFire: null, firstSeen: firedAt };
    record.lastFire = record.lastFire === null ? firedAt : Math.max(record.lastFire, firedAt);
    this.records.set(key(manifest, job), record);
  }

  snapshot(): ScheduleState {
    return { version: 1, jobs: [...this.records.values()].map((r) => ({ ...r })) };
  }

  /** Writes the current snapshot; resolves once a write that includes every change so far has finished. */
  save(): Promise<Result<void, string>> {
    if (this.writing !== null) {
      // The loop in flight sees the flag after its current write and writes once more.
      this.again = true;
      return this.writing;
    }
    this.writing = this.writeLoop();
    return this.writing;
  }

  private async writeLoop(): Promise<Result<void, string>> {
    let result: Result<void, string>;
    do {
      this.again = false;
      result = await writeScheduleState(this.file, this.snapshot());
    } while (this.again && result.ok);
    this.writing = null;
    return result;
  }
}

function key(manifest: string, job: string): string {
  return `${manifest}\u0000${job}`;
}
