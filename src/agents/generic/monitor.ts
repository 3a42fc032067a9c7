/**
 * Watches one run of a generic agent for the one thing codex-run cannot know without being
 * told: its session id (`generic.session`). Waiting, working and idle come from the shared
 * screen classifier and the job's policies, as for any program; the exit means what the exit
 * code says.
 *
 * With `generic.done`, a line (or full screen) matching it means the work is done although the
 * process stays (a TUI back at its prompt): after DONE_LINGER_MS the job is closed as succeeded.
 *
 *   watching ──a new id in a line (or on a full screen)──▶ facts(sessionId), watching
 *      │  └──`done` matches──▶ lingering ──DONE_LINGER_MS──▶ stopped (stop ladder, succeeded)
 *      │                          │
 *      └──────────────────────────┴──finish(exit)──▶ file source: the newest matching file written
 *                         since prepare(); no id seen: the id the launch named (chosen up front,
 *                         or resumed) ──▶ finished
 */
import type { AgentMonitor, ExitVerdict, MonitorContext } from '../adapter.js';
import type { PtyExit } from '../../session/pty.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import { compilePattern, type CapturePattern, type ScreenPattern } from '../../session/policies/pattern.js';
import type { TimerHandle } from '../../util/clock.js';
import { unreachable } from '../../util/unreachable.js';
import { ok, type Result } from '../../util/result.js';
import { capture, newestFile, sessionIdFromFile } from './session-id.js';
import type { SessionSource } from './options.js';

/** What a monitor is built from. */
export interface GenericMonitorOptions extends MonitorContext {
  /** Where the id comes from, a file glob already absolute; null: only `knownId`. */
  session: SessionSource | null;
  fullScreen: boolean;
  /**
   * The id this launch names: chosen by codex-run for `{session}` in argv (reported at once),
   * or the resumed one (reported at the end when the run showed no id of its own, so a resumed
   * agent that prints a different id still fails as `resume-lost-context`).
   */
  knownId: { id: string; chosen: boolean } | null;
  /** `generic.done`: the pattern that means the work is done; null: the agent exits when done. */
  done: string | null;
}

/** How long a job whose `done` pattern matched may go on before it is closed: time to finish drawing and saving. */
export const DONE_LINGER_MS = 2_000;

type Phase = { kind: 'watching' } | { kind: 'lingering'; timer: TimerHandle } | { kind: 'stopped' } | { kind: 'finished' };

// A done pattern that was validated when the manifest was loaded.
function doneCompiled(source: string): ScreenPattern {
  const compiled = compilePattern(source, { ignoreCase: false });
  if (!compiled.ok) throw new Error(`Internal error: done pattern ${JSON.stringify(source)} passed the manifest checks: ${compiled.error.message}`);
  return compiled.value;
}

/** The generic adapter's {@link AgentMonitor}. */
export class GenericMonitor implements AgentMonitor {
  readonly oscIdents: readonly number[] = [];
  readonly wantsLines: boolean;
  private readonly pattern: CapturePattern | null;
  private readonly done: ScreenPattern | null;
  private startedAt = 0;
  private reported: string | null = null;
  private phase: Phase = { kind: 'watching' };

  constructor(private readonly o: GenericMonitorOptions) {
    const source = o.session;
    this.pattern = source === null || source.pattern === null ? null : capture(source.pattern);
    this.done = o.done === null ? null : doneCompiled(o.done);
    this.wantsLines = source?.kind === 'output' || this.done !== null;
  }

  prepare(): Result<void, string> {
    this.startedAt = this.o.clock.now();
    if (this.o.knownId?.chosen === true) this.report(this.o.knownId.id);
    return ok(undefined);
  }

  onOsc(): void {}

  onLine(line: string): void {
    this.read(line);
  }

  onScreen(snap: ScreenSnapshot): void {
    if (this.o.fullScreen) this.read(snap.lines.join('\n'));
  }

  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    this.dispose();
    if (this.phase.kind === 'finished' || exit === null) {
      this.phase = { kind: 'finished' };
      return null;
    }
    const source = this.o.session;
    if (source?.kind === 'file') {
      const file = await newestFile(source.glob, this.startedAt);
      const id = file === null ? null : await sessionIdFromFile(file, this.pattern);
      if (id !== null) this.report(id);
    }
    if (this.reported === null && this.o.knownId !== null) this.report(this.o.knownId.id);
    this.phase = { kind: 'finished' };
    return null;
  }

  dispose(): void {
    if (this.phase.kind !== 'lingering') return;
    this.o.clock.clearTimeout(this.phase.timer);
    this.phase = { kind: 'stopped' };
  }

  // A line, or a full screen's text: the session id and the done pattern.
  private read(text: string): void {
    if (this.o.session?.kind === 'output' && this.pattern !== null) {
      const id = this.pattern.firstCapture(text);
      if (id !== null) this.report(id);
    }
    if (this.done !== null && this.phase.kind === 'watching' && this.done.lastMatch(text) !== null) this.linger();
  }

  private linger(): void {
    const timer = this.o.clock.setTimeout(() => this.lingered(), DONE_LINGER_MS);
    this.phase = { kind: 'lingering', timer };
  }

  private lingered(): void {
    switch (this.phase.kind) {
      case 'lingering':
        this.phase = { kind: 'stopped' };
        this.o.target.stop({ status: 'succeeded', reason: null, message: `the agent showed its done pattern ${JSON.stringify(this.o.done ?? '')}; codex-run closed it` });
        return;
      case 'watching':
      case 'stopped':
      case 'finished':
        return;
      default:
        unreachable(this.phase);
    }
  }

  private report(id: string): void {
    const trimmed = id.trim();
    if (this.phase.kind === 'finished' || trimmed === '' || trimmed === this.reported) return;
    this.reported = trimmed;
    this.o.target.facts({ sessionId: trimmed });
  }
}
