/**
 * One account, one window: when an agent reports its usage limit, the job is parked here and
 * no new job of that agent kind starts until the limit has reset. Parked sessions are released
 * in the order they parked, each at its reset time (or after the one parked before it) plus a
 * little random jitter, so they do not all hit the service in the same instant.
 *
 * A reset is often known only roughly (codex prints it to the minute): a parked job may try
 * early, but new jobs wait until the latest time the reset can be (`latestResetAt`), unless
 * a job that tried after its park got past the limit first (`confirm`).
 *
 * Per agent kind:
 *
 *   open ──park──▶ holding (parked jobs waiting, each with a release timer)
 *     ▲                 │ last parked job released or cancelled
 *     │                 ▼
 *     ├──────────── probing (none parked; the reset may not have come yet) ──park──▶ holding
 *     │    latest reset passed, or confirm()
 *     └─ (listeners told: queued jobs may start; straight from holding when the latest reset has passed)
 */
import type { AgentKind } from '../manifest/model.js';
import type { Clock, TimerHandle } from '../util/clock.js';

/** A parked job: `released` settles true at its release time, false when cancelled first. */
export interface ParkTicket {
  /** When the job will be released (epoch ms). */
  readonly releaseAt: number;
  readonly released: Promise<boolean>;
  cancel(): void;
}

interface Parked {
  job: string;
  timer: TimerHandle;
  settle: (released: boolean) => void;
}

interface Hold {
  parked: Parked[];
  /** The latest release time handed out, so later parkers go after earlier ones. */
  lastRelease: number;
  /** New jobs wait until then at least (the latest the reset can be), unless a job confirms the limit is gone. */
  heldUntil: number;
  /** Opens the hold at `heldUntil` once nobody is parked. */
  openTimer: TimerHandle | null;
}

/** Default most jitter added to a release, in ms. */
export const DEFAULT_RELEASE_JITTER_MS = 1000;

export class UsageGate {
  private readonly holds = new Map<AgentKind, Hold>();
  private listeners: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
    private readonly jitterMs: number = DEFAULT_RELEASE_JITTER_MS,
  ) {}

  /** Whether a usage limit of `agent` holds: new jobs of that kind must not start. */
  holding(agent: AgentKind): boolean {
    return this.holds.has(agent);
  }

  /** Called whenever a hold ends (the run then starts what was held back). */
  onOpen(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Parks `job` until `resetAt` (and after every job parked before it), plus jitter. New jobs
   * of `agent` wait until `latestResetAt` (default `resetAt`) even when the parked job leaves earlier.
   */
  park(agent: AgentKind, job: string, resetAt: number, latestResetAt: number = resetAt): ParkTicket {
    const hold = this.holds.get(agent) ?? { parked: [], lastRelease: 0, heldUntil: 0, openTimer: null };
    this.holds.set(agent, hold);
    if (hold.openTimer !== null) this.clock.clearTimeout(hold.openTimer);
    hold.openTimer = null;
    const releaseAt = Math.max(resetAt, hold.lastRelease, this.clock.now()) + Math.floor(this.random() * this.jitterMs);
    hold.lastRelease = releaseAt;
    hold.heldUntil = Math.max(hold.heldUntil, latestResetAt);
    let settle!: (released: boolean) => void;
    const released = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const entry: Parked = {
      job,
      settle,
      timer: this.clock.setTimeout(() => this.leave(agent, entry, true), releaseAt - this.clock.now()),
    };
    hold.parked.push(entry);
    return {
      releaseAt,
      released,
      cancel: () => {
        this.clock.clearTimeout(entry.timer);
        this.leave(agent, entry, false);
      },
    };
  }

  /** A job of `agent` got past the limit after its park: new jobs need not wait for the latest reset. */
  confirm(agent: AgentKind): void {
    const hold = this.holds.get(agent);
    if (hold === undefined) return;
    hold.heldUntil = Math.min(hold.heldUntil, this.clock.now());
    this.openIfDue(agent, hold);
  }

  /** The run is over: drops every hold and its timers (parked jobs are not released). */
  close(): void {
    for (const hold of this.holds.values()) {
      if (hold.openTimer !== null) this.clock.clearTimeout(hold.openTimer);
      for (const entry of hold.parked) this.clock.clearTimeout(entry.timer);
    }
    this.holds.clear();
    this.listeners = [];
  }

  /** The jobs parked for `agent`, in release order. */
  parked(agent: AgentKind): string[] {
    return this.holds.get(agent)?.parked.map((p) => p.job) ?? [];
  }

  private leave(agent: AgentKind, entry: Parked, released: boolean): void {
    const hold = this.holds.get(agent);
    if (hold === undefined || !hold.parked.includes(entry)) return;
    hold.parked = hold.parked.filter((p) => p !== entry);
    entry.settle(released);
    // The last parked job gave up (it was stopped): the hold ends with it, as nobody waits to try.
    if (!released && hold.parked.length === 0) hold.heldUntil = Math.min(hold.heldUntil, this.clock.now());
    this.openIfDue(agent, hold);
  }

  // Opens the hold when nobody is parked and the latest reset has passed; else waits for it.
  private openIfDue(agent: AgentKind, hold: Hold): void {
    if (hold.parked.length > 0 || this.holds.get(agent) !== hold) return;
    if (hold.openTimer !== null) this.clock.clearTimeout(hold.openTimer);
    hold.openTimer = null;
    const left = hold.heldUntil - this.clock.now();
    if (left > 0) {
      hold.openTimer = this.clock.setTimeout(() => {
        hold.openTimer = null;
        this.openIfDue(agent, hold);
      }, left);
      return;
    }
    this.holds.delete(agent);
    for (const listener of [...this.listeners]) listener();
  }
}
