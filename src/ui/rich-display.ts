import { Writable } from 'node:stream';
import {
  DefaultRenderer,
  figures,
  Listr,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  ProcessOutput,
  type ListrDefaultRendererTask,
  type ListrSimpleRenderer,
  type ListrTaskWrapper,
  type LoggerFormat,
} from 'listr2';
import type { JobResult } from '../run/events.js';
import type { TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import type { DisplayStream, EventRenderer, RendererOptions, ShownEvent } from './event-renderer.js';
import { addResume } from './outcome.js';
import { NAME_MAX, pendingRow, rowActivity, rowTitle, type JobRow } from './job-row.js';
import { createPalette, type Paint, type Palette } from './palette.js';
import { padEnd, sanitizeLine, truncate } from './text.js';

/** How often the elapsed times of running jobs tick. */
export const TICK_MS = 1000;

/** Shortest time between two frames (listr2's spinner asks for one every 100 ms). */
const FRAME_MS = 80;

/** Warnings shown live under the job list (all of them are printed once the list stops). */
const LIVE_WARNINGS = 3;

/** Width assumed when the stream does not say (not a terminal). */
const DEFAULT_COLUMNS = 80;

// listr2 puts an icon and a space before a title and keeps 2 more columns free; an output line
// under a title is indented 2 further.
const TITLE_RESERVED = 4;
const OUTPUT_RESERVED = 6;

/** The handle listr2 gives a running task: set its title and output, skip it. */
type Wrapper = ListrTaskWrapper<unknown, ReturnType<typeof jobListRenderer>, ListrSimpleRenderer>;

/** How a row's listr2 task ends: with the job's result, or without one (the run ended first). */
type RowEnd = { kind: 'result'; result: JobResult } | { kind: 'abandoned' };

/** A job row tied to its listr2 task (the wrapper exists once listr2 starts the task). */
interface RowBinding {
  row: JobRow;
  wrapper: Wrapper | null;
  end(outcome: RowEnd): void;
  readonly ended: Promise<RowEnd>;
}

/**
 * The rich display's life:
 *
 *   waiting ──run-started──▶ rendering ──close()──▶ closed
 *      └────────────────── close() ─────────────────▲
 *
 * `rendering` owns the listr2 task list (one task per job, each settled by its job-finished)
 * and the elapsed-time tick; close() ends every task still open, waits for listr2 to draw its
 * final frame and give the stream back, then prints all warnings.
 */
type RichState =
  | { kind: 'waiting' }
  | {
      kind: 'rendering';
      rows: Map<string, RowBinding>;
      nameWidth: number;
      tick: TimerHandle;
      warningsWrapper: Wrapper | null;
      endWarnings(): void;
      listrStopped: Promise<void>;
    }
  | { kind: 'closed' };

/** Rich mode: the live listr2 task list, one row per job. The only module that imports listr2. */
export function createRichDisplay(options: RendererOptions): EventRenderer {
  return new RichDisplay(options);
}

class RichDisplay implements EventRenderer {
  private state: RichState = { kind: 'waiting' };
  private readonly palette: Palette;
  private readonly warnings: string[] = [];

  constructor(private readonly options: RendererOptions) {
    this.palette = createPalette(options.color);
  }

  handle(event: ShownEvent): void {
    const s = this.state;
    switch (s.kind) {
      case 'waiting':
        if (event.type === 'run-started') this.start(event.jobs.map((j) => j.name));
        return;
      case 'rendering':
        this.update(s, event);
        return;
      case 'closed':
        return;
      default:
        unreachable(s);
    }
  }

  async close(): Promise<void> {
    const s = this.state;
    this.state = { kind: 'closed' };
    switch (s.kind) {
      case 'waiting':
      case 'closed':
        return;
      case 'rendering':
        this.options.clock.clearTimeout(s.tick);
        for (const binding of s.rows.values()) binding.end({ kind: 'abandoned' });
        s.endWarnings();
        await s.listrStopped;
        if (this.warnings.length > 0) this.options.stream.write(this.warnings.join('\n') + '\n');
        return;
      default:
        unreachable(s);
    }
  }

  private start(names: string[]): void {
    const rows = new Map<string, RowBinding>();
    for (const name of names) rows.set(name, binding(pendingRow(name)));
    const byTaskId = new Map<string, RowBinding>();
    let endWarnings!: () => void;
    const warningsEnded = new Promise<void>((resolve) => {
      endWarnings = resolve;
    });
    const rendering: Extract<RichState, { kind: 'rendering' }> = {
      kind: 'rendering',
      rows,
      nameWidth: Math.min(NAME_MAX, Math.max(0, ...names.map((n) => Array.from(sanitizeLine(n)).length))),
      tick: this.options.clock.setTimeout(() => this.onTick(), TICK_MS),
      warningsWrapper: null,
      endWarnings,
      listrStopped: Promise.resolve(),
    };
    const jobTasks = [...rows.values()].map((b) => ({
      title: this.title(b.row, rendering.nameWidth),
      task: (_ctx: unknown, wrapper: Wrapper) => {
        b.wrapper = wrapper;
        byTaskId.set(wrapper.task.id, b);
        this.paint(b, rendering.nameWidth);
        return b.ended.then((end) => this.finishTask(b, wrapper, end, rendering.nameWidth));
      },
    }));
    // A title-less task: listr2 shows its output in the bottom bar, below the job rows.
    const warningsTask = {
      task: (_ctx: unknown, wrapper: Wrapper) => {
        rendering.warningsWrapper = wrapper;
        for (const w of this.warnings.slice(-LIVE_WARNINGS)) wrapper.output = this.fit(w, 2);
        return warningsEnded;
      },
      rendererOptions: { bottomBar: LIVE_WARNINGS },
    };
    const queuedIcon = this.palette.dim(figures.squareSmallFilled);
    const Renderer = jobListRenderer((task) => byTaskId.get(task.id)?.row.phase === 'pending', queuedIcon);
    const listr = new Listr<unknown, typeof Renderer>([...jobTasks, warningsTask], {
      concurrent: true,
      exitOnError: false,
      // Signals belong to the run (run/signals.ts); listr2's own handler would exit the process.
      registerSignalListeners: false,
      renderer: Renderer,
      fallbackRendererCondition: false,
      silentRendererCondition: false,
      rendererOptions: {
        formatOutput: 'truncate',
        collapseErrors: true,
        showErrorMessage: true,
        collapseSkips: true,
        showSkipMessage: true,
        logger: new ListrLogger<ListrDefaultRendererLogLevels>({ useIcons: true, toStderr: [], processOutput: processOutput(this.options.stream) }),
        color: levelColors(this.palette),
      },
    });
    rendering.listrStopped = listr.run().then(() => undefined);
    // close() awaits and rethrows; this only keeps an early failure from being reported as unhandled.
    rendering.listrStopped.catch(() => undefined);
    this.state = rendering;
  }

  private update(s: Extract<RichState, { kind: 'rendering' }>, event: ShownEvent): void {
    switch (event.type) {
      case 'run-started':
      case 'run-finished':
        return;
      case 'job-state': {
        const b = s.rows.get(event.job);
        if (b === undefined) return;
        b.row.phase = event.phase;
        b.row.detail = event.detail;
        // The question stays under the row while supervision says the job waits for input.
        if (event.detail !== 'waiting for input') b.row.question = null;
        if (b.row.since === null && event.phase !== 'pending') b.row.since = event.at;
        this.paint(b, s.nameWidth);
        return;
      }
      case 'job-activity': {
        const b = s.rows.get(event.job);
        const line = sanitizeLine(event.line);
        if (b === undefined || line === '') return;
        b.row.activity = line;
        this.paint(b, s.nameWidth);
        return;
      }
      case 'job-finished': {
        const b = s.rows.get(event.job);
        if (b === undefined) return;
        b.row.phase = 'finished';
        b.row.result = event.result;
        b.end({ kind: 'result', result: event.result });
        return;
      }
      case 'job-intervention': {
        // The row's state line already says what supervision is doing (job-state detail); a
        // blocked job also shows what it is asked, until it moves on.
        const b = s.rows.get(event.job);
        if (b === undefined) return;
        if (event.intervention.kind === 'resume') {
          b.row.resumes = addResume(b.row.resumes, event.intervention.why);
          return;
        }
        if (event.intervention.kind === 'blocked' && event.intervention.question !== undefined) b.row.question = event.intervention.question;
        else if (event.intervention.kind === 'answer' || event.intervention.kind === 'deny') b.row.question = null;
        else return;
        this.paint(b, s.nameWidth);
        return;
      }
      case 'job-facts':
      case 'job-changes':
        // Session ids, token counts and changed files are for the report and the summary, not the live rows.
        return;
      case 'notification':
        // Failed deliveries arrive as warnings too; the rest is for the report.
        return;
      case 'warning': {
        const where = event.job === null ? '' : `${sanitizeLine(event.job)}: `;
        const text = `${this.palette.yellow('warning')}: ${where}${sanitizeLine(event.message)}`;
        this.warnings.push(text);
        if (s.warningsWrapper !== null) s.warningsWrapper.output = this.fit(text, 2);
        return;
      }
      default:
        unreachable(event);
    }
  }

  // Re-draws the titles of jobs whose elapsed time is ticking.
  private onTick(): void {
    const s = this.state;
    if (s.kind !== 'rendering') return;
    for (const b of s.rows.values()) if (b.row.result === null && b.row.since !== null) this.paint(b, s.nameWidth);
    s.tick = this.options.clock.setTimeout(() => this.onTick(), TICK_MS);
  }

  private paint(b: RowBinding, nameWidth: number): void {
    if (b.wrapper === null || b.row.result !== null) return;
    b.wrapper.title = this.title(b.row, nameWidth);
    const activity = rowActivity(b.row, this.columns() - OUTPUT_RESERVED, this.palette);
    if (activity !== null && activity !== b.wrapper.output) b.wrapper.output = activity;
  }

  // Gives the task its final look: completed for success, skipped (arrow) for jobs that did not
  // run or have no result, failed (cross) otherwise; listr2 shows the thrown message as the row.
  private finishTask(
    b: RowBinding,
    wrapper: Wrapper,
    end: RowEnd,
    nameWidth: number,
  ): void {
    switch (end.kind) {
      case 'abandoned': {
        const name = padEnd(truncate(sanitizeLine(b.row.name), nameWidth), nameWidth);
        wrapper.skip(`${this.palette.bold(name)}  ${this.palette.yellow('unfinished')}`);
        return;
      }
      case 'result': {
        const title = this.title(b.row, nameWidth);
        wrapper.title = title;
        switch (end.result.status) {
          case 'succeeded':
            return;
          case 'skipped':
            wrapper.skip(title);
            return;
          case 'failed':
          case 'timed_out':
          case 'killed':
          case 'interrupted':
            throw new Error(title);
          default:
            unreachable(end.result.status);
        }
      }
      default:
        unreachable(end);
    }
  }

  private title(row: JobRow, nameWidth: number): string {
    return rowTitle(row, { now: this.options.clock.now(), nameWidth, width: this.columns() - TITLE_RESERVED, palette: this.palette });
  }

  private fit(text: string, reserved: number): string {
    return truncate(text, this.columns() - reserved);
  }

  // Read on every paint, so a resized terminal gets rows of the new width.
  private columns(): number {
    const columns = (this.options.stream as { columns?: unknown }).columns;
    return typeof columns === 'number' && columns > 0 ? columns : DEFAULT_COLUMNS;
  }
}

function binding(row: JobRow): RowBinding {
  let end!: (outcome: RowEnd) => void;
  const ended = new Promise<RowEnd>((resolve) => {
    end = resolve;
  });
  return { row, wrapper: null, end, ended };
}

// listr2's default renderer with three changes: it may draw on any stream (we chose rich mode
// for our stream already; listr2 would look at process.stdout.isTTY instead); queued jobs show
// the waiting square rather than a spinner, because listr2 starts every task at once; and
// frames are capped (see update()).
function jobListRenderer(isQueued: (task: ListrDefaultRendererTask) => boolean, queuedIcon: string) {
  return class JobListRenderer extends DefaultRenderer {
    static override nonTTY = true;
    private lastFrame = Number.NEGATIVE_INFINITY;

    // listr2 redraws the whole list on every title or output change: 20 busy jobs cost most of a
    // core. Draw at most one frame per FRAME_MS; the spinner calls update() every 100 ms, so a
    // skipped change is drawn on its next tick, and end() draws the final frame directly.
    // Frame pacing is about the real terminal, so it reads the real monotonic clock.
    override update(): void {
      const now = performance.now();
      if (now - this.lastFrame < FRAME_MS) return;
      this.lastFrame = now;
      super.update();
    }

    protected override style(task: ListrDefaultRendererTask, output = false): string {
      if (!output && task.isPending() && isQueued(task)) return queuedIcon;
      return super.style(task, output);
    }
  };
}

// listr2 writes through a ProcessOutput, which it "hijacks" while drawing (other writes to the
// stream are held back and printed after the list). It gets our stream as stdout and a sink as
// stderr: the default renderer logs nothing to stderr, and holding back the process's real
// stderr would also strip and reorder whatever it carries.
function processOutput(stream: DisplayStream): ProcessOutput {
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  // listr2 types these as tty streams but only calls write() and reads columns/rows when present.
  return new ProcessOutput(stream as NodeJS.WriteStream, sink as unknown as NodeJS.WriteStream);
}

// Our palette for every listr2 icon level, so colour follows --color decisions (NO_COLOR,
// FORCE_COLOR) rather than listr2's own detection at import time.
function levelColors(palette: Palette): Record<ListrDefaultRendererLogLevels, LoggerFormat> {
  const L = ListrDefaultRendererLogLevels;
  const as = (paint: Paint): LoggerFormat => (text?: string) => paint(text ?? '');
  return {
    [L.SKIPPED_WITH_COLLAPSE]: as(palette.yellow),
    [L.SKIPPED_WITHOUT_COLLAPSE]: as(palette.yellow),
    [L.OUTPUT]: as(palette.dim),
    [L.OUTPUT_WITH_BOTTOMBAR]: as(palette.dim),
    [L.PENDING]: as(palette.cyan),
    [L.COMPLETED]: as(palette.green),
    [L.COMPLETED_WITH_FAILED_SUBTASKS]: as(palette.yellow),
    [L.COMPLETED_WITH_FAILED_SISTER_TASKS]: as(palette.red),
    [L.RETRY]: as(palette.yellow),
    [L.ROLLING_BACK]: as(palette.red),
    [L.ROLLED_BACK]: as(palette.red),
    [L.FAILED]: as(palette.red),
    [L.FAILED_WITH_FAILED_SUBTASKS]: as(palette.red),
    [L.WAITING]: as(palette.dim),
    [L.PAUSED]: as(palette.yellow),
  };
}
