import type { EventBus, RunEvent } from '../run/events.js';
import type { Clock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import type { DisplayMode } from './display-mode.js';
import type { DisplayStream, EventRenderer, RendererOptions, ShownEvent } from './event-renderer.js';
import { PlainDisplay } from './plain-display.js';

/** How {@link startDisplay} shows a run. */
export interface DisplayOptions {
  /** From `chooseDisplayMode`. */
  mode: DisplayMode;
  /** Where the display writes (the CLI passes processOutput().stdout). */
  stream: DisplayStream;
  /** Timestamps and the elapsed-time tick come from here. */
  clock: Clock;
  /** From `useColor`. */
  color: boolean;
}

/** A running display. The CLI prints the end-of-run summary itself once `done()` resolves. */
export interface Display {
  /**
   * Resolves after run-finished has been shown and the renderer has stopped: listr2 has drawn
   * its last frame and released the stream, and no timer is left, so the process can exit.
   * Rejects only for a bug in the UI (an `Internal error:`).
   */
  done(): Promise<void>;
  /**
   * Ends the display now without waiting for run-finished, e.g. when the run could not start or
   * threw. Jobs still open are shown as unfinished. Same promise as done(); safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * The display's life:
 *
 *   listening ──run-finished──▶ closing ──renderer closed──▶ closed
 *       └──── stop() or a UI bug ───▲
 *
 * Only `listening` passes events to the renderer. The bus listener is removed on leaving it.
 */
type DisplayState = { kind: 'listening' } | { kind: 'closing' } | { kind: 'closed' };

/**
 * Shows a run's events on `stream` in the chosen mode. It only consumes the event stream; it
 * never drives the run. Subscribe before the run emits run-started: the rich list is built from it.
 */
export function startDisplay(bus: EventBus, options: DisplayOptions): Display {
  const renderer = createRenderer(options);
  let resolveDone!: () => void;
  let rejectDone!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // Callers await done(); this only keeps a UI bug from also being reported as an unhandled rejection.
  finished.catch(() => undefined);

  let state: DisplayState = { kind: 'listening' };

  const close = (failure: Error | null): void => {
    const s = state;
    switch (s.kind) {
      case 'listening':
        // Not synchronously: EventBus.emit walks its live listener array, so leaving during an
        // emit would make the next listener miss this event. Leaving `listening` already mutes us.
        queueMicrotask(unsubscribe);
        state = { kind: 'closing' };
        renderer.close().then(
          () => {
            state = { kind: 'closed' };
            if (failure === null) resolveDone();
            else rejectDone(failure);
          },
          (error: unknown) => {
            state = { kind: 'closed' };
            rejectDone(failure ?? internalError(error));
          },
        );
        return;
      case 'closing':
      case 'closed':
        return;
      default:
        unreachable(s);
    }
  };

  const onEvent = (event: ShownEvent): void => {
    if (state.kind !== 'listening') return;
    try {
      renderer.handle(event);
    } catch (error) {
      // The bus is the run's: a UI bug must not break its emit loop, so it ends the display instead.
      close(internalError(error));
      return;
    }
    if (event.type === 'run-finished') close(null);
  };

  const unsubscribe = bus.on((event: RunEvent) => {
    // Hot path: raw PTY bytes arrive here for every chunk; drop them before anything else.
    if (event.type === 'job-output') return;
    onEvent(event);
  });

  return {
    done: () => finished,
    stop: () => {
      close(null);
      return finished;
    },
  };
}

function createRenderer(options: DisplayOptions): EventRenderer {
  const base: RendererOptions = { stream: options.stream, clock: options.clock, color: options.color };
  switch (options.mode) {
    case 'rich':
      return new DeferredRenderer(import('./rich-display.js').then((m) => m.createRichDisplay(base)));
    case 'plain':
      return new PlainDisplay({ ...base, verbosity: 'plain' });
    case 'quiet':
      return new PlainDisplay({ ...base, verbosity: 'quiet' });
    case 'silent':
      return { handle: () => undefined, close: async () => undefined };
    default:
      return unreachable(options.mode);
  }
}

/**
 * A renderer whose module is still loading (listr2 is imported only in rich mode, to keep
 * plain and --json start-up fast): events are queued and replayed in order once it is ready.
 */
class DeferredRenderer implements EventRenderer {
  private ready: EventRenderer | null = null;
  private readonly queue: ShownEvent[] = [];
  private readonly loaded: Promise<EventRenderer>;

  constructor(loading: Promise<EventRenderer>) {
    this.loaded = loading.then((renderer) => {
      for (const event of this.queue.splice(0)) renderer.handle(event);
      this.ready = renderer;
      return renderer;
    });
    // close() awaits and rethrows a failed load; this only keeps it from also being reported as unhandled.
    this.loaded.catch(() => undefined);
  }

  handle(event: ShownEvent): void {
    if (this.ready === null) this.queue.push(event);
    else this.ready.handle(event);
  }

  async close(): Promise<void> {
    const renderer = await this.loaded;
    await renderer.close();
  }
}

function internalError(error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(`Internal error: the live display failed: ${detail}`, { cause: error });
}
