/**
 * Watches one gemini run.
 *
 * headless (`-p -o stream-json`): the event lines give the session id, the assistant's last
 * message, the tool calls and the token usage (report facts); a tool call that one of the
 * job's deny rules matches, or that gemini's own approval policy refused (headless gemini
 * cannot ask: a refused call means the job cannot do what it was asked), stops the job as
 * `denied`; a failed exit is explained by the failure classifier. Gemini exits by itself after
 * its turn.
 *
 * tui: the window title is the state (title-state.ts): `Action Required` marks the job
 * blocked on a dialog; `Ready` after `Working…` is the end of the turn. A turn that ended
 * `ℹ Request cancelled.` (a deny rule declined its approval dialog with Esc) ends the job as
 * `denied`, as claude's TUI does. The TUI never exits by
 * itself, so after the turn the monitor waits `lingerMs` and stops it: succeeded, or, when the
 * turn ended in an `✕ [API Error: …]`, failed with the classified reason. The auth dialog (no
 * usable key) fails the job at once as not-logged-in. The quota dialog (`Usage limit reached
 * for <model>. Access resets at 2:06 PM UTC.` with `Keep trying` / `Stop`) is never answered: it
 * stops the attempt at once as `usage-limit` (its reset time in the message), so the usage gate
 * parks the job and resumes the session by its id after the reset.
 *
 *   watching ──Ready after Working──▶ lingering ──lingerMs──▶ stopped (stop ladder; result as said)
 *      ▲                                │ Working again
 *      └────────────────────────────────┘
 *   any state ──finish()/dispose()──▶ disposed
 */
import type { AgentMonitor, ExitVerdict, MonitorContext } from '../adapter.js';
import type { PtyExit } from '../../session/pty.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import type { Intervention } from '../../session/policies/policy.js';
import type { AnswerRule } from '../../session/policies/spec.js';
import { describeToolCall, denyToolCall } from '../../session/policies/tool-call-deny.js';
import type { TimerHandle } from '../../util/clock.js';
import { rmSync } from 'node:fs';
import { err, ok, type Result } from '../../util/result.js';
import { unreachable } from '../../util/unreachable.js';
import { classifyGeminiFailure, reasonOfStatus } from './failure-classifier.js';
import type { GeminiMode } from './options.js';
import { parseGeminiEvent, type GeminiEvent } from './stream-events.js';
import { parseGeminiTitle } from './title-state.js';
import { readGeminiSession } from './session-record.js';
import { screenAnswer } from './screen-answer.js';

/** How long the TUI stays open after its turn is done: time to finish drawing and saving the session. */
export const TUI_LINGER_MS = 3_000;
/** How many non-event lines are kept for the failure message. */
const PLAIN_LINES_KEPT = 40;
/**
 * A headless run that exited 0 without its stream-json `result` event did no turn that codex-run
 * can see (no session, no answer): e.g. `gemini.bin` is not Gemini CLI, or its flags were ignored.
 */
const NO_RESULT: ExitVerdict = {
  reason: 'agent-usage',
  message: 'gemini exited 0 but printed no result (no stream-json `result` event): check gemini.bin and its arguments (`codex-run --dry-run`, `codex-run doctor`)',
};

/** The TUI's input box, drawn at the bottom of every whole screen (`*` in YOLO mode). */
const INPUT_LINE = /^\s*[>*]\s+Type your message/;
/** Tools headless gemini refuses unless the approval mode or allowed tools let them run. */
const GATED_TOOLS = new Set(['run_shell_command', 'write_file', 'replace']);

/** What a monitor is built from. */
export interface GeminiMonitorOptions extends MonitorContext {
  mode: GeminiMode;
  /** The session id codex-run chose (`--session-id`) or resumes (`--resume`). */
  sessionId: string;
  /** The job's deny rules, checked against each headless tool call. */
  denyRules: readonly AnswerRule[];
  /** Gemini's empty records of this session id, removed just before a start-over under the same id. */
  staleFiles?: readonly string[];
  /** Override of the linger time (tests). */
  lingerMs?: number;
  /** Gemini's home (GEMINI_CLI_HOME or HOME), where its session records are: a TUI's last answer is read there first. */
  home?: string;
}

