/**
 * File names for per-job files in a run folder. Job names come from the manifest and may
 * hold anything (`../../etc/passwd`, emoji, an empty string); each is reduced to a safe
 * alphabet so it can never leave the run folder, and de-duplicated so two jobs never share
 * a file.
 */
import path from 'node:path';

/** Longest base name handed out (before `.log` / `.txt`), in bytes (the alphabet is ASCII). */
export const MAX_FILE_BASE_LENGTH = 64;

/** Base name used when nothing safe is left of a job name. */
const EMPTY_NAME_FALLBACK = 'job';

// Matches one code point outside the alphabet; the `u` flag keeps surrogate pairs as one.
const UNSAFE_CHAR = /[^A-Za-z0-9._-]/gu;

/** Reduces one name to `[A-Za-z0-9._-]`, no leading `.` or `-`, never empty, capped in length. */
export function safeBaseName(name: string): string {
  let base = name.replace(UNSAFE_CHAR, '_');
  // A leading '.' would hide the file (and '..' means the parent); a leading '-' reads as an option.
  base = base.replace(/^[.-]/, '_');
  if (base.length === 0) base = EMPTY_NAME_FALLBACK;
  return base.slice(0, MAX_FILE_BASE_LENGTH);
}

/**
 * Maps every job name to a distinct safe base name, deterministically: in the given order
 * the first job keeps `a_b`, later ones get `a_b-2`, `a_b-3`, ... Names are compared
 * case-insensitively so `Build` and `build` do not share a file on macOS or Windows disks.
 */
export function assignFileNames(jobNames: string[]): Map<string, string> {
  const assigned = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of jobNames) {
    if (assigned.has(name)) continue;
    const base = safeBaseName(name);
    let candidate = base;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
      const suffix = `-${n}`;
      candidate = base.slice(0, MAX_FILE_BASE_LENGTH - suffix.length) + suffix;
    }
    taken.add(candidate.toLowerCase());
    assigned.set(name, candidate);
  }
  return assigned;
}

/**
 * The absolute path of `name` directly inside `dir`. Names from {@link assignFileNames}
 * always pass; anything else that would land elsewhere is a bug, so this throws.
 */
export function resolveInside(dir: string, name: string): string {
  const root = path.resolve(dir);
  const full = path.resolve(root, name);
  if (path.dirname(full) !== root || path.basename(full) !== name) {
    throw new Error(`Internal error: file name ${JSON.stringify(name)} would escape ${root}`);
  }
  return full;
}
