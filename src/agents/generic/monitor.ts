/**
 * Watches one run of a generic agent for the one thing codex-run cannot know without being
 * told: its session id (`generic.session`). Waiting, working and idle come from the shared
 * screen classifier and the job's policies, as for any program; the exit means what the exit
 * code says.
 *
 *   watching ──a new id in a line (or on a full screen)──▶ facts(sessionId), watching
 *      │
 *      └──finish(exit)──▶ file source: the newest matching file written since prepare()
 *                         no id seen: the id the launch named (chosen up front, or resumed)
 *                         ──▶ finished
 */
import type { AgentMonitor, ExitVerdict, MonitorContext } from '../adapter.js';
import type { PtyExit } from '../../session/pty.js';
import type { ScreenSnapshot } from '../../session/screen.js';
import type { CapturePattern } from '../../session/policies/pattern.js';
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
}

/** The generic adapter's {@link AgentMonitor}. */
export class GenericMonitor implements AgentMonitor {
  readonly oscIdents: readonly number[] = [];
  readonly wantsLines: boolean;
  private readonly pattern: CapturePattern | null;
  private startedAt = 0;
  private reported: string | null = null;
  private phase: 'watching' | 'finished' = 'watching';

  constructor(private readonly o: GenericMonitorOptions) {
    const source = o.session;
    this.pattern = source === null || source.pattern === null ? null : capture(source.pattern);
    this.wantsLines = source?.kind === 'output';
  }

  prepare(): Result<void, string> {
    this.startedAt = this.o.clock.now();
    if (this.o.knownId?.chosen === true) this.report(this.o.knownId.id);
    return ok(undefined);
  }

  onOsc(): void {}

  onLine(line: string): void {
    if (this.o.session?.kind !== 'output' || this.pattern === null) return;
    const id = this.pattern.firstCapture(line);
    if (id !== null) this.report(id);
  }

  onScreen(snap: ScreenSnapshot): void {
    if (!this.o.fullScreen || this.o.session?.kind !== 'output' || this.pattern === null) return;
    const id = this.pattern.firstCapture(snap.lines.join('\n'));
    if (id !== null) this.report(id);
  }

  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    if (this.phase === 'finished' || exit === null) {
      this.phase = 'finished';
      return null;
    }
    const source = this.o.session;
    if (source?.kind === 'file') {
      const file = await newestFile(source.glob, this.startedAt);
      const id = file === null ? null : await sessionIdFromFile(file, this.pattern);
      if (id !== null) this.report(id);
    }
    if (this.reported === null && this.o.knownId !== null) this.report(this.o.knownId.id);
    this.phase = 'finished';
    return null;
  }

  dispose(): void {}

  private report(id: string): void {
    const trimmed = id.trim();
    if (this.phase === 'finished' || trimmed === '' || trimmed === this.reported) return;
    this.reported = trimmed;
    this.o.target.facts({ sessionId: trimmed });
  }
}
