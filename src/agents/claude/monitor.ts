/**
 * Watches one Claude Code run.
 *
 * headless: every stream-json line is parsed (stream-events.ts) for the session id, the last
 * message, tokens and cost, API errors and permission denials. Claude Code exits by itself
 * after its `result` line, with code 0 even when tool calls were denied: a result that is an
 * error or carries denials stops the job as failed at once, with the classified reason. A
 * tool call one of the job's deny rules matches (no dialog shows it: headless claude asks no
 * one) kills claude as soon as the call is announced, before it runs; the job is `denied`.
 *
 * tui: OSC 7501 is the state (osc-state.ts), emitted only because the monitor answers the
 * TUI's probe. `blocked` shows the job as waiting for input at once; `done` ends the job after
 * `lingerMs` (the TUI never exits by itself); `error` ends it as the classified failure;
 * `idle` after a turn ran means the turn stopped at a declined dialog and the TUI waits for a
 * person, so the job ends as `denied`.
 *
 *   watching ──done / error / idle-after-work / result──▶ lingering ──lingerMs──▶ stopped
 *      ▲                                                     │   │ (tui, done)
 *      └──────────── working again (a new turn) ─────────────┘   ▼
 *                                        closing: Ctrl-C twice (the TUI exits 0) ──closeMs──▶ stopped
 *   any state ──finish()/dispose()──▶ disposed
 */
import type { AgentMonitor, ExitVerdict, MonitorContext } from '../adapter.js';
import type { PtyExit } from '../../session/pty.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import type { StopCause } from '../../session/job-session.js';
import type { Intervention } from '../../session/policies/policy.js';
import type { AnswerRule } from '../../session/policies/spec.js';
import { denyToolCall } from '../../session/policies/tool-call-deny.js';
import type { TimerHandle } from '../../util/clock.js';
import { ok, type Result } from '../../util/result.js';
import { unreachable } from '../../util/unreachable.js';
import { classifyClaudeFailure, isStartupError, type ClaudeFailureFacts } from './failure-classifier.js';
import type { ClaudeMode } from './options.js';
import { CLAUDE_OSC, CLAUDE_OSC_PROBE_ANSWER, parseClaudeOsc } from './osc-state.js';
import { removePromptFile, writePromptFile, type PromptFile } from './prompt-file.js';
import { parseStreamLine, type ClaudeResult } from './stream-events.js';

/**
 * A headless run that exited 0 without its stream-json `result` line did no turn that codex-run
 * can see (no session, no answer): e.g. `claude.bin` is not Claude Code, or its flags were ignored.
 */
const NO_RESULT: ExitVerdict = {
  reason: 'agent-usage',
  message: 'claude exited 0 but printed no result (no stream-json `result` event): check claude.bin and its arguments (`codex-run --dry-run`, `codex-run doctor`)',
};

/** How long a headless run may stay after its result line before it is stopped. */
export const HEADLESS_LINGER_MS = 10_000;
/** How long the TUI stays open after its turn is done: time to finish drawing and saving. */
export const TUI_LINGER_MS = 3_000;
/**
 * How long the TUI may take to exit after two Ctrl-C (it exits 0 at once, measured with
 * 2.1.332) before the stop ladder ends it.
 */
export const TUI_CLOSE_MS = 5_000;
/** Two Ctrl-C in one write: at its prompt, the second within the hint's time exits the TUI. */
const CLOSE_KEYS = '\x03\x03';

/** What a monitor is built from. */
export interface ClaudeMonitorOptions extends MonitorContext {
  mode: ClaudeMode;
  /** The session id codex-run chose (`--session-id`) or resumes (`--resume`). */
  sessionId: string;
  /** headless: the prompt fed through stdin (written by prepare, removed by finish); null: an argument. */
  promptFile?: PromptFile | null;
  /** headless: the job's deny rules, checked against each tool call the model asks for. */
  denyRules?: readonly AnswerRule[];
  /** Override of the linger time (tests). */
  lingerMs?: number;
}

/** Why a lingering run is stopped when the time is up. */
type After = { kind: 'done' } | { kind: 'failed' } | { kind: 'declined' };