type Phase =
  | { kind: 'watching' }
  | { kind: 'lingering'; timer: TimerHandle }
  | { kind: 'stopped' }
  | { kind: 'disposed' };

/** The gemini adapter's {@link AgentMonitor}. */
export class GeminiMonitor implements AgentMonitor {
  readonly oscIdents: readonly number[] = [];
  readonly wantsLines: boolean;
  private phase: Phase = { kind: 'watching' };
  private blocked = false;
  private sawWorking = false;
  private readonly lingerMs: number;
  /** The assistant message being streamed (deltas joined). */
  private message = '';
  /** A TUI's last answer as its final screen showed it: the last message when gemini kept no record of the session. */
  private shownAnswer: string | null = null;
  private resultError: string | null = null;
  /** headless: whether the stream-json `result` event came (a clean exit without one is a failure). */
  private sawResult = false;
  private readonly plainLines: string[] = [];
  private readonly tools = new Map<string, { name: string; call: string }>();
  /** headless: the tool call a deny rule refused, and whether its result showed it ran anyway (yolo, allowed tools). */
  private denied: { toolId: string; ranMessage: string; ran: boolean } | null = null;
  /** tui: the newest `✕ [API Error: …]` line on screen, and whether this turn showed it. */
  private screenError: string | null = null;
  /** tui: the lines of the newest whole screen, read when the turn has ended. */
  private screenLines: readonly string[] = [];

  constructor(private readonly o: GeminiMonitorOptions) {
    this.wantsLines = o.mode === 'headless';
    this.lingerMs = o.lingerMs ?? TUI_LINGER_MS;
  }

  prepare(): Result<void, string> {
    for (const file of this.o.staleFiles ?? []) {
      try {
        rmSync(file, { force: true });
      } catch (error) {
        return err(`could not remove gemini's empty session record ${file}: ${(error as Error).message}`);
      }
    }
    // The id is chosen before the launch, so a job stopped before gemini says a word is still resumable.
    this.o.target.facts({ sessionId: this.o.sessionId });
    return ok(undefined);
  }

  onOsc(): void {}

  onTitle(title: string): void {
    if (this.o.mode !== 'tui') return;
    const state = parseGeminiTitle(title);
    switch (state) {
      case null:
      case 'cleared':
        return;
      case 'action-required':
        this.setBlocked(true);
        return;
      case 'working':
        this.sawWorking = true;
        this.setBlocked(false);
        this.cancelLinger();
        return;
      case 'ready':
        this.setBlocked(false);
        if (this.sawWorking) this.linger();
        return;
      default:
        unreachable(state);
    }
  }

  onLine(line: string): void {
    const event = parseGeminiEvent(line);
    if (event === null) {
      if (line.trim() !== '') this.plainLines.push(line);
      if (this.plainLines.length > PLAIN_LINES_KEPT) this.plainLines.shift();
      return;
    }
    this.onEvent(event);
  }

