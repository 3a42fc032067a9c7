import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { adapterFor } from '../agents/registry.js';
import { readReport } from '../control/locate.js';
import { applyCheckout, checkCheckout, type CheckedCheckout } from '../handoff/apply-to-checkout.js';
import { findHandoff } from '../handoff/handoff-file.js';
import { ensurePrivateDir } from '../logs/private-dir.js';
import { DEFAULT_RESUME_PROMPT } from '../manifest/resume-fields.js';
import { REHEARSAL_LOG_FILE } from '../rehearsal/rehearse-run.js';
import { playedTurns } from '../rehearsal/played-turns.js';
import { processOutput } from '../ui/output-stream.js';
import { fail } from './control-target.js';
import { loadManifestOrReport } from './manifest-errors.js';
import { runCommand } from './run-command.js';

/** Where `resume --from` keeps the private agent home of a resumed rehearsal: `<runs>/.resume-homes/<job>-XXXX` (0700). */
export const RESUME_HOMES_DIR = '.resume-homes';

// The manifest to run the job from: --manifest, else the one the run was started from when it
// is on this machine, else jobs.yaml here.
async function manifestFor(flags: Record<string, unknown>, runDir: string): Promise<string | null> {
  if (typeof flags['manifest'] === 'string') return flags['manifest'];
  const report = await readReport(runDir);
  if (report.ok && typeof report.value.manifest === 'string' && existsSync(report.value.manifest)) return report.value.manifest;
  return existsSync('jobs.yaml') ? 'jobs.yaml' : null;
}

/**
 * `codex-run resume --from <folder> JOB [--workdir DIR] [--manifest FILE]`: continues a job's
 * agent session from a copy of its run folder (a shard's output, a merged folder, a downloaded
 * artifact) on this machine: the checkout at DIR must be at the commit the job started from and
 * clean; the job's patch is applied, its session files installed where the agent looks (a new
 * private home for a rehearsal; the user's CODEX_HOME otherwise, never overwriting a file), and
 * the session continued by id as a new run linked to the old one. Bad input: exit 2, nothing changed.
 */
export async function resumeFromCommand(from: string, jobName: string, flags: Record<string, unknown>): Promise<number> {
  const found = await findHandoff(path.resolve(from), jobName);
  if (!found.ok) return fail({ code: 2, message: found.error });
  const { handoff, dir, runDir } = found.value;
  if (handoff.sessionFiles.length === 0) {
    return fail({ code: 2, message: `the hand-off of ${handoff.job} in ${dir} holds no session files of ${handoff.sessionId} (its agent kept none where codex-run looked), so the session cannot be continued on this machine` });
  }
  const manifestFile = await manifestFor(flags, runDir);
  if (manifestFile === null) return fail({ code: 2, message: `the run's manifest is not on this machine and there is no jobs.yaml here: pass --manifest FILE (the job ${handoff.job} must be in it)` });
  const manifest = await loadManifestOrReport(manifestFile);
  if (manifest === null) return 2;
  const job = manifest.jobs.find((j) => j.name === handoff.job);
  if (job === undefined) return fail({ code: 2, message: `job "${handoff.job}" is not in ${manifest.file}` });
  if (job.agent !== handoff.agent) return fail({ code: 2, message: `job "${handoff.job}" is agent: ${job.agent} in ${manifest.file}, but its session was a ${handoff.agent} one` });
  const adapter = adapterFor(job.agent);
  if (adapter.importSession === undefined || adapter.resumePlan === undefined) return fail({ code: 2, message: `job "${handoff.job}" (agent: ${job.agent}) cannot be resumed on another machine` });
  const workdir = path.resolve(typeof flags['workdir'] === 'string' ? flags['workdir'] : job.workdir);
  const { stderr } = processOutput();

  let checked: CheckedCheckout | null = null;
  if (handoff.workdir !== null) {
    const checkout = await checkCheckout(dir, handoff.workdir, workdir);
    if (!checkout.ok) return fail({ code: 2, message: checkout.error });
    checked = checkout.value;
  } else {
    stderr.write(`codex-run: warning: ${handoff.job} did not run in a git repository: no changes to bring over; ${workdir} is used as it is\n`);
  }

  const rehearsed = handoff.rehearsal;
  const runsRoot = typeof flags['out'] === 'string' ? path.resolve(flags['out']) : path.join(manifest.dir, '.codex-run', 'runs');
  let agentHome: string | undefined;
  let installEnv: Record<string, string | undefined>;
  if (rehearsed) {
    // A rehearsal's sessions go into a new private agent home, which the rehearsal then reuses
    // (its config is rewritten for the new server when the run starts).
    if (adapter.rehearsal === undefined) return fail({ code: 2, message: `job "${handoff.job}" was rehearsed, but agent: ${job.agent} has no rehearsal` });
    const parent = path.join(runsRoot, RESUME_HOMES_DIR);
    const made = await ensurePrivateDir(parent, 'resume homes folder');
    if (!made.ok) return fail({ code: 1, message: made.error });
    try {
      const home = await adapter.rehearsal.createHome({ baseUrl: 'http://127.0.0.1:9/r/resume', job, parentDir: await mkdtemp(path.join(parent, `${job.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-`)) });
      agentHome = home.dir;
      installEnv = home.childEnv({});
    } catch (error) {
      return fail({ code: 1, message: `cannot create a private agent home in ${parent}: ${(error as Error).message}` });
    }
  } else {
    installEnv = { ...process.env, ...job.env };
  }

  if (checked !== null) {
    const applied = await applyCheckout(checked);
    if (!applied.ok) return fail({ code: 1, message: applied.error });
    if (checked.patch !== null) stderr.write(`codex-run: applied the job's changes to ${checked.root}\n`);
  }
  const installed = await adapter.importSession(installEnv, dir, handoff.sessionFiles);
  if (!installed.ok) return fail({ code: 1, message: installed.error });
  for (const kept of installed.value.kept) stderr.write(`codex-run: ${kept} is already there; kept as it is\n`);

  const played = agentHome === undefined ? 0 : playedTurns(runDir, job.name);
  if (played === null) stderr.write(`codex-run: warning: no ${REHEARSAL_LOG_FILE} beside the hand-off in ${runDir}: the rehearsal script is played again from its first turn\n`);
  const prompt = typeof flags['prompt'] === 'string' ? flags['prompt'] : DEFAULT_RESUME_PROMPT;
  return runCommand(
    manifest.file,
    { ...flags, job: [job.name], out: runsRoot, rehearse: rehearsed },
    {
      resume: {
        job: job.name,
        sessionId: handoff.sessionId,
        prompt,
        fromRunId: handoff.runId,
        workdir,
        ...(agentHome !== undefined ? { agentHome, skipTurns: played ?? 0 } : {}),
      },
    },
  );
}
