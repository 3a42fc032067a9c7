/**
 * Writes a job's hand-off folder after an attempt (see handoff-file.ts): the adapter copies the
 * agent's session files, the workspace writes the work tree's patch, then handoff.json is
 * replaced atomically. Returns a problem to warn about, or null; never fails the job.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { ensurePrivateDir } from '../logs/private-dir.js';
import type { Redactor } from '../logs/redactor.js';
import { redactSessionFiles } from './redact-session-files.js';
import { resolveInside } from '../logs/safe-name.js';
import { REHEARSAL_HOMES_FILE } from '../rehearsal/rehearse-run.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import type { JobWorkspace } from '../workspace/job-workspace.js';
import { HANDOFF_DIR_SUFFIX, HANDOFF_FILE, PATCH_FILE, type Handoff } from './handoff-file.js';

export interface ExportHandoffOptions {
  adapter: AgentAdapter;
  /** The attempt's environment (where the agent kept its session). */
  env: Readonly<Record<string, string | undefined>>;
  job: string;
  /** Where the job ran, for messages. */
  workdir: string;
  runId: string;
  sessionId: string;
  runDir: string;
  /** The job's file base name in the run folder. */
  fileBase: string;
  workspace: JobWorkspace | null;
  /** The run's secrets, redacted from the exported session files. */
  redactor: Redactor;
  now: number;
}

export async function exportHandoff(o: ExportHandoffOptions): Promise<string | null> {
  if (o.adapter.exportSession === undefined) return null;
  const dir = resolveInside(o.runDir, `${o.fileBase}${HANDOFF_DIR_SUFFIX}`);
  const made = await ensurePrivateDir(dir, 'hand-off folder');
  if (!made.ok) return made.error;
  const sessions = await o.adapter.exportSession(o.env, o.sessionId, dir);
  if (!sessions.ok) return sessions.error;
  const redacted = await redactSessionFiles(dir, sessions.value, o.redactor);
  if (redacted !== null) return redacted;
  const patched = o.workspace === null ? null : await o.workspace.exportPatch(path.join(dir, PATCH_FILE));
  if (patched !== null && !patched.ok) return `cannot write the work tree's patch: ${patched.error}`;
  const record: Handoff = {
    version: 1,
    job: o.job,
    agent: o.adapter.kind,
    runId: o.runId,
    sessionId: o.sessionId,
    exportedAt: new Date(o.now).toISOString(),
    // A rehearsal records its private homes in the run folder before any job starts.
    rehearsal: existsSync(path.join(o.runDir, REHEARSAL_HOMES_FILE)),
    sessionFiles: sessions.value,
    workdir: patched === null || patched.value === null ? null : { ...patched.value, patch: PATCH_FILE, path: o.workdir },
  };
  const written = await writeFileAtomic(path.join(dir, HANDOFF_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return written.ok ? null : written.error;
}
