/**
 * Sends notifications for a run: watches the event bus for the occasions the `notify:`
 * entries want, and delivers each asynchronously, so a slow or dead endpoint never slows
 * or fails a job or the run. Each delivery (one occasion to one entry):
 *
 *   trying(n) ──ok──────────────────────────────▶ delivered
 *      │ failed or timed out, tries left
 *      ▼
 *   backing-off ──timer (500ms, 1s, 2s, ...)──▶ trying(n+1)
 *      │ failed, no tries left ─────────────────▶ failed      (+ a warning)
 *   flush() deadline passes while trying/backing-off ──▶ abandoned (+ a warning)
 *   channel unavailable (no notify-send) ──────────────▶ unavailable (one warning per entry)
 *
 * Every ended delivery is a `notification` event (events.jsonl, report.json `notifications`).
 * `${VAR}` in webhook URLs and headers is expanded here, at send time, and only here.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import { interpolate } from '../manifest/interpolate.js';
import type { EventBus, JobStatus, NotificationDelivery, RunEvent } from '../run/events.js';
import type { QuestionInfo } from '../ui/question-text.js';
import type { Channel, Try, TryResult } from './channel.js';
import { commandChannel } from './command.js';
import { desktopChannel } from './desktop.js';
import { notificationBody, type NotifyOccasion, type RunInfo } from './message.js';
import type { NotifyEvent, NotifySpec } from './spec.js';
import { webhookChannel } from './webhook.js';
import { formatDuration } from '../ui/text.js';

/** First pause between tries; each next one doubles. */
export const RETRY_BACKOFF_MS = 500;

/** The longest the end of a run waits for deliveries still in flight. */
export const DEFAULT_FLUSH_MS = 5_000;

export interface NotifierOptions {
  bus: EventBus;
  clock: Clock;
  /** The run-level entries. */
  run: readonly NotifySpec[];
  /** Each job's own entries (with `defaults:`'). */
  jobs: ReadonlyMap<string, readonly NotifySpec[]>;
  /** The runner's environment, for `${VAR}` in webhooks and for commands. */
  env: Readonly<Record<string, string | undefined>>;
  /** Builds a channel for an entry; tests may replace it. */
  channelFor?: (spec: NotifySpec, env: Readonly<Record<string, string | undefined>>) => Channel | string;
}

type DeliveryState =
  | { kind: 'trying'; n: number; attempt: Try; timer: TimerHandle }
  | { kind: 'backing-off'; n: number; timer: TimerHandle; lastError: string }
  | { kind: 'ended' };

interface Delivery {
  state: DeliveryState;
  readonly spec: NotifySpec;
  readonly channel: Channel;
  readonly event: NotifyEvent;
  readonly job: string | null;
  readonly json: string;
  readonly text: string;
}

export class Notifier {
  private readonly pending = new Set<Delivery>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly unsubscribe: () => void;
  private runInfo: RunInfo | null = null;
  private readonly results: Array<{ name: string; status: JobStatus }> = [];
  /** Channels built once per entry (a desktop entry looks for notify-send once, and warns once). */
  private readonly channels = new Map<NotifySpec, Channel | string>();
  private readonly warnedUnavailable = new Set<NotifySpec>();
  /** Jobs whose usage-limit park was told already. */
  private readonly parked = new Set<string>();

  constructor(private readonly o: NotifierOptions) {
    this.unsubscribe = o.bus.on((event) => this.observe(event));
  }

