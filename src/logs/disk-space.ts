/**
 * The run folder's disk space. A full disk must not cost the run its final report:
 *
 * - A reserve file (`.space-reserve`, incompressible bytes) is written into the run folder
 *   when it is made; the report writer deletes it to make room when a report write fails for
 *   lack of space, then writes again.
 * - The first writer that meets ENOSPC/EDQUOT marks the disk full, and every other file of
 *   the run (job logs, transcripts, events.jsonl) stops writing at once, so the space the
 *   reserve frees goes to report.json and not to more output.
 *
 *   ok ──a writer meets ENOSPC──▶ full (every log stops) ──report write fails──▶ reserve released
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from './secure-file.js';

/** The reserve's file name in a run folder. */
export const RESERVE_FILE_NAME = '.space-reserve';

/** The reserve for a run of `jobs` jobs: room for a few copies of a large final report (it is replaced via a temporary file). */
export function reserveBytesFor(jobs: number): number {
  return 128 * 1024 + jobs * 8 * 1024;
}

/** Shared by every writer of one run folder. */
export class DiskSpace {
  private isFull = false;
  private listeners: Array<() => void> = [];
  private reserveFile: string | null = null;

  /** Writes the reserve into `dir`; on failure (the disk is already nearly full) the run goes on without one. */
  async reserve(dir: string, bytes: number): Promise<boolean> {
    const file = path.join(dir, RESERVE_FILE_NAME);
    try {
      await writeFile(file, randomBytes(bytes), { flag: 'wx', mode: PRIVATE_FILE_MODE });
      this.reserveFile = file;
      return true;
    } catch {
      await rm(file, { force: true }).catch(() => undefined);
      return false;
    }
  }

  /** The reserve now lives in `dir` (its folder was renamed). */
  moved(dir: string): void {
    if (this.reserveFile !== null) this.reserveFile = path.join(dir, RESERVE_FILE_NAME);
  }

  get full(): boolean {
    return this.isFull;
  }

  /** A writer met ENOSPC: every other writer stops. */
  markFull(): void {
    if (this.isFull) return;
    this.isFull = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  /** Calls `listener` once when the disk is marked full (at once if it already is). Returns its removal. */
  onFull(listener: () => void): () => void {
    if (this.isFull) {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Deletes the reserve to make room; false when there is none left to free. */
  async release(): Promise<boolean> {
    this.markFull();
    const file = this.reserveFile;
    if (file === null) return false;
    this.reserveFile = null;
    try {
      await rm(file);
      return true;
    } catch {
      return false;
    }
  }

  /** Removes the reserve at the end of a run that did not need it. */
  async dispose(): Promise<void> {
    const file = this.reserveFile;
    this.reserveFile = null;
    if (file !== null) await rm(file, { force: true }).catch(() => undefined);
  }
}
