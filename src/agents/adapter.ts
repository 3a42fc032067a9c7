import type { JobSpec } from '../manifest/model.js';
import type { FailureReason, JobFacts } from '../run/events.js';
import type { StopCause } from '../session/job-session.js';
import type { Intervention } from '../session/policies/policy.js';
import type { AnswerRule, SendSpec } from '../session/policies/spec.js';
import type { PtyExit } from '../session/pty.js';
import type { ScreenSnapshot } from '../session/screen.js';
import type { Clock } from '../util/clock.js';
import type { Result } from '../util/result.js';
import type { RehearsalFace } from '../rehearsal/face.js';

/** How to start one job's agent: an argv (never a shell string) and extra environment. */
export interface LaunchPlan {
  /** Program to execute: an absolute path, or a bare name looked up on the child's PATH. */
  file: string;
  args: string[];
  /** Variables the adapter adds over the job's environment. */
  env: Record<string, string>;
  /** Watches this launch while it runs (agent-specific signals, facts, exit reasons); absent for plain programs. */
  monitor?: (context: MonitorContext) => AgentMonitor;
}

/** One thing that happened in an agent's conversation, from its own record (e.g. codex's rollout file). */
export type ConversationEntry =
  | { at: number; kind: 'user'; text: string }
  | { at: number; kind: 'agent'; text: string }
  | { at: number; kind: 'command'; command: string; output: string; exitCode: number | null }
  | { at: number; kind: 'change'; files: string[] }
  | { at: number; kind: 'other'; what: string };

/** What one read of an agent's conversation record gave. */
export interface ConversationRead {
  entries: ConversationEntry[];
  /** The last agent message of the last finished turn, or null. */
  lastMessage: string | null;
  /** Where the next read starts: the record read and how far (records already read are skipped). */
  position: ConversationPosition;
  /** The session the record belongs to, when the record names it (found by workdir and start for an agent stopped before it said its id). */
  sessionId?: string;
}

/** Which session to read: its id when the agent reported one, else the attempt's workdir and start. */
export interface SessionHint {
  id: string | null;
  workdir: string;
  /** Epoch ms the attempt started. */
  startedAt: number;
}

/** How far an agent's conversation record was read: which file, and how many of its records. */
export interface ConversationPosition {
  source: string;
  records: number;
}

/** Why an adapter could not build a launch plan. */
export interface LaunchProblem {
  reason: Extract<FailureReason, 'binary-missing' | 'agent-usage'>;
  message: string;
}

/** A rule for the agent's own screens, checked after the job's rules; `--dry-run` lists it. */
export interface BuiltinRule {
  /** e.g. `codex:trust-folder`; also the rule's `matchSource`, so interventions name it. */
  name: string;
  /** What it answers and why, in one line. */
  why: string;
  rule: AnswerRule;
}

/** Why a job failed, when the monitor can tell better than "exited with code N". */
export interface ExitVerdict {
  reason: FailureReason;
  message: string;
  /**
   * The monitor's own stop, said better now that all the output is in (e.g. a denied tool call
   * whose result shows it ran before it could be stopped): with the stop cause's reason, this
   * message replaces the cause's.
   */
  restatesStop?: boolean;
}

/** What a monitor may do to its job. */
export interface MonitorTarget {
  /** Records facts for the report (session id, tokens, last message). */
  facts(facts: JobFacts): void;
  /** The agent itself says a dialog waits for the user (true), or no longer (false). */
  blocked(blocked: boolean): void;
  /**
   * Stops the job through the stop ladder, e.g. a finished turn whose process lingers.
   * `intervention` is recorded for the report first (e.g. the deny rule that refused a tool
   * call); `immediate` skips the polite steps and kills at once.
   */
  stop(cause: StopCause, options?: { intervention?: Intervention; immediate?: boolean }): void;
  /**
   * Writes a reply to a terminal query the agent sent (e.g. Claude Code's OSC 7501 probe) into
   * its input, the way codex-run's own keystrokes go: it is not counted as the agent's progress.
   */
  answerTerminal?(bytes: string): void;
}

/** What a monitor is given when the job starts. */
export interface MonitorContext {
  clock: Clock;
  target: MonitorTarget;
}

/**
 * Watches one run of a job for what only its adapter understands: machine signals in the
 * output (OSC), facts in the printed lines or on screen, the meaning of its exit. Driven by
 * the job's supervision; every hook is synchronous and cheap except `finish`.
 */
