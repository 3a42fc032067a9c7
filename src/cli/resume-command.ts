import { existsSync } from 'node:fs';
import path from 'node:path';
import { readReport } from '../control/locate.js';
import { DEFAULT_RESUME_PROMPT } from '../manifest/resume-fields.js';
import { keptRehearsalHome, REHEARSAL_LOG_FILE } from '../rehearsal/rehearse-run.js';
import { playedTurns } from '../rehearsal/played-turns.js';
import { fail, findJob } from './control-target.js';
import { runCommand } from './run-command.js';
import { codexRunBin, startDetached } from '../control/detach.js';
import { printStarted } from './start-command.js';

// The old rehearsal's private agent home of the job, when the run was a rehearsal that kept it.
async function rehearsalHome(runDir: string, job: string): Promise<string | null> {
  const home = await keptRehearsalHome(runDir, job);
  return home !== null && existsSync(home) ? home : null;
}

/**
 * `codex-run resume JOB [--prompt TEXT]`: continues a past agent job (codex, generic with
 * `generic.resume`, ...) by its session id, as a
 * new run (in the same runs folder) linked to the old one (`resumedFrom` in its report). The
 * job runs from its manifest as it is now, with the same environment (so the same CODEX_HOME);
 * a rehearsed job is rehearsed again with its old rehearsal home and sessions.
 */
export async function resumeCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  if (typeof flags['from'] === 'string') {
    if (flags['detach'] === true) return fail({ code: 2, message: '--from cannot be combined with --detach' });
    const { resumeFromCommand } = await import('./resume-from-command.js');
    return resumeFromCommand(flags['from'], spec, flags);
  }
  if (flags['detach'] === true) {
    // The same command in the background (see start-command.ts).
    const args = ['resume', spec, ...(typeof flags['prompt'] === 'string' ? ['--prompt', flags['prompt']] : []), ...(typeof flags['out'] === 'string' ? ['--out', flags['out']] : [])];
    if (typeof flags['grace'] === 'number') args.push('--grace', `${flags['grace']}ms`);
    return printStarted(await startDetached(codexRunBin(), args, { cwd: process.cwd(), env: process.env }), flags['json'] === true);
  }
  // A bare JOB is the one of the newest run that has it (an earlier resume's run holds only its own job).
  const found = await findJob(spec, flags, { newestHolding: true });
  if (!found.ok) return fail(found.error);
  const { run, job } = found.value;
  if (job.sessionId === null) {
    return fail({ code: 1, message: `job ${job.name} of run ${run.runId} has no session id to resume (its agent never reported one)` });
  }
  if (job.status === 'pending' || job.status === 'running') {
    return fail({ code: 1, message: `job ${job.name} of run ${run.runId} is still ${job.status}; stop it first (codex-run kill ${run.runId}/${job.name})` });
  }
  const report = await readReport(run.runDir);
  if (!report.ok) return fail({ code: 1, message: report.error });
  const rehearsed = existsSync(path.join(run.runDir, REHEARSAL_LOG_FILE));
  const home = rehearsed ? await rehearsalHome(run.runDir, job.name) : null;
  if (rehearsed && home === null) {
    return fail({ code: 1, message: `job ${job.name} of run ${run.runId} was rehearsed, but its rehearsal agent home was not kept; it cannot be resumed` });
  }
  const prompt = typeof flags['prompt'] === 'string' ? flags['prompt'] : DEFAULT_RESUME_PROMPT;
  // A rehearsed session goes on in its script after the turns it played (not from the first one).
  const skipTurns = home !== null ? (playedTurns(run.runDir, job.name) ?? 0) : 0;
  return runCommand(
    report.value.manifest,
    { ...flags, job: [job.name], out: path.dirname(run.runDir), rehearse: rehearsed },
    { resume: { job: job.name, sessionId: job.sessionId, prompt, fromRunId: run.runId, ...(home !== null ? { agentHome: home, skipTurns } : {}) } },
  );
}
