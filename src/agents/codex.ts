import type { AgentAdapter, AgentDefaults, LaunchPlan, LaunchProblem } from './adapter.js';
import { codexArgv } from './codex/argv.js';
import { resolveCodexBinary } from './codex/binary.js';
import { codexBuiltinRules } from './codex/builtin-rules.js';
import { codexDoctor } from './codex/doctor.js';
import { codexAdvice, codexResumeByHand } from './codex/advice.js';
import { CodexMonitor } from './codex/monitor.js';
import { readSessionConversation } from './codex/rollout.js';
import { codexScreenActivity } from './codex/screen-activity.js';
import { codexSpecOf } from './codex/options.js';
import { planPrivateFolder } from './codex/private-folder.js';
import type { JobSpec } from '../manifest/model.js';
import { err, ok, type Result } from '../util/result.js';
import { usageLimitReset } from './codex/usage-limit.js';
import { codexRehearsal } from './codex/rehearsal/index.js';
import { exportCodexSession, importCodexSession } from './codex/session-files.js';

/**
 * The longest prompt passed as one argument, in bytes: Linux caps a single argv element at
 * 32 pages (MAX_ARG_STRLEN, 131072 bytes with its NUL).
 */
export const MAX_PROMPT_ARG_BYTES = 131_071;

/**
 * Pause before the first key of an answer to codex: measured with codex-cli 0.169, a `y`
 * sent the moment an approval dialog is drawn is lost, one sent 100 ms later is taken.
 */
export const CODEX_ANSWER_DELAY_MS = 150;

/**
 * Codex jobs that set no limits: stopped after 15 minutes without progress (a dialog nobody
 * answers included; with `resume:` the session is then resumed) and after 4 hours in all.
 */
export const CODEX_DEFAULTS: AgentDefaults = {
  timeoutMs: 4 * 3_600_000,
  idleKillMs: 15 * 60_000,
  why: 'codex default: an unattended agent that stops making progress is stopped',
};

// `--dry-run`: where the session id comes from and how the job resumes (by id, never --last).
function describeCodex(job: JobSpec): Array<{ label: string; text: string }> {
  const spec = job.codex ?? codexSpecOf(undefined);
  return spec.mode === 'exec'
    ? [
        { label: 'session', text: "reported by codex exec (its `session id:` line, or --json's thread id)" },
        { label: 'resume', text: 'codex exec … resume <session id> -- <prompt> (never --last)' },
      ]
    : [
        { label: 'session', text: 'reported by the codex TUI as it runs (e.g. the `codex resume <id>` line at exit)' },
        { label: 'resume', text: 'codex resume --no-daemon … <session id> -- <prompt> (never --last)' },
      ];
}

/**
 * Runs the prompt from a file on stdin: `sh -c 'exec "$@" < "$0"' <file> <codex> <args...>`.
 * The script is a constant; the file and every argument travel as argv, never through the
 * shell's parser, and the shell replaces itself with codex (no extra process).
 */
const STDIN_LAUNCHER = 'exec "$@" < "$0"';

// The launch of one codex run: a new session, or the resume of `resumeSessionId`.
function codexLaunch(job: JobSpec, env: Record<string, string>, prompt: string, resumeSessionId: string | null, preferStdin = false): Result<LaunchPlan, LaunchProblem> {
  const spec = job.codex ?? codexSpecOf(undefined);
  const binary = resolveCodexBinary(spec.bin, job.workdir, env['PATH']);
  if (!binary.ok) return err({ reason: 'binary-missing', message: binary.error.message });
  const promptBytes = Buffer.byteLength(prompt, 'utf8');
  // exec can always read the prompt from stdin: a prompt carrying tool output (a verify
  // command's) goes that way, so it never shows in the process list.
  const viaStdin = promptBytes > MAX_PROMPT_ARG_BYTES || (preferStdin && spec.mode === 'exec');
  if (viaStdin && spec.mode === 'tui') {
    return err({
      reason: 'agent-usage',
      message: `the prompt is ${promptBytes} bytes, more than one argument can hold (${MAX_PROMPT_ARG_BYTES}); the codex TUI takes its prompt only as an argument: use codex.mode: exec, which reads a long prompt from stdin`,
    });
  }
  const folder = spec.mode === 'exec' ? planPrivateFolder() : null;
  const args = codexArgv({
    spec,
    prompt: viaStdin ? '-' : prompt,
    skipGitRepoCheck: spec.mode === 'exec',
    lastMessageFile: folder?.lastMessageFile ?? null,
    resumeSessionId,
  });
  const launch =
    viaStdin && folder !== null
      ? { file: '/bin/sh', args: ['-c', STDIN_LAUNCHER, folder.promptFile, binary.value.file, ...args] }
      : { file: binary.value.file, args };
  return ok({
    ...launch,
    env: {},
    monitor: (context) => new CodexMonitor({ ...context, mode: spec.mode, folder, stdinPrompt: viaStdin ? prompt : null }),
  });
}

/**
 * `agent: codex`: the Codex CLI, `codex exec` (default) or the TUI (`codex.mode: tui`), with
 * the `codex:` options as flags (argv.ts), the prompt as one argv element after `--` (or on
 * stdin when it is too long for one argument), built-in rules for codex's own screens, and a
 * monitor that reads its OSC state, facts and failures.
 */
export const codexAdapter: AgentAdapter = {
  kind: 'codex',
  defaults: CODEX_DEFAULTS,
  interruptFirst: true,
  // Codex's approval dialogs take Esc as "No, and tell Codex what to do differently".
  decline: { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] },
  answerDelayMs: CODEX_ANSWER_DELAY_MS,
  builtinRules: (_job, firstIndex) => codexBuiltinRules(firstIndex),
  doctor: codexDoctor,
  advice: codexAdvice,
  describe: describeCodex,
  resumeByHand: codexResumeByHand,
  plan(job, env) {
    if (job.prompt === null) {
      throw new Error(`Internal error: codex job '${job.name}' has no prompt`);
    }
    return codexLaunch(job, env, job.prompt, null);
  },
  resumePlan: (job, env, sessionId, prompt, options) => codexLaunch(job, env, prompt, sessionId, options?.private === true),
  usageLimitReset,
  conversation: (env, sessionId, position) => readSessionConversation(env, sessionId, position),
  fullScreen: (job) => (job.codex ?? codexSpecOf(undefined)).mode === 'tui',
  screenActivity: codexScreenActivity,
  rehearsal: codexRehearsal,
  exportSession: exportCodexSession,
  importSession: importCodexSession,
};
