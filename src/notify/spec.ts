/**
 * The notification model: which events go where (`notify:` in the manifest, at run level
 * and per job), after validation. Webhook URLs and header values are kept as written, with
 * their `${VAR}` references unexpanded: they are expanded at delivery time, so tokens never
 * sit in the job model, the plan, the events or the report.
 */

/** What a person may want to hear about. */
export type NotifyEvent = 'blocked' | 'failed' | 'finished' | 'usage-limit' | 'run-finished';

export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['blocked', 'failed', 'finished', 'usage-limit', 'run-finished'];

/** The events of an entry without `on:`: the ones that need a person (not every finished job). */
export const DEFAULT_NOTIFY_EVENTS: readonly NotifyEvent[] = ['blocked', 'failed', 'usage-limit', 'run-finished'];

/** Where a notification goes. */
export type NotifyChannel =
  /** A JSON POST; `url` and header values may hold `${VAR}` (expanded when sent, never recorded). */
  | { kind: 'webhook'; url: string; headers: Readonly<Record<string, string>> }
  /** A program (argv, no shell) that reads the event JSON on stdin. */
  | { kind: 'command'; argv: readonly string[] }
  /** `notify-send`, where present. */
  | { kind: 'desktop' };

/** One `notify:` entry. */
export interface NotifySpec {
  on: readonly NotifyEvent[];
  channel: NotifyChannel;
  /** Time one try may take before it is abandoned (the command is killed). */
  timeoutMs: number;
  /** Tries after the first when one fails. */
  retries: number;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;
export const DEFAULT_NOTIFY_RETRIES = 2;
