/**
 * A job's digest for the shard plan's hash: what decides what the job runs (agent, prompt,
 * command, workdir, variable names, limits, codex options, isolation, shard group). It must be
 * the same on every machine that checks out the same manifest, so paths under the manifest's
 * folder are written relative to it and variable values (machine- and secret-dependent) are
 * left out: only their names count.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { JobSpec } from '../manifest/model.js';

/** sha256 hex of `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

// Every string naming the manifest folder or a path below it, written relative to it ('.', './x').
function relativeTo(dir: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === dir) return '.';
    return value.split(dir + path.sep).join('./');
  }
  if (Array.isArray(value)) return value.map((v) => relativeTo(dir, v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relativeTo(dir, v)]));
  }
  return value;
}

/** The parts of a job that decide what it runs, machine-independent. */
export function jobDigestInput(job: JobSpec, manifestDir: string): unknown {
  return relativeTo(manifestDir, {
    agent: job.agent,
    prompt: job.prompt,
    command: job.command,
    workdir: job.workdir,
    envKeys: Object.keys(job.env).sort(),
    timeoutMs: job.timeoutMs,
    codex: job.codex,
    isolation: job.workspace?.isolation ?? 'none',
    shardGroup: job.shardGroup ?? null,
  });
}

/** sha256 of {@link jobDigestInput}. */
export function jobDigest(job: JobSpec, manifestDir: string): string {
  return sha256(canonicalJson(jobDigestInput(job, manifestDir)));
}