export interface AgentMonitor {
  /** OSC numbers to receive (e.g. 7501 for codex). */
  readonly oscIdents: readonly number[];
  /** Whether to receive completed plain-text lines (costs a second line decoder on the output). */
  readonly wantsLines: boolean;
  /** Called once, just before the spawn; an error fails the job without starting it. */
  prepare(): Result<void, string>;
  onOsc(ident: number, payload: string): void;
  onLine(line: string): void;
  onScreen(snap: ScreenSnapshot): void;
  /** The window title changed (OSC 0 / 2), e.g. Gemini CLI's `Ready` / `Working…` / `Action Required`; absent: not wanted. */
  onTitle?(title: string): void;
  /**
   * The agent exited (null: it never started). Reports the last facts and resolves with why a
   * failed exit failed, when known, or why a clean exit (code 0) is a failure all the same
   * (e.g. a headless run that printed no result); null: the exit speaks for itself. Cleans up
   * what `prepare` made.
   */
  finish(exit: PtyExit | null): Promise<ExitVerdict | null>;
  /** Stops its timers; `finish` still works afterwards. */
  dispose(): void;
}

/**
 * The limits an agent's jobs get when the manifest does not set them (in the job or in
 * `defaults:`), so that a stuck job is stopped without anyone watching. `--dry-run` shows which
 * limits came from here; `timeout: none` / `idle: { kill: none }` turn one off.
 */
export interface AgentDefaults {
  /** The job's time limit; null: none. */
  timeoutMs: number | null;
  /** The idle ladder's `kill`: no progress (a blocked dialog included) for this long stops the job; null: never. */
  idleKillMs: number | null;
  /** One line for `--dry-run` on why these are the defaults. */
  why: string;
}

/**
 * One agent CLI (codex, command, ...): turns a job into a launch plan and says how the
 * agent likes to be stopped. Composed per job by the session.
 */
export interface AgentAdapter {
  readonly kind: JobSpec['agent'];
  /** Limits for jobs that set none (see AgentDefaults). */
  readonly defaults: AgentDefaults;
  plan(job: JobSpec, env: Record<string, string>): Result<LaunchPlan, LaunchProblem>;
  /** The launch that resumes the agent's session `sessionId` (by id) with `prompt`; absent: the agent cannot resume. `private`: keep the prompt out of argv where the agent can read it otherwise (codex exec: stdin from a 0600 file). */
  resumePlan?(job: JobSpec, env: Record<string, string>, sessionId: string, prompt: string, options?: { private?: boolean }): Result<LaunchPlan, LaunchProblem>;
  /** When the agent's usage limit resets, read from its failure message (epoch ms, the start of the printed minute); absent or null: unknown. */
  usageLimitReset?(message: string, now: number): number | null;
  /** Whether the stop ladder begins with Ctrl-C typed into the terminal. */
  readonly interruptFirst: boolean;
  /** How a deny rule declines a prompt of this agent when the rule has no `send`. */
  readonly decline: SendSpec;
  /** This job's terminal manners when they depend on the job (generic's `interruptFirst`, `decline`); absent: the two fields above. */
  terminalFor?(job: JobSpec): TerminalManners;
  /** Rules for the agent's own screens, numbered from `firstIndex` (after the job's own rules). */
  builtinRules?(job: JobSpec, firstIndex: number): BuiltinRule[];
  /** Pause before the first key of any answer: some TUIs drop keys sent the moment a dialog is drawn. */
  readonly answerDelayMs?: number;
  /**
   * After an attempt: the agent's own record of the session (as `env` points to it), after
   * `position` (null: from the start); null when it keeps none or it cannot be told apart.
   * Used for readable transcripts of full-screen agents and their last message.
   */
  conversation?(env: Readonly<Record<string, string | undefined>>, session: SessionHint, position: ConversationPosition | null): Promise<ConversationRead | null>;
  /** Whether the job's terminal output is a redrawn full screen (a TUI), whose decoded lines read badly. */
  fullScreen?(job: JobSpec): boolean;
  /** For full-screen jobs: the line of the screen that tells what the agent is doing now, or null. */
  screenActivity?(snap: ScreenSnapshot): string | null;
  /** How `--rehearse` runs this agent offline; absent: its jobs run as they are (e.g. `command`). */
  rehearsal?: AgentRehearsal;
  /**
   * After an attempt: copies the agent's own files of session `sessionId` (where `env` points
   * the agent) into `destDir` (the job's `<job>.agent/` in the run folder), so the session can be
   * continued on another machine (`codex-run resume --from`). Never its credentials or config.
   * Resolves with the copied files, relative to `destDir` ('/'-separated); absent: it keeps none.
   */
  exportSession?(env: Readonly<Record<string, string | undefined>>, sessionId: string, destDir: string): Promise<Result<string[], string>>;
  /**
   * Installs `files` (as exportSession listed them, under `sourceDir`) where the agent of `env`
   * looks for its sessions, never overwriting a file that is there (`kept`).
   */
  importSession?(env: Readonly<Record<string, string | undefined>>, sourceDir: string, files: readonly string[]): Promise<Result<{ installed: string[]; kept: string[] }, string>>;
  /**
   * What to do about a job of this agent that failed for `reason` (a failure explanation's "Next:"
   * line, commands in backticks), e.g. how this agent signs in; null: the neutral advice.
   */
  advice?(reason: FailureReason, context: AdviceContext): string | null;
  /** How to continue session `sessionId` by hand with the agent's own CLI (a command, no backticks), for a job launched as `argv`; absent or null: only `codex-run resume`. */
  resumeByHand?(argv: readonly string[], sessionId: string): string | null;
  /** More `--dry-run` lines for a job, after its argv (e.g. generic's resume argv and session-id source). */
  describe?(job: JobSpec): Array<{ label: string; text: string }>;
  /** `codex-run doctor`: checks this agent's jobs (binary, version, ...); absent: nothing to check. */
  doctor?(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]>;
}

