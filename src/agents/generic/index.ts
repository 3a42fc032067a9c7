/**
 * `agent: generic`: an agent CLI codex-run has no adapter for, described in the job's
 * `generic:` section (options.ts), so the next agent runs supervised on the day it ships. The
 * argv comes from a template with `{prompt}` (and `{session}` to resume, or to choose the id up
 * front), the session id from its output or a file (session-id.ts), and everything else from
 * the shared parts: the screen classifier for waiting/working/idle, the job's answer rules,
 * idle ladder and resume policy.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AdviceContext, AgentAdapter, AgentDefaults, DoctorFinding, DoctorInput, LaunchPlan, LaunchProblem } from '../adapter.js';
import type { FailureReason } from '../../run/events.js';
import { findExecutable } from '../find-executable.js';
import type { JobSpec } from '../../manifest/model.js';
import { err, ok, type Result } from '../../util/result.js';
import { fillArgv, namesSession } from './argv.js';
import { GenericMonitor } from './monitor.js';
import { genericSpecOf, type GenericSpec, type SessionSource } from './options.js';
import { absoluteGlob } from './session-id.js';

/**
 * Generic jobs that set no limits: as an unattended agent's, stopped after 15 minutes without
 * progress (a dialog nobody answers included; with `resume:` the session is then resumed) and
 * after 4 hours in all.
 */
export const GENERIC_DEFAULTS: AgentDefaults = {
  timeoutMs: 4 * 3_600_000,
  idleKillMs: 15 * 60_000,
  why: 'generic agent default: an unattended agent that stops making progress is stopped',
};

/** Pause before the first key of an answer: TUIs drop keys sent the moment a dialog is drawn (codex: measured 100 ms). */
export const GENERIC_ANSWER_DELAY_MS = 150;

function specOf(job: JobSpec): GenericSpec {
  const spec = job.generic;
  if (spec === undefined) throw new Error(`Internal error: generic job '${job.name}' has no generic spec`);
  return spec;
}

// The program of an argv, resolved now so a missing one fails as binary-missing, not as "execvp failed".
function resolveProgram(job: JobSpec, env: Record<string, string>, program: string, field: string): Result<string, LaunchProblem> {
  const file = findExecutable(program, job.workdir, env['PATH']);
  if (file !== null) return ok(file);
  const where = program.includes('/') ? `no executable file at ${program}` : `no executable '${program}' on the job's PATH`;
  return err({ reason: 'binary-missing', message: `${field}: ${where}` });
}

// The session source with its file glob made absolute for this job.
function sessionFor(spec: GenericSpec, job: JobSpec, env: Record<string, string>): SessionSource | null {
  const source = spec.session;
  if (source?.kind !== 'file') return source;
  return { ...source, glob: absoluteGlob(source.glob, job.workdir, env['HOME']) };
}

// One launch: a new session (`resume` null) or the resume of one, by id.
function launch(job: JobSpec, env: Record<string, string>, prompt: string, resume: string | null): Result<LaunchPlan, LaunchProblem> {
  const spec = specOf(job);
  const template = resume === null ? spec.argv : spec.resume;
  if (template === null) return err({ reason: 'agent-usage', message: `job '${job.name}' cannot be resumed: its generic section has no \`resume\` argv` });
  // `{session}` in the first run's argv: the agent takes its id from us, as `--session-id <uuid>` does.
  const chosen = resume === null && namesSession(template) ? randomUUID() : null;
  const session = resume ?? chosen;
  const [program, ...args] = fillArgv(template, { prompt, session });
  if (program === undefined) throw new Error(`Internal error: generic job '${job.name}' has an empty argv`);
  const file = resolveProgram(job, env, program, resume === null ? 'generic.argv[0]' : 'generic.resume[0]');
  if (!file.ok) return file;
  const source = sessionFor(spec, job, env);
  return ok({
    file: file.value,
    args,
    env: { ...spec.env },
    monitor: (context) =>
      new GenericMonitor({
        ...context,
        session: source,
        fullScreen: spec.fullScreen,
        done: spec.done,
        knownId: session === null ? null : { id: session, chosen: chosen !== null },
      }),
  });
}