  onScreen(snap: ScreenSnapshot): void {
    if (this.o.mode !== 'tui' || this.phase.kind === 'disposed' || this.phase.kind === 'stopped') return;
    const lines = snap.lines;
    // Only a whole screen (its input box drawn): not the half-erased one between a redraw's erase and draw.
    if (lines.some((l) => INPUT_LINE.test(l))) this.screenLines = lines;
    if (lines.some((l) => /How would you like to authenticate/.test(l))) {
      this.stopWith({ reason: 'not-logged-in', message: 'gemini asked how to authenticate: no usable API key or login (set GEMINI_API_KEY and security.auth.selectedType in ~/.gemini/settings.json)' });
      return;
    }
    const quota = quotaDialog(lines);
    if (quota !== null) {
      // Never "Keep trying" (a retry loop against a quota): the attempt ends here, as gemini's
      // headless quota error does, and the usage gate resumes the session after the reset.
      this.stopWith(quota);
      return;
    }
    for (let i = lines.length - 1; i >= 0; i--) {
      const match = /^\s*✕\s+(\[API Error:.*)$/.exec(lines[i] ?? '');
      if (match?.[1] !== undefined) {
        this.screenError = match[1].trim();
        return;
      }
    }
  }

  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    this.dispose();
    if (this.message !== '') this.o.target.facts({ lastMessage: this.message });
    // Gemini sometimes drops the session record of a resumed session on SIGTERM (seen when the
    // first attempt was idle-killed): the answer on its last screen is then the only account.
    else if (this.shownAnswer !== null && this.o.home !== undefined && readGeminiSession(this.o.home, this.o.sessionId)?.lastMessage == null) {
      this.o.target.facts({ lastMessage: this.shownAnswer });
    }
    if (this.denied?.ran === true) return { reason: 'denied', message: this.denied.ranMessage, restatesStop: true };
    if (exit === null || (exit.signal !== null && exit.signal !== 0)) return null;
    if (exit.exitCode === 0) return this.o.mode === 'headless' && !this.sawResult ? NO_RESULT : null;
    return classifyGeminiFailure(exit.exitCode, { resultError: this.resultError, plainLines: this.plainLines });
  }

  dispose(): void {
    if (this.phase.kind === 'lingering') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'disposed' };
  }

  private onEvent(event: GeminiEvent): void {
    switch (event.type) {
      case 'init':
        this.o.target.facts({ sessionId: event.sessionId });
        return;
      case 'message':
        if (event.role === 'user') {
          this.message = '';
        } else {
          this.message = event.delta ? this.message + event.content : event.content;
        }
        return;
      case 'tool_use': {
        const call = describeToolCall(event.toolName, event.parameters);
        this.tools.set(event.toolId, { name: event.toolName, call });
        if (this.message !== '') this.o.target.facts({ lastMessage: this.message });
        this.message = '';
        const denial = denyToolCall('gemini', call, this.o.denyRules, this.o.clock.now());
        if (denial !== null && this.denied === null) {
          this.denied = { toolId: event.toolId, ranMessage: denial.ranMessage, ran: false };
          this.stopWith({ reason: 'denied', message: denial.message }, denial.intervention);
        }
        return;
      }
      case 'tool_result': {
        // A result of the refused call, printed before the kill landed: gemini had already run it.
        const refusedByGemini = event.errorType === 'tool_not_registered' || /denied by policy/i.test(event.errorMessage ?? '');
        if (this.denied?.toolId === event.toolId && !refusedByGemini) this.denied.ran = true;
        const tool = this.tools.get(event.toolId);
        if (event.ok || tool === undefined || !GATED_TOOLS.has(tool.name)) return;
        if (event.errorType === 'tool_not_registered' || /denied by policy/i.test(event.errorMessage ?? '')) {
          this.stopWith({
            reason: 'denied',
            message: `gemini's approval mode refused \`${tool.call}\` (headless gemini cannot ask): allow it with gemini.approvalMode or gemini.allowedTools`,
          });
        }
        return;
      }
      case 'error':
        this.resultError = event.message;
        return;
      case 'result':
        this.sawResult = true;
        if (event.usage !== null) this.o.target.facts({ tokensUsed: event.usage.totalTokens });
        if (this.message !== '') this.o.target.facts({ lastMessage: this.message });
        if (!event.ok) this.resultError = event.errorMessage ?? this.resultError;
        return;
      default:
        unreachable(event);
    }
  }

  private setBlocked(blocked: boolean): void {
    if (blocked === this.blocked || this.phase.kind === 'disposed') return;
    this.blocked = blocked;
    this.o.target.blocked(blocked);
  }

  private linger(): void {
    if (this.phase.kind !== 'watching') return;
    const timer = this.o.clock.setTimeout(() => this.lingered(), this.lingerMs);
    this.phase = { kind: 'lingering', timer };
  }

  private cancelLinger(): void {
    if (this.phase.kind !== 'lingering') return;
    this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'watching' };
    this.screenError = null;
  }

  private lingered(): void {
    if (this.phase.kind !== 'lingering') return;
    const error = this.screenError;
    if (error !== null) {
      const status = /"code":\s*(\d{3})/.exec(error)?.[1];
      this.stopWith({ reason: status === undefined ? 'model-error' : reasonOfStatus(Number(status), error), message: `gemini: ${error}` });
      return;
    }
    if (endedCancelled(this.screenLines)) {
      // Only a declined approval dialog cancels a turn here (nobody presses Esc in an unattended
      // TUI): the turn did not do what it was asked, and the TUI waits for a person.
      this.stopWith({ reason: 'denied', message: "gemini's turn ended at a declined dialog (Request cancelled); the TUI waits for a person, so codex-run closed it" });
      return;
    }
    this.phase = { kind: 'stopped' };
    this.shownAnswer = screenAnswer(this.screenLines);
    this.o.target.stop({ status: 'succeeded', reason: null, message: 'gemini finished its turn; codex-run closed the TUI' });
  }

  // A deny rule's refusal (with its intervention) kills gemini at once, before the call can run
  // when gemini waits for an approval; in yolo mode (or for an allowed tool) gemini may have run
  // it already: a result of the call printed before the kill makes finish() say so.
  private stopWith(failure: ExitVerdict, intervention?: Intervention): void {
    if (this.phase.kind === 'disposed' || this.phase.kind === 'stopped') return;
    if (this.phase.kind === 'lingering') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'stopped' };
    const cause = { status: 'failed' as const, reason: failure.reason, message: failure.message };
    if (intervention === undefined) this.o.target.stop(cause);
    else this.o.target.stop(cause, { intervention, immediate: true });
  }
}

