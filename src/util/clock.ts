/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time source injected everywhere a timer or a timestamp is needed, so idle ladders,
 * timeouts, cron and debounce are tested by moving a fake clock, never by sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs `fn` once `ms` have passed. With the real clock it may run up to a millisecond before
   * `now()` says `ms` have passed (Node counts timers on the event loop's millisecond clock, not
   * Date.now()): a timer's firing is its own proof that it is due; do not check it against `now()`.
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest wait one of Node's timers can do: 2^31 - 1 ms (about 24.8 days). Longer
 * waits fire after 1 ms with a TimeoutOverflowWarning, so {@link chainedTimers} splits them.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The timer functions a {@link chainedTimers} clock is built on (Node's, or a test's fakes). */
export interface TimerFunctions<H> {
  setTimeout(fn: () => void, ms: number): H;
  clearTimeout(handle: H): void;
}

/** A timer of the chained clock: the underlying timer of the current leg, replaced as legs end. */
interface ChainedTimer<H> {
  current: H | null;
}

/**
 * A clock whose timers wait any length of time: a wait longer than {@link MAX_TIMER_MS} is a
 * chain of legs of at most that length, each started when the previous one ends, so nothing
 * can fire early. The one place in codex-run where user durations meet Node's timers.
 */
export function chainedTimers<H>(timers: TimerFunctions<H>, now: () => number = Date.now): Clock {
  return {
    now,
    setTimeout: (fn, ms) => {
      const timer: ChainedTimer<H> = { current: null };
      const due = now() + Math.max(0, ms);
      // Legs are measured against the wall clock, so the chain ends at `due` however long each leg took.
      const leg = (wait: number): void => {
        timer.current = timers.setTimeout(() => {
          const left = due - now();
          if (wait === MAX_TIMER_MS && left > 0) leg(Math.min(left, MAX_TIMER_MS));
          else {
            timer.current = null;
            fn();
          }
        }, wait);
      };
      leg(Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : MAX_TIMER_MS);
      return timer;
    },
    clearTimeout: (handle) => {
      const timer = handle as ChainedTimer<H>;
      if (timer.current !== null) timers.clearTimeout(timer.current);
      timer.current = null;
    },
  };
}

/** The real clock, backed by Date.now and Node's timers (chained past 2^31 - 1 ms). Timers are unref'd only by their owners. */
export const systemClock: Clock = chainedTimers<NodeJS.Timeout>({
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
});
