import { describeIntervention } from './intervention-text.js';
import { describeChanges } from './changes-text.js';
import { unreachable } from '../util/unreachable.js';
import { ActivityThrottle } from './activity-throttle.js';
import type { EventRenderer, RendererOptions, ShownEvent } from './event-renderer.js';
import { describeOutcome, resumeHistory } from './outcome.js';
import type { InterventionInfo } from '../run/events.js';
import { createPalette, statusPaint, type Palette } from './palette.js';
import { formatClockTime, formatDuration, sanitizeLine } from './text.js';

/** Plain mode shows at most one activity line per job in this long. */
export const ACTIVITY_WINDOW_MS = 10_000;

/** Options of the line renderer. */
export interface PlainDisplayOptions extends RendererOptions {
  /** `quiet` shows warnings only; `plain` shows every event worth telling. */
  verbosity: 'plain' | 'quiet';
}

/**
 * Plain and quiet modes: one timestamped line per event worth telling, e.g.
 *
 *   [12:01:05] lint: running
 *   [12:01:07] lint: > compiling src/index.ts
 *   [12:01:09] lint: succeeded in 4.1s
 *   [12:01:09] fix-tests: failed (exit 1) in 3.2s: 2 tests failed
 *
 * Written directly rather than through listr2's simple/verbose renderers: those stamp lines
 * with the real wall clock (not the injected one), print task-state icons rather than our job
 * phases, and hijack the stream while running; direct lines are stable, greppable and testable
 * byte for byte. `pending`, `starting` and `finished` phases are not printed: every job starts
 * pending, starting is a blink before running, and job-finished says more than `finished`.
 */
export class PlainDisplay implements EventRenderer {
  private readonly palette: Palette;
  private readonly throttle: ActivityThrottle;
  private runStartedAt: number | null = null;
  /** Each job's interventions so far, for the resumes in its final line. */
  private readonly interventions = new Map<string, InterventionInfo[]>();

  constructor(private readonly options: PlainDisplayOptions) {
    this.palette = createPalette(options.color);
    this.throttle = new ActivityThrottle(options.clock, ACTIVITY_WINDOW_MS, (job, line) =>
      this.line(options.clock.now(), `${sanitizeLine(job)}: ${this.palette.dim(`> ${line}`)}`),
    );
  }

  handle(event: ShownEvent): void {
    if (this.options.verbosity === 'quiet') {
      if (event.type === 'warning') this.warning(event.at, event.job, event.message);
      return;
    }
    switch (event.type) {
      case 'run-started': {
        this.runStartedAt = event.at;
        const jobs = `${event.jobs.length} job${event.jobs.length === 1 ? '' : 's'}`;
        // A shard says which one it is, so a CI job's log tells its part of the plan.
        const shard = event.shard === undefined ? '' : ` (shard ${event.shard.index}/${event.shard.total} of plan ${event.shard.planHash.slice(0, 12)})`;
        this.line(event.at, `run ${event.runId} started: ${jobs}${shard}, run folder ${event.runDir}`);
        return;
      }
      case 'job-state':
        switch (event.phase) {
          case 'running':
          case 'stopping': {
            const detail = event.detail === null ? '' : sanitizeLine(event.detail);
            this.line(event.at, `${sanitizeLine(event.job)}: ${event.phase}${detail === '' ? '' : ` (${detail})`}`);
            return;
          }
          case 'pending':
          case 'starting':
          case 'finished':
            return;
          default:
            return unreachable(event.phase);
        }
      case 'job-activity': {
        const line = sanitizeLine(event.line);
        if (line !== '') this.throttle.offer(event.job, line);
        return;
      }
      case 'job-finished': {
        this.throttle.cancel(event.job);
        const paint = statusPaint(this.palette, event.result.status);
        const text = describeOutcome(event.result, resumeHistory(this.interventions.get(event.job) ?? []));
        const status = event.result.status;
        this.line(event.at, `${sanitizeLine(event.job)}: ${paint(status)}${text.slice(status.length)}`);
        return;
      }
      case 'job-intervention': {
        const list = this.interventions.get(event.job) ?? [];
        list.push(event.intervention);
        this.interventions.set(event.job, list);
        const text = describeIntervention(event.intervention);
        // A job waiting for a person is the line to notice in a scrolling log.
        const shown = event.intervention.kind === 'blocked' ? this.palette.bold(this.palette.yellow(text)) : text;
        this.line(event.at, `${sanitizeLine(event.job)}: ${shown}`);
        return;
      }
      case 'job-facts':
        // The session id is what a person needs to resume the agent by hand; the rest is in the report.
        if (event.facts.sessionId !== undefined) this.line(event.at, `${sanitizeLine(event.job)}: session ${sanitizeLine(event.facts.sessionId)}`);
        return;
      case 'job-changes':
        this.line(event.at, `${sanitizeLine(event.job)}: ${sanitizeLine(describeChanges(event.changes))}`);
        return;
      case 'warning':
        this.warning(event.at, event.job, event.message);
        return;
      case 'notification':
        // Failures arrive as warnings too; deliveries are in the report.
        return;
      case 'run-finished': {
        this.throttle.cancelAll();
        const took = this.runStartedAt === null ? '' : ` in ${formatDuration(event.at - this.runStartedAt)}`;
        const paint = event.status === 'succeeded' ? this.palette.green : event.status === 'failed' ? this.palette.red : this.palette.yellow;
        this.line(event.at, `run ${paint(event.status)}${took}`);
        return;
      }
      default:
        unreachable(event);
    }
  }

  async close(): Promise<void> {
    this.throttle.cancelAll();
  }

  private warning(at: number, job: string | null, message: string): void {
    const where = job === null ? '' : `${sanitizeLine(job)}: `;
    this.line(at, `${this.palette.yellow('warning')}: ${where}${sanitizeLine(message)}`);
  }

  private line(at: number, text: string): void {
    this.options.stream.write(`${this.palette.dim(`[${formatClockTime(at)}]`)} ${text}\n`);
  }
}