// `codex-run doctor`: the program each generic job runs, and whether it can resume.
async function doctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return jobs.map(({ job, env }): DoctorFinding => {
    const spec = specOf(job);
    const program = spec.argv[0] ?? '';
    const what = `generic ${path.basename(program)}`;
    const file = resolveProgram(job, env, program, 'generic.argv[0]');
    if (!file.ok) return { job: job.name, what, severity: 'error', text: file.error.message, notes: [] };
    const notes: string[] = [];
    if (spec.resume !== null) {
      const resumeProgram = spec.resume[0] ?? '';
      const resumeFile = resolveProgram(job, env, resumeProgram, 'generic.resume[0]');
      if (!resumeFile.ok) return { job: job.name, what, severity: 'error', text: resumeFile.error.message, notes: [] };
    }
    if (job.resume !== null && spec.resume === null) notes.push('the job has `resume:` but `generic.resume` is not set: it is never resumed');
    if (job.resume !== null && spec.resume !== null && spec.session === null && !namesSession(spec.argv)) {
      notes.push('the job has `resume:` but no `generic.session` and no {session} in argv: no session id is ever known, so it is never resumed');
    }
    return { job: job.name, what, severity: notes.length > 0 ? 'warning' : 'ok', text: `${file.value} (no version check: codex-run has no rules made for this agent)`, notes };
  });
}

// `--dry-run`: how the job resumes, where its session id comes from, and its done pattern.
// A generic agent's program is the job's `generic.argv[0]` (or `generic.resume[0]` when resuming).
function genericAdvice(reason: FailureReason, context: AdviceContext): string | null {
  if (reason !== 'binary-missing') return null;
  return `Install the agent's program or fix the job's \`generic.argv\` (or \`generic.resume\`) / PATH, then re-run: ${context.rerun}.`;
}

function describe(job: JobSpec): Array<{ label: string; text: string }> {
  const spec = specOf(job);
  const quoted = (argv: readonly string[]): string => argv.map((arg) => (/^[A-Za-z0-9_./:=@{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
  const source = spec.session;
  const session =
    namesSession(spec.argv) ? 'chosen by codex-run up front ({session} in argv)'
    : source === null ? 'none (the job cannot resume)'
    : source.kind === 'output' ? `from the output: /${source.pattern}/`
    : `from the newest file written during the attempt matching ${source.glob}${source.pattern === null ? ' (its name)' : `: /${source.pattern}/`}`;
  return [
    { label: 'resume', text: spec.resume === null ? 'none (no generic.resume)' : quoted(spec.resume) },
    { label: 'session', text: session },
    ...(spec.done === null ? [] : [{ label: 'done', text: `/${spec.done}/ closes the job as succeeded` }]),
  ];
}

/** The `agent: generic` adapter. */
export const genericAdapter: AgentAdapter = {
  kind: 'generic',
  defaults: GENERIC_DEFAULTS,
  // Per job (generic.interruptFirst, generic.decline) through terminalFor; these are never read.
  interruptFirst: true,
  decline: { kind: 'text', text: 'n', enter: true },
  terminalFor: (job) => {
    const spec = specOf(job);
    return { interruptFirst: spec.interruptFirst, decline: spec.decline };
  },
  answerDelayMs: GENERIC_ANSWER_DELAY_MS,
  plan(job, env) {
    if (job.prompt === null) throw new Error(`Internal error: generic job '${job.name}' has no prompt`);
    return launch(job, env, job.prompt, null);
  },
  resumePlan: (job, env, sessionId, prompt) => launch(job, env, prompt, sessionId),
  fullScreen: (job) => specOf(job).fullScreen,
  describe,
  advice: genericAdvice,
  doctor,
};

/** The spec of a generic job, defaults applied; exported for the manifest. */
export { genericSpecOf };
