/**
 * `agent: gemini`: Gemini CLI (0.61.0), headless (`gemini.mode: headless`, the default:
 * `-p -o stream-json`) or the interactive TUI (`gemini.mode: tui`), with the `gemini:` options as
 * flags (argv.ts), a session id chosen by codex-run (`--session-id`) and resumed by that id
 * (`--resume <id>`, in the same workdir: gemini keeps sessions per project folder), built-in
 * rules for its trust screen, a monitor that reads its event stream (headless) or its window
 * title (tui), and a rehearsal face for the Gemini API.
 */
import { geminiAdvice } from './advice.js';
import { geminiDoctor } from './doctor.js';
import { randomUUID } from 'node:crypto';
import type { AgentAdapter, AgentDefaults, LaunchPlan, LaunchProblem } from '../adapter.js';
import type { JobSpec } from '../../manifest/model.js';
import { denyRulesOf } from '../../session/policies/tool-call-deny.js';
import { err, ok, type Result } from '../../util/result.js';
import { readGeminiConversation } from './conversation.js';
import { geminiArgv, type GeminiArgvInput } from './argv.js';
import { resolveGeminiBinary } from './binary.js';
import { geminiBuiltinRules } from './builtin-rules.js';
import { GeminiMonitor } from './monitor.js';
import { geminiSpecOf } from './options.js';
import { geminiHome, readGeminiSession } from './session-record.js';
import { geminiFace } from './rehearsal/face.js';
import { createGeminiHome, GEMINI_PRIVATE_ENV } from './rehearsal/home.js';
import { geminiScreenActivity } from './screen-activity.js';
import { geminiUsageLimitReset } from './usage-limit.js';

/**
 * The longest prompt passed as one argument, in bytes (Linux's MAX_ARG_STRLEN less the NUL and
 * the `--prompt=` in front of it). Gemini reads a longer one only from stdin, which in a PTY is
 * the terminal: such a prompt is refused with a clear message.
 */
export const MAX_GEMINI_PROMPT_BYTES = 131_071 - '--prompt-interactive='.length;

/** Pause before the first key of an answer: the dialog's key handler is attached just after it is drawn. */
export const GEMINI_ANSWER_DELAY_MS = 300;

/** Gemini jobs that set no limits: as codex, stopped after 15 minutes without progress and after 4 hours. */
export const GEMINI_DEFAULTS: AgentDefaults = {
  timeoutMs: 4 * 3_600_000,
  idleKillMs: 15 * 60_000,
  why: 'gemini default: an unattended agent that stops making progress is stopped',
};

// The launch of one gemini run: a new session under a fresh id, or the resume of `resumeId`.
function geminiLaunch(job: JobSpec, env: Record<string, string>, prompt: string, resumeId: string | null): Result<LaunchPlan, LaunchProblem> {
  const spec = job.gemini ?? geminiSpecOf(undefined);
  const binary = resolveGeminiBinary(spec.bin, job.workdir, env['PATH']);
  if (!binary.ok) return err({ reason: 'binary-missing', message: binary.error.message });
  const bytes = Buffer.byteLength(prompt, 'utf8');
  if (bytes > MAX_GEMINI_PROMPT_BYTES) {
    return err({ reason: 'agent-usage', message: `the prompt is ${bytes} bytes, more than one argument can hold (${MAX_GEMINI_PROMPT_BYTES}); gemini takes it only as an argument here` });
  }
  let session: GeminiArgvInput['session'] = resumeId === null ? { kind: 'new', id: randomUUID() } : { kind: 'resume', id: resumeId };
  let staleFiles: string[] = [];
  let text = prompt;
  if (resumeId !== null) {
    // A session whose only turn failed or was cancelled has nothing to resume (session-record.ts):
    // it starts over under the same id with the job's own prompt, its empty record removed first.
    const record = readGeminiSession(geminiHome(env), resumeId);
    if (record !== null && !record.resumable) {
      session = { kind: 'new', id: resumeId };
      staleFiles = record.files;
      text = job.prompt ?? prompt;
    }
  }
  const denyRules = denyRulesOf(job.supervision.answers);
  const id = session.id;
  return ok({
    file: binary.value.file,
    args: geminiArgv({ spec, prompt: text, session }),
    env: {},
    monitor: (context) => new GeminiMonitor({ ...context, mode: spec.mode, sessionId: id, denyRules, staleFiles, home: geminiHome(env) }),
  });
}

// `--dry-run`: where the session id comes from and how the job resumes (by id, never `--resume latest`).
function describeGemini(job: JobSpec): Array<{ label: string; text: string }> {
  const spec = job.gemini ?? geminiSpecOf(undefined);
  return [
    { label: 'session', text: 'chosen by codex-run up front (--session-id <uuid>), recorded before the start' },
    { label: 'resume', text: `gemini ${spec.mode === 'headless' ? '--prompt=<prompt> ' : ''}--resume <session id> in the same workdir (never --resume latest)` },
  ];
}

/** The gemini adapter (see the file comment). */
export const geminiAdapter: AgentAdapter = {
  kind: 'gemini',
  defaults: GEMINI_DEFAULTS,
  // Not Ctrl-C: gemini then cancels the turn and rewrites its session without it (measured with
  // 0.61.0: the session has nothing left to resume, `--resume <id>` exits 42 "No previous
  // sessions found"). SIGTERM ends it with the turn's user message kept, so a resume continues it.
  interruptFirst: false,
  // Gemini's approval dialogs take Esc as "No, suggest changes" (captures/09): the turn ends, nothing runs.
  decline: { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] },
  answerDelayMs: GEMINI_ANSWER_DELAY_MS,
  builtinRules: (_job, firstIndex) => geminiBuiltinRules(firstIndex),
  plan(job, env) {
    if (job.prompt === null) throw new Error(`Internal error: gemini job '${job.name}' has no prompt`);
    return geminiLaunch(job, env, job.prompt, null);
  },
  resumePlan: (job, env, sessionId, prompt) => geminiLaunch(job, env, prompt, sessionId),
  usageLimitReset: geminiUsageLimitReset,
  conversation: (env, session, position) => readGeminiConversation(env, session, position),
  // The TUI redraws its screen inline; headless output is one JSON event per line. Neither reads
  // well decoded: in both modes the transcript comes from gemini's own session record
  // (conversation.ts) and the live line from the newest event on screen (screen-activity.ts).
  fullScreen: () => true,
  screenActivity: geminiScreenActivity,
  doctor: geminiDoctor,
  advice: geminiAdvice,
  describe: describeGemini,
  rehearsal: {
    face: geminiFace,
    createHome: ({ baseUrl, job, parentDir, existingDir }) =>
      createGeminiHome({ baseUrl, workdir: job.workdir, parentDir, ...(existingDir === undefined ? {} : { existingDir }) }),
    unsupportedTurns: ['patch'],
    privateEnv: GEMINI_PRIVATE_ENV,
  },
};
