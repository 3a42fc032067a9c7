/** What every notification channel offers the notifier: one try at a time, cancellable. */

/** How one try ended. */
export type TryResult = { ok: true } | { ok: false; error: string };

/** One try in flight; `cancel()` ends it now (request destroyed, program killed) and it resolves as failed. */
export interface Try {
  readonly done: Promise<TryResult>;
  cancel(): void;
}

/** A channel of one `notify:` entry, with its secrets already expanded (never shown). */
export interface Channel {
  readonly kind: 'webhook' | 'command' | 'desktop';
  /** Where it goes, safe to record: no URL path, query or header. */
  readonly target: string;
  /** Why the channel cannot work here (e.g. no notify-send), or null. */
  unavailable(): string | null;
  /** Starts one try with this JSON body (and the one readable line, for desktop). */
  send(json: string, text: string): Try;
}