/**
 * Gemini's quota dialog (ProQuotaDialog, 0.61.0), the TUI's answer to a quota 429 instead of an
 * error line, with its options `Keep trying` / `Switch to <model>` / `Stop`:
 *
 *   │ Usage limit reached for gemini-3.8-flash.       │   (capacity: "We are currently experiencing
 *   │ Access resets at 2:06 PM UTC.                   │    high demand for <model>.")
 *   │ /stats model for usage details                  │
 *   │ ● 1. Keep trying                                │
 *   │   2. Stop                                       │
 *
 * The failure it stands for, its message the dialog's words (usage-limit.ts reads the reset from
 * them), or null when no such dialog is on screen.
 */
export function quotaDialog(lines: readonly string[]): ExitVerdict | null {
  const text = lines.map((l) => l.replace(/^[\s│]+|[\s│]+$/g, ''));
  const start = text.findIndex((l) => /^(?:Usage limit reached for |We are currently experiencing high demand)/.test(l));
  if (start < 0 || !text.slice(start).some((l) => /^(?:●\s*)?\d\.\s+Stop$/.test(l))) return null;
  const said: string[] = [];
  for (const line of text.slice(start)) {
    if (line === '' || line.startsWith('/') || /^(?:●\s*)?\d\.\s/.test(line)) break;
    said.push(line);
  }
  const capacity = said[0]?.startsWith('We are currently') === true;
  return { reason: capacity ? 'rate-limited' : 'usage-limit', message: `gemini: ${said.join(' ')}` };
}

/**
 * Whether the turn on screen ended cancelled: the last thing printed above the input box
 * (` >   Type your message`, with its `─` rules, `? for shortcuts` and mode hint such as
 * `Shift+Tab to accept edits`) is gemini's `ℹ Request cancelled.` (captures/09: a declined
 * approval dialog). An earlier turn's cancel higher up the screen does not count.
 */
export function endedCancelled(lines: readonly string[]): boolean {
  const input = lines.findLastIndex((l) => INPUT_LINE.test(l));
  for (let i = input - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line === '? for shortcuts' || /^─+$/.test(line) || /Shift\+Tab|Ctrl\+Y/.test(line)) continue;
    return /^ℹ\s+Request cancelled\.?$/.test(line);
  }
  return false;
}
