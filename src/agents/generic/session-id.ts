/**
 * Where a generic agent's session id comes from (`generic.session`): a capture in its output,
 * or the newest file matching a glob that was written during the attempt (its content's capture,
 * or its name). The patterns are RE2 (linear time, see session/policies/pattern.ts); the glob
 * knows `*`, `?`, `[...]` within one path segment and `**` for any number of folders.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { compileCapture, type CapturePattern } from '../../session/policies/pattern.js';
import { WORKDIR_PLACEHOLDER } from './options.js';

/** The most bytes of a session file read for its id. */
const MAX_SESSION_FILE_BYTES = 1024 * 1024;
/** How deep `**` descends. */
const MAX_GLOB_DEPTH = 8;
/** How many folder entries a glob looks at before it gives up (a glob over a huge tree). */
const MAX_GLOB_ENTRIES = 20_000;
/**
 * Files written this long before the attempt started still count: a file system's timestamps
 * come from a coarser clock than Date.now() (one kernel tick, a few ms).
 */
const MTIME_SLACK_MS = 50;

/** A user pattern that was validated when the manifest was loaded. */
export function capture(source: string): CapturePattern {
  const compiled = compileCapture(source);
  if (!compiled.ok) throw new Error(`Internal error: session pattern ${JSON.stringify(source)} passed the manifest checks: ${compiled.error.message}`);
  return compiled.value;
}

/** The glob as an absolute pattern: `~` is `home`, `{workdir}` the job's workdir, a relative glob starts in the workdir. */
export function absoluteGlob(glob: string, workdir: string, home: string | undefined): string {
  let out = glob.split(WORKDIR_PLACEHOLDER).join(workdir);
  if ((out === '~' || out.startsWith('~/')) && home !== undefined) out = home + out.slice(1);
  return path.resolve(workdir, out);
}

/** The newest regular file matching the absolute `glob` modified at or after `since` (epoch ms), or null. */
export async function newestFile(glob: string, since: number): Promise<string | null> {
  const segments = glob.split('/').filter((s) => s !== '');
  let budget = MAX_GLOB_ENTRIES;
  let best: { file: string; mtime: number } | null = null;
  const consider = async (file: string): Promise<void> => {
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile() || info.mtimeMs < since - MTIME_SLACK_MS) return;
    if (best === null || info.mtimeMs > best.mtime) best = { file, mtime: info.mtimeMs };
  };
  const walk = async (dir: string, rest: readonly string[], depth: number): Promise<void> => {
    const [head, ...tail] = rest;
    if (head === undefined) return consider(dir);
    if (!hasMagic(head)) return walk(path.join(dir, head), tail, depth);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    budget -= entries.length;
    if (budget < 0) return;
    if (head === '**') {
      await walk(dir, tail, depth);
      if (depth >= MAX_GLOB_DEPTH) return;
      for (const entry of entries) if (entry.isDirectory()) await walk(path.join(dir, entry.name), rest, depth + 1);
      return;
    }
    const re = segmentRegExp(head);
    for (const entry of entries) if (re.test(entry.name)) await walk(path.join(dir, entry.name), tail, depth);
  };
  await walk('/', segments, 0);
  return (best as { file: string } | null)?.file ?? null;
}

/** The id in a session file: the first capture of `pattern` in its content, or without one its name up to the first dot. */
export async function sessionIdFromFile(file: string, pattern: CapturePattern | null): Promise<string | null> {
  if (pattern === null) {
    const base = path.basename(file);
    const id = base.includes('.') && !base.startsWith('.') ? base.slice(0, base.indexOf('.')) : base;
    return id === '' ? null : id;
  }
  const content = await readFile(file).catch(() => null);
  if (content === null) return null;
  return pattern.firstCapture(content.subarray(0, MAX_SESSION_FILE_BYTES).toString('utf8'));
}

function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

// One path segment's glob as an anchored RegExp; `*` and `?` never cross a `/`, and a leading
// dot must be written (as shells do).
function segmentRegExp(segment: string): RegExp {
  let out = segment.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