type Phase =
  | { kind: 'watching' }
  | { kind: 'lingering'; after: After; timer: TimerHandle }
  | { kind: 'closing'; timer: TimerHandle }
  | { kind: 'stopped' }
  | { kind: 'disposed' };

/** The claude adapter's {@link AgentMonitor}. */
export class ClaudeMonitor implements AgentMonitor {
  readonly oscIdents = [CLAUDE_OSC];
  readonly wantsLines = true;
  private readonly lingerMs: number;
  private phase: Phase = { kind: 'watching' };
  private blocked = false;
  private worked = false;
  private result: ClaudeResult | null = null;
  private readonly failure: ClaudeFailureFacts = { startupErrors: [], apiErrors: [], denials: [] };

  constructor(private readonly o: ClaudeMonitorOptions) {
    this.lingerMs = o.lingerMs ?? (o.mode === 'headless' ? HEADLESS_LINGER_MS : TUI_LINGER_MS);
  }

  prepare(): Result<void, string> {
    // Chosen before the start: the id is known even if claude dies before saying anything.
    this.o.target.facts({ sessionId: this.o.sessionId });
    return this.o.promptFile == null ? ok(undefined) : writePromptFile(this.o.promptFile);
  }

  onOsc(ident: number, payload: string): void {
    if (ident !== CLAUDE_OSC || this.o.mode !== 'tui') return;
    const parsed = parseClaudeOsc(payload);
    if (parsed === null) return;
    switch (parsed.state) {
      case 'probe':
        this.o.target.answerTerminal?.(CLAUDE_OSC_PROBE_ANSWER);
        return;
      case 'blocked':
        this.setBlocked(true);
        return;
      case 'working':
        this.worked = true;
        this.setBlocked(false);
        this.cancelLinger();
        return;
      case 'idle':
        this.setBlocked(false);
        if (this.worked) this.linger({ kind: 'declined' });
        return;
      case 'clear':
        this.setBlocked(false);
        return;
      case 'done':
        this.setBlocked(false);
        this.linger({ kind: 'done' });
        return;
      case 'error':
        this.setBlocked(false);
        if (parsed.message !== null) this.failure.apiErrors.push({ status: statusIn(parsed.message), message: parsed.message });
        this.linger({ kind: 'failed' });
        return;
      default:
        unreachable(parsed);
    }
  }

  onLine(line: string): void {
    const event = parseStreamLine(line);
    if (event === null) {
      const text = line.trim();
      if (isStartupError(text)) this.failure.startupErrors.push(text);
      return;
    }
    switch (event.kind) {
      case 'init':
        if (event.sessionId !== this.o.sessionId) this.o.target.facts({ sessionId: event.sessionId });
        return;
      case 'text':
        this.o.target.facts({ lastMessage: event.text });
        return;
      case 'tool-use':
        if (this.o.mode === 'headless') this.checkDenyRules(event.calls);
        return;
      case 'retry':
        return;
      case 'permission-denied':
        return;
      case 'api-error':
        this.failure.apiErrors.push({ status: event.status, message: event.message });
        return;
      case 'result':
        this.onResult(event.result);
        return;
      default:
        unreachable(event);
    }
  }