  /**
   * Waits for the deliveries in flight, at most `limitMs`; the ones still going then are
   * cancelled and recorded as abandoned. Stops watching the bus.
   */
  async flush(limitMs: number = DEFAULT_FLUSH_MS): Promise<void> {
    this.unsubscribe();
    if (this.pending.size === 0) return;
    let timer: TimerHandle | null = null;
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      timer = this.o.clock.setTimeout(resolve, limitMs);
    });
    if (timer !== null) this.o.clock.clearTimeout(timer);
    for (const d of [...this.pending]) this.abandon(d, limitMs);
  }

  private observe(event: RunEvent): void {
    switch (event.type) {
      case 'run-started':
        this.runInfo = { id: event.runId, dir: event.runDir, manifest: event.manifest };
        return;
      case 'job-intervention': {
        const kind = event.intervention.kind;
        // Parked until the usage limit resets: said once per job (a limit that still holds parks it again).
        if (kind === 'usage-limit' && !this.parked.has(event.job)) {
          this.parked.add(event.job);
          const parked = event.intervention.why ?? 'parked until the reset';
          for (const spec of this.specsFor(event.job)) {
            if (spec.on.includes('usage-limit')) this.deliver(spec, event.job, { event: 'usage-limit', at: event.at, job: event.job, parked });
          }
        }
        if (kind === 'blocked' || kind === 'notify') {
          const question: QuestionInfo | null = event.intervention.question ?? null;
          for (const spec of this.specsFor(event.job)) {
            if (spec.on.includes('blocked')) this.deliver(spec, event.job, { event: 'blocked', at: event.at, job: event.job, question });
          }
        }
        return;
      }
      case 'job-finished': {
        const { result } = event;
        this.results.push({ name: event.job, status: result.status });
        // The most specific event an entry wants: usage-limit, then failed, then finished.
        const matches: NotifyEvent[] = [];
        if (result.reason === 'usage-limit') matches.push('usage-limit');
        if (result.status === 'failed' || result.status === 'timed_out' || result.status === 'killed') matches.push('failed');
        matches.push('finished');
        for (const spec of this.specsFor(event.job)) {
          const wanted = matches.find((m) => spec.on.includes(m));
          if (wanted === undefined) continue;
          this.deliver(spec, event.job, { event: wanted as 'failed' | 'finished' | 'usage-limit', at: event.at, job: event.job, result });
        }
        return;
      }
      case 'run-finished':
        for (const spec of this.o.run) {
          if (spec.on.includes('run-finished')) this.deliver(spec, null, { event: 'run-finished', at: event.at, status: event.status, results: this.results });
        }
        return;
      case 'job-state':
      case 'job-output':
      case 'job-activity':
      case 'job-facts':
      case 'job-changes':
      case 'warning':
      case 'notification':
        return;
      default:
        unreachable(event);
    }
  }

  private specsFor(job: string): NotifySpec[] {
    return [...this.o.run, ...(this.o.jobs.get(job) ?? [])];
  }

  private deliver(spec: NotifySpec, job: string | null, occasion: NotifyOccasion): void {
    if (this.runInfo === null) return;
    const channel = this.channel(spec);
    const body = notificationBody(this.runInfo, occasion);
    if (typeof channel === 'string') {
      const kind = spec.channel.kind;
      this.record({ event: occasion.event, job, channel: kind, target: kind === 'desktop' ? 'notify-send' : kind, outcome: 'unavailable', tries: 0, error: channel });
      if (!this.warnedUnavailable.has(spec)) {
        this.warnedUnavailable.add(spec);
        this.warn(`${kind} notifications: ${channel}`);
      }
      return;
    }
    const delivery: Delivery = { state: { kind: 'ended' }, spec, channel, event: occasion.event, job, json: JSON.stringify(body), text: body.text };
    this.pending.add(delivery);
    this.tryOnce(delivery, 1);
  }

  private channel(spec: NotifySpec): Channel | string {
    const known = this.channels.get(spec);
    if (known !== undefined) return known;
    const built = (this.o.channelFor ?? defaultChannel)(spec, this.o.env);
    const channel = typeof built === 'string' ? built : (built.unavailable() ?? built);
    this.channels.set(spec, channel);
    return channel;
  }

  private tryOnce(d: Delivery, n: number): void {
    const attempt = d.channel.send(d.json, d.text);
    const timer = this.o.clock.setTimeout(() => {
      if (d.state.kind === 'trying' && d.state.attempt === attempt) {
        attempt.cancel();
        this.failed(d, n, `timed out after ${formatDuration(d.spec.timeoutMs)}`);
      }
    }, d.spec.timeoutMs);
    d.state = { kind: 'trying', n, attempt, timer };
    void attempt.done.then((result: TryResult) => {
      if (d.state.kind !== 'trying' || d.state.attempt !== attempt) return;
      this.o.clock.clearTimeout(timer);
      if (result.ok) this.end(d, { outcome: 'delivered', tries: n, error: null });
      else this.failed(d, n, result.error);
    });
  }

  private failed(d: Delivery, n: number, error: string): void {
    if (n > d.spec.retries) {
      this.end(d, { outcome: 'failed', tries: n, error });
      this.warn(`${d.event} notification to ${d.channel.kind} ${d.channel.target} failed after ${n} ${n === 1 ? 'try' : 'tries'}: ${error}`, d.job);
      return;
    }
    const timer = this.o.clock.setTimeout(() => {
      if (d.state.kind === 'backing-off') this.tryOnce(d, n + 1);
    }, RETRY_BACKOFF_MS * 2 ** (n - 1));
    d.state = { kind: 'backing-off', n, timer, lastError: error };
  }

  private abandon(d: Delivery, limitMs: number): void {
    const s = d.state;
    switch (s.kind) {
      case 'trying':
        this.o.clock.clearTimeout(s.timer);
        s.attempt.cancel();
        break;
      case 'backing-off':
        this.o.clock.clearTimeout(s.timer);
        break;
      case 'ended':
        return;
      default:
        unreachable(s);
    }
    const error = s.kind === 'backing-off' ? `${s.lastError}; the run ended before the next try` : `still being tried when the run ended (waited ${formatDuration(limitMs)})`;
    this.end(d, { outcome: 'abandoned', tries: s.n, error });
    this.warn(`${d.event} notification to ${d.channel.kind} ${d.channel.target} abandoned: ${error}`, d.job);
  }

  private end(d: Delivery, how: Pick<NotificationDelivery, 'outcome' | 'tries' | 'error'>): void {
    d.state = { kind: 'ended' };
    this.pending.delete(d);
    this.record({ event: d.event, job: d.job, channel: d.channel.kind, target: d.channel.target, ...how });
    if (this.pending.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private record(delivery: NotificationDelivery): void {
    this.o.bus.emit({ type: 'notification', at: this.o.clock.now(), delivery });
  }

  private warn(message: string, job: string | null = null): void {
    this.o.bus.emit({ type: 'warning', at: this.o.clock.now(), job, message });
  }
}

// The real channels; a webhook's `${VAR}`s are expanded now (a variable unset since the manifest was loaded makes it unavailable).
function defaultChannel(spec: NotifySpec, env: Readonly<Record<string, string | undefined>>): Channel | string {
  const c = spec.channel;
  switch (c.kind) {
    case 'webhook': {
      const url = interpolate(c.url, env);
      if (!url.ok) return `the webhook URL: ${url.error[0]?.message ?? 'cannot expand it'}`;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(c.headers)) {
        const expanded = interpolate(value, env);
        if (!expanded.ok) return `header ${name}: ${expanded.error[0]?.message ?? 'cannot expand it'}`;
        headers[name] = expanded.value;
      }
      return webhookChannel(url.value, headers);
    }
    case 'command':
      return commandChannel(c.argv, env);
    case 'desktop':
      return desktopChannel(env);
    default:
      return unreachable(c);
  }
}
