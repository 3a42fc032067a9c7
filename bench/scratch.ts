/** The bench's temporary folders: one root per bench run (0700), removed at the end. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class Scratch {
  private constructor(readonly root: string) {}

  /** Creates the root folder under the system temp folder. */
  static create(): Scratch {
    return new Scratch(mkdtempSync(path.join(tmpdir(), 'codex-run-bench-')));
  }

  /** A new, empty folder inside the root (0700: it holds job logs). */
  async dir(name: string): Promise<string> {
    const dir = path.join(this.root, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Removes a folder made by {@link dir} (big logs go as soon as they are checked). */
  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes everything; synchronous so it also works from a signal handler. */
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
