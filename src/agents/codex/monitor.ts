/**
 * Watches one codex run: OSC 7501 is the primary state (a permission dialog shows the job as
 * waiting for input at once), printed lines and the screen give the facts (session id,
 * tokens, errors), and the exit is explained by the failure classifier.
 *
 * A finished turn ends the job. Codex exec normally exits by itself right after `tokens used`
 * (though it is known to hang there now and then); the TUI never does. After the turn is done
 * the monitor waits `lingerMs` and, if the process is still there, stops it and reports
 * success (or, after an error turn, the classified failure):
 *
 *   watching ──turn done / error──▶ lingering ──lingerMs──▶ stopped (stop ladder; result as said)
 *      ▲                              │ working again (a new turn)
 *      └──────────────────────────────┘
 *   any state ──finish()/dispose()──▶ disposed
 */
import type { AgentMonitor, ExitVerdict, MonitorContext } from '../adapter.js';
import type { PtyExit } from '../../session/pty.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import type { TimerHandle } from '../../util/clock.js';
import { ok, type Result } from '../../util/result.js';
import { unreachable } from '../../util/unreachable.js';
import { classifyCodexFailure } from './failure-classifier.js';
import { readLastMessage } from './last-message.js';
import type { CodexMode } from './options.js';
import { CODEX_OSC, parseCodexOsc } from './osc-state.js';
import { CodexOutputReader, type CodexNews } from './output-facts.js';
import { createPrivateFolder, removePrivateFolder, type PrivateFolder } from './private-folder.js';

/** How long a finished codex exec may linger before it is stopped (a known upstream hang). */
export const EXEC_LINGER_MS = 10_000;
/** How long the TUI stays open after its turn is done: time to finish drawing and saving. */
export const TUI_LINGER_MS = 3_000;

/** What a monitor is built from. */
export interface CodexMonitorOptions extends MonitorContext {
  mode: CodexMode;
  /** exec: the private folder of `-o` (and of a prompt fed through stdin); null in tui. */
  folder: PrivateFolder | null;
  /** The prompt to write to the private folder for stdin, or null when it is an argument. */
  stdinPrompt: string | null;
  /** Override of the linger time (tests). */
  lingerMs?: number;
}

type Phase =
  | { kind: 'watching' }
  | { kind: 'lingering'; after: 'done' | 'error'; timer: TimerHandle }
  | { kind: 'stopped' }
  | { kind: 'disposed' };

/** The codex adapter's {@link AgentMonitor}. */
export class CodexMonitor implements AgentMonitor {
  readonly oscIdents = [CODEX_OSC];
  readonly wantsLines = true;
  private readonly reader: CodexOutputReader;
  private readonly lingerMs: number;
  private phase: Phase = { kind: 'watching' };
  private blocked = false;

  constructor(private readonly o: CodexMonitorOptions) {
    this.reader = new CodexOutputReader(o.mode);
    this.lingerMs = o.lingerMs ?? (o.mode === 'exec' ? EXEC_LINGER_MS : TUI_LINGER_MS);
  }

  prepare(): Result<void, string> {
    return this.o.folder === null ? ok(undefined) : createPrivateFolder(this.o.folder, this.o.stdinPrompt);
  }

  onOsc(ident: number, payload: string): void {
    if (ident !== CODEX_OSC) return;
    const parsed = parseCodexOsc(payload);
    if (parsed === null) return;
    switch (parsed.state) {
      case 'blocked':
        this.setBlocked(true);
        return;
      case 'working':
        this.setBlocked(false);
        this.cancelLinger();
        return;
      case 'idle':
      case 'clear':
        this.setBlocked(false);
        return;
      case 'done':
      case 'error':
        this.setBlocked(false);
        this.linger(parsed.state);
        return;
      default:
        unreachable(parsed);
    }
  }

  onLine(line: string): void {
    this.handle(this.reader.line(line));
  }

  onScreen(snap: ScreenSnapshot): void {
    this.handle(this.reader.screen(snap));
  }

  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    this.dispose();
    const folder = this.o.folder;
    if (folder !== null) {
      const message = exit === null ? null : await readLastMessage(folder.lastMessageFile);
      if (message !== null) this.o.target.facts({ lastMessage: message });
      await removePrivateFolder(folder);
    }
    if (exit === null || (exit.signal !== null && exit.signal !== 0) || exit.exitCode === 0) return null;
    return classifyCodexFailure(exit.exitCode, this.reader.facts);
  }

  dispose(): void {
    if (this.phase.kind === 'lingering') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'disposed' };
  }

  private handle(news: readonly CodexNews[]): void {
    for (const item of news) {
      switch (item.kind) {
        case 'session':
          this.o.target.facts({ sessionId: item.id });
          break;
        case 'tokens':
          this.o.target.facts({ tokensUsed: item.count });
          break;
        case 'turn-done':
          this.linger('done');
          break;
        case 'sign-in':
          // The sign-in screen waits forever for a person: fail now, with the reason.
          this.stopWith(classifyCodexFailure(null, this.reader.facts));
          break;
        default:
          unreachable(item);
      }
    }
  }

  private setBlocked(blocked: boolean): void {
    if (blocked === this.blocked || this.phase.kind === 'disposed') return;
    this.blocked = blocked;
    this.o.target.blocked(blocked);
  }

  private linger(after: 'done' | 'error'): void {
    if (this.phase.kind !== 'watching') return;
    const timer = this.o.clock.setTimeout(() => this.lingered(after), this.lingerMs);
    this.phase = { kind: 'lingering', after, timer };
  }

  private cancelLinger(): void {
    if (this.phase.kind !== 'lingering') return;
    this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'watching' };
  }

  private lingered(after: 'done' | 'error'): void {
    if (this.phase.kind !== 'lingering') return;
    const waited = `${Math.round(this.lingerMs / 1000)}s`;
    if (after === 'done') {
      this.phase = { kind: 'stopped' };
      this.o.target.stop({
        status: 'succeeded',
        reason: null,
        message:
          this.o.mode === 'exec'
            ? `codex finished its turn but did not exit within ${waited} (a known codex hang); codex-run stopped it`
            : 'codex finished its turn; codex-run closed the TUI',
      });
      return;
    }
    this.stopWith(classifyCodexFailure(null, this.reader.facts));
  }

  private stopWith(failure: ExitVerdict | null): void {
    if (this.phase.kind === 'disposed' || this.phase.kind === 'stopped') return;
    if (this.phase.kind === 'lingering') this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'stopped' };
    const { reason, message } = failure ?? { reason: 'model-error' as const, message: 'codex reported an error (see the transcript)' };
    this.o.target.stop({ status: 'failed', reason, message });
  }
}
