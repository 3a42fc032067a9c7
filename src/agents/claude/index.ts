/**
 * `agent: claude`: Claude Code (2.1.332), headless (`claude -p --output-format stream-json
 * --verbose`, the default) or the TUI (`claude.mode: tui`), with the `claude:` options as flags
 * (argv.ts), a session id chosen before the start (`--session-id`) and resumed by that id
 * (`--resume`), built-in rules for its first-run screens, and a monitor that reads its
 * stream-json events (headless) or OSC 7501 states (tui, after answering the probe).
 */
import { claudeAdvice } from './advice.js';
import { randomUUID } from 'node:crypto';
import type { AgentAdapter, AgentDefaults, LaunchPlan, LaunchProblem } from '../adapter.js';
import type { JobSpec } from '../../manifest/model.js';
import { denyRulesOf } from '../../session/policies/tool-call-deny.js';
import { err, ok, type Result } from '../../util/result.js';
import { claudeArgv } from './argv.js';
import { resolveClaudeBinary } from './binary.js';
import { claudeBuiltinRules } from './builtin-rules.js';
import { claudeDoctor } from './doctor.js';
import { ClaudeMonitor } from './monitor.js';
import { claudeSpecOf, type ClaudeSpec } from './options.js';
import { planPromptFile } from './prompt-file.js';
import { claudeRehearsal } from './rehearsal/index.js';
import { claudeScreenActivity } from './screen-activity.js';
import { exportClaudeSession, importClaudeSession } from './session-files.js';
import { readClaudeConversation } from './transcript.js';
import { claudeUsageLimitReset } from './usage-limit.js';

/** The longest prompt passed as one argument, in bytes (Linux's MAX_ARG_STRLEN less its NUL). */
const MAX_PROMPT_ARG_BYTES = 131_071;

/**
 * Headless runs read nothing from their terminal: `-p` with a stdin that is not /dev/null waits
 * 3 s for piped data and warns (reference README §3). The script is a constant; claude and its
 * arguments travel as argv, and the shell replaces itself with claude.
 */
const NULL_STDIN_LAUNCHER = 'exec "$@" < /dev/null';
/** The same with the prompt file as stdin: `sh -c 'exec "$@" < "$0"' <file> <claude> <args...>`. */
const FILE_STDIN_LAUNCHER = 'exec "$@" < "$0"';

/**
 * Pause before the first key of an answer: Claude Code's dialogs (Ink) take a digit or Enter
 * only once drawn; a short pause, as for codex, keeps the key from arriving mid-draw.
 */
export const CLAUDE_ANSWER_DELAY_MS = 150;

/** Claude jobs that set no limits: as codex's, for the same reasons. */
export const CLAUDE_DEFAULTS: AgentDefaults = {
  timeoutMs: 4 * 3_600_000,
  idleKillMs: 15 * 60_000,
  why: 'claude default: an unattended agent that stops making progress is stopped',
};

function specOf(job: JobSpec): ClaudeSpec {
  return job.claude ?? claudeSpecOf(undefined);
}

// The launch of one claude run: a new session under a fresh id, or the resume of `resumeId`.
function claudeLaunch(job: JobSpec, env: Record<string, string>, prompt: string, resumeId: string | null, preferStdin = false): Result<LaunchPlan, LaunchProblem> {
  const spec = specOf(job);
  const binary = resolveClaudeBinary(spec.bin, job.workdir, env['PATH']);
  if (!binary.ok) return err({ reason: 'binary-missing', message: binary.error.message });
  const bytes = Buffer.byteLength(prompt, 'utf8');
  // Headless claude reads a prompt without an argument from stdin; the TUI only takes an argument.
  const viaStdin = spec.mode === 'headless' && (bytes > MAX_PROMPT_ARG_BYTES || preferStdin);
  if (bytes > MAX_PROMPT_ARG_BYTES && !viaStdin) {
    return err({ reason: 'agent-usage', message: `the prompt is ${bytes} bytes, more than one argument can hold (${MAX_PROMPT_ARG_BYTES}); the claude TUI takes its prompt only as an argument: use claude.mode: headless, which reads a long prompt from stdin` });
  }
  const session = resumeId === null ? { kind: 'new' as const, id: randomUUID() } : { kind: 'resume' as const, id: resumeId };
  const promptFile = viaStdin ? planPromptFile(prompt) : null;
  const args = claudeArgv({ spec, prompt: viaStdin ? null : prompt, session });
  const launch =
    spec.mode === 'tui' ? { file: binary.value.file, args }
    : promptFile !== null ? { file: '/bin/sh', args: ['-c', FILE_STDIN_LAUNCHER, promptFile.file, binary.value.file, ...args] }
    : { file: '/bin/sh', args: ['-c', NULL_STDIN_LAUNCHER, 'claude', binary.value.file, ...args] };
  const extraEnv: Record<string, string> = spec.configDir === null ? {} : { CLAUDE_CONFIG_DIR: spec.configDir };
  return ok({
    ...launch,
    env: extraEnv,
    monitor: (context) => new ClaudeMonitor({ ...context, mode: spec.mode, sessionId: session.id, promptFile, denyRules: denyRulesOf(job.supervision.answers) }),
  });
}

// `--dry-run`: where the session id comes from and how the job resumes.
function describe(job: JobSpec): Array<{ label: string; text: string }> {
  const spec = specOf(job);
  return [
    { label: 'session', text: 'chosen by codex-run up front (--session-id <uuid>), recorded before the start' },
    { label: 'resume', text: `claude${spec.mode === 'headless' ? ' -p' : ''} --resume <session id> (never --continue)` },
    { label: 'state', text: spec.mode === 'headless' ? 'stream-json events (session, tool calls, denials, tokens, cost, errors)' : 'OSC 7501 after codex-run answers the probe (idle, working, blocked, done, error)' },
  ];
}

export const claudeAdapter: AgentAdapter = {
  kind: 'claude',
  defaults: CLAUDE_DEFAULTS,
  // SIGTERM ends Claude Code cleanly; Ctrl-C at its prompt only shows "Press Ctrl-C again to exit".
  interruptFirst: false,
  // Claude's approval dialogs take Esc as "No" (the turn ends: captures/11, 14, 16).
  decline: { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] },
  answerDelayMs: CLAUDE_ANSWER_DELAY_MS,
  builtinRules: (job, firstIndex) => (specOf(job).mode === 'tui' ? claudeBuiltinRules(firstIndex) : []),
  plan(job, env) {
    if (job.prompt === null) throw new Error(`Internal error: claude job '${job.name}' has no prompt`);
    return claudeLaunch(job, env, job.prompt, null);
  },
  resumePlan: (job, env, sessionId, prompt, options) => claudeLaunch(job, env, prompt, sessionId, options?.private === true),
  usageLimitReset: claudeUsageLimitReset,
  conversation: readClaudeConversation,
  // The TUI redraws a full screen; headless output is one long JSON object per line. Neither
  // reads well decoded: the transcript and the live line come from Claude Code's own session
  // record and from the screen (screen-activity.ts) in both modes.
  fullScreen: () => true,
  screenActivity: claudeScreenActivity,
  rehearsal: claudeRehearsal,
  describe,
  doctor: claudeDoctor,
  advice: claudeAdvice,
  exportSession: exportClaudeSession,
  importSession: importClaudeSession,
};
