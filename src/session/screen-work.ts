/**
 * The runner's one thread parses every job's screen and runs its policies on the snapshots.
 * A burst of that work for many jobs delays the answer to another job's prompt: 20 siblings
 * printing every 10 ms kept the event loop busy in spans of 10-40 ms while their screen budget
 * lasted (their first second), and bench 3's slowest answers were all in that second (issue 16).
 *
 * A ScreenWorkQueue shares the thread by turns of the event loop:
 * - urgent work runs at once: the screen of a job where a prompt can be (its reply to
 *   codex-run's input, a burst after a silence, the end of a flood; see screen.ts);
 * - other work runs at once while this turn has spent less than `budgetMs` on screen work,
 *   and otherwise waits, in order, for the next turns (each gets `budgetMs` of it). Between two
 *   turns the event loop reads the terminals again, so a reply is read within about a budget of
 *   its arrival however many jobs are busy. A screen's waiting work takes in what comes
 *   meanwhile (one parse for all its chunks, one snapshot for all its changes), so under load
 *   the busy screens are looked at less often instead of the runner falling behind.
 *
 * A turn ends when the `defer` callback runs (setImmediate: after the poll phase that read the
 * terminals). It is scheduled only when work waits or the budget is spent, not on every turn
 * with screen work (an immediate per turn cost 300 fast-exit jobs ~5 % more runner CPU): the
 * time spent adds up over turns until it reaches the budget, and then the turn in progress
 * ends the count. Time is measured with `now` (monotonic; tests inject one), never waited on.
 *
 *   run(task) ──urgent, or budget left and none waiting──▶ runs now (its time counts to the turn)
 *       └──────otherwise──▶ waiting (FIFO) ──next turn: oldest first, until the budget is spent
 */

import { performance } from 'node:perf_hooks';

/** Options of a {@link ScreenWorkQueue}. */
export interface ScreenWorkOptions {
  /** Screen work (ms) a turn of the event loop may spend before other jobs' work waits. Default 1. */
  budgetMs?: number;
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number;
  /** Runs `fn` after the current turn's I/O (default `setImmediate`). */
  defer?: (fn: () => void) => void;
}

/** A piece of one screen's work (a parse, a notification); it must be safe to run late. */
export type ScreenTask = () => void;

export class ScreenWorkQueue {
  private readonly budgetMs: number;
  private readonly now: () => number;
  private readonly defer: (fn: () => void) => void;
  private readonly waiting: ScreenTask[] = [];
  /** Index of the oldest waiting task in `waiting`. */
  private head = 0;
  /** Screen work (ms) spent in the current turn. */
  private spent = 0;
  /** The end of the current turn is scheduled. */
  private turnOpen = false;
  private ran = 0;
  private deferred = 0;

  constructor(options: ScreenWorkOptions = {}) {
    this.budgetMs = Math.max(0, options.budgetMs ?? 1);
    this.now = options.now ?? (() => performance.now());
    this.defer = options.defer ?? ((fn) => void setImmediate(fn));
  }

  /** Runs `task` now when it is urgent or this turn has budget left (and none waits); else later, in order. */
  run(task: ScreenTask, urgent: boolean): void {
    if (urgent || (this.pending === 0 && this.spent < this.budgetMs)) {
      this.timed(task);
      return;
    }
    this.deferred++;
    this.waiting.push(task);
    this.openTurn();
  }

  /** Tasks waiting for a later turn. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Tasks run so far, and how many of them waited for a later turn (for tests and diagnostics). */
  stats(): { ran: number; deferred: number } {
    return { ran: this.ran, deferred: this.deferred };
  }

  private timed(task: ScreenTask): void {
    const start = this.now();
    this.ran++;
    try {
      task();
    } finally {
      this.spent += this.now() - start;
      if (this.spent >= this.budgetMs) this.openTurn();
    }
  }

  private openTurn(): void {
    if (this.turnOpen) return;
    this.turnOpen = true;
    this.defer(() => this.nextTurn());
  }

  // A new turn: the waiting tasks run, oldest first, until its budget is spent.
  private nextTurn(): void {
    this.turnOpen = false;
    this.spent = 0;
    while (this.pending > 0 && this.spent < this.budgetMs) {
      const task = this.waiting[this.head]!;
      this.head++;
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      }
      // Scheduled before the task runs: one that throws does not strand the ones after it.
      if (this.pending > 0) this.openTurn();
      this.timed(task);
    }
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}
