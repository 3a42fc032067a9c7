/**
 * Screens to test rules on, read from files: `.txt` (plain text as a person saw it), `.ansi`
 * (the same with colour escapes, e.g. `tmux capture-pane -e`) and `.log` (a job's byte-exact
 * PTY output from a run folder). Each is rendered in the real ScreenModel at the job's PTY
 * size, so rules see exactly what they would see in a run.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ScreenModel, type ScreenSnapshot } from '../session/screen.js';
import { err, ok, type Result } from '../util/result.js';
import { VirtualClock } from '../util/virtual-clock.js';
import { describeFsError } from '../logs/fs-error.js';

/** How a screen file is turned into terminal bytes. */
export type ScreenKind = 'txt' | 'ansi' | 'log';

/** One screen to evaluate, and its expectation file when there is one. */
export interface ScreenFile {
  file: string;
  kind: ScreenKind;
  /** `<name>.expect.yaml` next to it, or null. */
  expectFile: string | null;
}

/** Screen files larger than this are refused (a job log can be big; its tail is what counts). */
export const MAX_SCREEN_FILE_BYTES = 256 * 1024 * 1024;

/** The kind of a screen file by its extension, or null when it is not one. */
export function screenKind(file: string): ScreenKind | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.txt' ? 'txt' : ext === '.ansi' ? 'ansi' : ext === '.log' ? 'log' : null;
}

/** The expectation file that goes with a screen file: `05_approval.txt` -> `05_approval.expect.yaml`. */
export function expectFileFor(file: string): string {
  return path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.expect.yaml`);
}

/**
 * The screens named by `paths`: screen files, and folders (their `.txt`, `.ansi` and `.log`
 * files, not recursive, sorted by name). A path that is neither is an error. Expectation
 * files are looked up beside each screen, or in `expectDir` when given (for screens in a
 * folder that is not yours, such as reference captures).
 */
export async function collectScreens(paths: readonly string[], expectDir: string | null = null): Promise<Result<ScreenFile[], string>> {
  const out: ScreenFile[] = [];
  for (const given of paths) {
    const file = path.resolve(given);
    let isDir: boolean;
    try {
      isDir = (await stat(file)).isDirectory();
    } catch (e: unknown) {
      return err(`cannot read screen ${given}: ${describeFsError(e)}`);
    }
    const files: string[] = [];
    if (isDir) {
      const names = (await readdir(file)).sort();
      for (const name of names) if (screenKind(name) !== null) files.push(path.join(file, name));
      if (files.length === 0) return err(`${given}: no screen files (.txt, .ansi or .log) in this folder`);
    } else {
      if (screenKind(file) === null) return err(`${given}: expected a screen file (.txt, .ansi or .log) or a folder of them`);
      files.push(file);
    }
    for (const f of files) {
      const expect = expectDir === null ? expectFileFor(f) : path.join(path.resolve(expectDir), path.basename(expectFileFor(f)));
      out.push({ file: f, kind: screenKind(f)!, expectFile: (await exists(expect)) ? expect : null });
    }
  }
  return ok(out);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Reads a screen file's bytes, refusing huge ones. */
export async function readScreenFile(file: string): Promise<Result<Buffer, string>> {
  try {
    const size = (await stat(file)).size;
    if (size > MAX_SCREEN_FILE_BYTES) return err(`${file}: ${size} bytes, more than the ${MAX_SCREEN_FILE_BYTES} a screen file may have`);
    return ok(await readFile(file));
  } catch (e: unknown) {
    return err(`cannot read ${file}: ${describeFsError(e)}`);
  }
}

// An escape sequence (CSI, OSC, or a two-byte ESC x), to tell blank dump lines from others.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/**
 * The bytes a terminal must receive to show a screen file. Screen dumps (`.txt`, `.ansi`)
 * separate rows with `\n`: each becomes CRLF, and blank rows at the end are dropped so a
 * dump as tall as the terminal does not scroll its first row away. A `.log` is already what
 * the PTY sent and is used as is.
 */
export function screenBytes(kind: ScreenKind, data: Buffer): Buffer {
  if (kind === 'log') return data;
  const lines = data.toString('utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.replace(ESCAPES, '').trim() === '') lines.pop();
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** A screen rendered in a ScreenModel; `dispose()` when done with the snapshot. */
export interface RenderedScreen {
  snap: ScreenSnapshot;
  dispose(): void;
}

/** Renders terminal bytes at `cols` x `rows` and takes the snapshot. */
export async function renderScreen(bytes: Buffer, size: { cols: number; rows: number }, clock = new VirtualClock(0)): Promise<RenderedScreen> {
  const model = new ScreenModel({ cols: size.cols, rows: size.rows, clock, highWaterMark: Number.MAX_SAFE_INTEGER });
  // Feed in slices: xterm's parser is fine with any split, and this keeps memory flat for a big log.
  const SLICE = 1024 * 1024;
  for (let i = 0; i < bytes.length; i += SLICE) {
    model.write(bytes.subarray(i, i + SLICE));
    await model.whenParsed();
  }
  await model.whenParsed();
  return { snap: model.snapshot(), dispose: () => model.dispose() };
}