/** What a failure explanation tells an adapter about the failed job. */
export interface AdviceContext {
  /** The command that runs the job again, in backticks. */
  rerun: string;
}

/** One job `codex-run doctor` asks its adapter about: the job and the child's environment it would get. */
export interface DoctorInput {
  job: JobSpec;
  env: Record<string, string>;
}

/**
 * What `codex-run doctor` found for one job, printed as `<job> (<what>): <text>` (or
 * `<job> (<what>): error: <text>`), each note on its own line below as `  warning: <note>`.
 */
export interface DoctorFinding {
  job: string;
  /** What the job runs, e.g. `codex exec`. */
  what: string;
  /** `ok` and `warning` can run; `error` cannot (doctor exits 1). */
  severity: 'ok' | 'warning' | 'error';
  /** The binary and its version, or why it cannot run. */
  text: string;
  /** Warnings about a job that can run (e.g. a version the rules were not made for). */
  notes: string[];
}

/** How a job's agent is stopped and declined. */
export interface TerminalManners {
  interruptFirst: boolean;
  decline: SendSpec;
}

/** The terminal manners of `job` under `adapter`: its own when the adapter has per-job ones. */
export function terminalOf(adapter: AgentAdapter, job: JobSpec): TerminalManners {
  return adapter.terminalFor?.(job) ?? { interruptFirst: adapter.interruptFirst, decline: adapter.decline };
}

/** A job's private agent home for a rehearsal: the agent's config pointing at the scripted server. */
export interface RehearsalHome {
  /** The home folder (mode 0700, inside the run folder), kept after the run for `codex-run resume`. */
  dir: string;
  /** `base` with the agent's credentials and endpoints removed and the home's variables set: the child's whole environment. */
  childEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string>;
}

/** How an agent is rehearsed offline (`--rehearse`): the API it speaks and the home that points it at the server. */
export interface AgentRehearsal {
  /** The model API the scripted server speaks to this agent. */
  face: RehearsalFace;
  /**
   * Creates the job's private home under `parentDir` (or, for `codex-run resume`, reuses
   * `existingDir`, rewriting its config for this server). `baseUrl` is the job's own route on
   * the server, `http://127.0.0.1:<port>/r/<job>`, to which the agent appends its API paths
   * (the face's `accepts` says which). Rejects with the fs error when it cannot be written.
   */
  createHome(options: { baseUrl: string; job: JobSpec; parentDir: string; existingDir?: string }): Promise<RehearsalHome>;
  /** Script turns this face cannot play (e.g. `patch` is codex's format), refused when the run starts. */
  unsupportedTurns?: readonly string[];
  /**
   * The agent's credentials and endpoints (names, or prefixes ending in `*`): removed from EVERY
   * rehearsed child, whatever its agent (the union over all adapters, see rehearsal/private-env.ts),
   * so no child of a rehearsal sees a real key of any vendor.
   */
  readonly privateEnv: readonly string[];
}