  onScreen(_snap: ScreenSnapshot): void {}

  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    this.dispose();
    if (this.o.promptFile != null) await removePromptFile(this.o.promptFile);
    if (exit === null || (exit.signal !== null && exit.signal !== 0)) return null;
    if (exit.exitCode === 0) return this.o.mode === 'headless' && this.result === null ? NO_RESULT : null;
    return classifyClaudeFailure(this.failure);
  }

  dispose(): void {
    if (this.phase.kind === 'lingering' || this.phase.kind === 'closing') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'disposed' };
  }

  /** The last `result` line of a headless run, or null. */
  lastResult(): ClaudeResult | null {
    return this.result;
  }

  private onResult(result: ClaudeResult): void {
    this.result = result;
    this.o.target.facts({
      ...(result.sessionId !== null ? { sessionId: result.sessionId } : {}),
      ...(result.tokens !== null ? { tokensUsed: result.tokens } : {}),
      ...(result.costUsd !== null ? { costUsd: result.costUsd } : {}),
      ...(!result.isError && result.text !== '' ? { lastMessage: result.text } : {}),
    });
    for (const denial of result.permissionDenials) this.failure.denials.push(`${denial.tool} ${JSON.stringify(denial.input)}`);
    if (result.isError && result.text !== '' && !this.failure.apiErrors.some((e) => e.message === result.text)) {
      this.failure.apiErrors.push({ status: result.apiErrorStatus, message: result.text });
    }
    // Exit code 0 even with denials: the verdict must come from here, before the exit.
    const failure = result.isError || result.permissionDenials.length > 0 ? classifyClaudeFailure(this.failure) : null;
    if (failure !== null) this.stopWith(failure);
    else this.linger({ kind: 'done' });
  }

  // Headless claude asks no one, so no dialog shows a deny rule its prompt: the rules are
  // checked against each call as the model asks for it, printed before Claude Code checks its
  // permissions and runs it. A match kills claude at once, before the call can run.
  private checkDenyRules(calls: readonly string[]): void {
    for (const call of calls) {
      const denial = denyToolCall('claude', call, this.o.denyRules ?? [], this.o.clock.now());
      if (denial === null) continue;
      this.stop({ status: 'failed', reason: 'denied', message: denial.message }, { intervention: denial.intervention, immediate: true });
      return;
    }
  }

  private setBlocked(blocked: boolean): void {
    if (blocked === this.blocked || this.phase.kind === 'disposed') return;
    this.blocked = blocked;
    this.o.target.blocked(blocked);
  }

  private linger(after: After): void {
    if (this.phase.kind !== 'watching') return;
    const timer = this.o.clock.setTimeout(() => this.lingered(after), this.lingerMs);
    this.phase = { kind: 'lingering', after, timer };
  }

  private cancelLinger(): void {
    if (this.phase.kind !== 'lingering') return;
    this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'watching' };
  }

  private lingered(after: After): void {
    if (this.phase.kind !== 'lingering') return;
    switch (after.kind) {
      case 'done':
        if (this.o.mode === 'tui' && this.o.target.answerTerminal !== undefined) {
          // Closed the way a person closes it, so it exits 0 and saves its session.
          this.o.target.answerTerminal(CLOSE_KEYS);
          const timer = this.o.clock.setTimeout(() => this.closed(), TUI_CLOSE_MS);
          this.phase = { kind: 'closing', timer };
          return;
        }
        this.stop({
          status: 'succeeded',
          reason: null,
          message: this.o.mode === 'headless' ? 'claude printed its result but did not exit; codex-run stopped it' : 'claude finished its turn; codex-run closed the TUI',
        });
        return;
      case 'failed':
        this.stopWith(classifyClaudeFailure(this.failure));
        return;
      case 'declined':
        this.stop({ status: 'failed', reason: 'denied', message: "claude's turn ended at a declined dialog; the TUI waits for a person, so codex-run closed it" });
        return;
      default:
        unreachable(after);
    }
  }

  // The TUI did not exit after Ctrl-C: the stop ladder ends it, still a success.
  private closed(): void {
    if (this.phase.kind !== 'closing') return;
    this.stop({ status: 'succeeded', reason: null, message: 'claude finished its turn; codex-run closed the TUI' });
  }

  private stopWith(failure: ExitVerdict | null): void {
    const { reason, message } = failure ?? { reason: 'model-error' as const, message: 'claude reported an error (see the transcript)' };
    this.stop({ status: 'failed', reason, message });
  }

  private stop(cause: StopCause, options?: { intervention: Intervention; immediate: boolean }): void {
    if (this.phase.kind === 'disposed' || this.phase.kind === 'stopped') return;
    if (this.phase.kind === 'lingering' || this.phase.kind === 'closing') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'stopped' };
    this.o.target.stop(cause, options);
  }
}

// The HTTP status in an error text such as `API Error: 500 …` or `Request rejected (429)`.
function statusIn(message: string): number | null {
  const m = /\bAPI Error: (\d{3})\b|\((\d{3})\)/.exec(message);
  const code = m?.[1] ?? m?.[2];
  return code === undefined ? null : Number(code);
}
