/**
 * `notify:` (run level, and per job or in `defaults:`): a list of entries, each with one
 * channel (`webhook`, `command` or `desktop`), the events it wants (`on`), a per-try
 * `timeout` and `retries`. The schema checks the shapes; this checks what it cannot (one
 * channel per entry, durations, `${VAR}` references) and gives the defaults. References are
 * checked here but expanded only when a notification is sent (src/notify/).
 */
import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';
import { formatDuration, parseDuration } from './duration.js';
import { interpolate } from './interpolate.js';
import type { FieldContext } from './job-fields.js';
import type { Diagnostic } from './model.js';
import {
  DEFAULT_NOTIFY_EVENTS,
  DEFAULT_NOTIFY_RETRIES,
  DEFAULT_NOTIFY_TIMEOUT_MS,
  type NotifyChannel,
  type NotifyEvent,
  type NotifySpec,
} from '../notify/spec.js';

/** One entry as written, after the schema accepted it. */
export interface WrittenNotify {
  on?: NotifyEvent[];
  webhook?: { url: string; headers?: Record<string, string> };
  command?: string[];
  desktop?: boolean;
  timeout?: string;
  retries?: number;
}

/** The longest a single try may take. */
const MAX_NOTIFY_TIMEOUT_MS = 60_000;

const CHANNELS = ['webhook', 'command', 'desktop'] as const;

/** Validates every entry, each problem at its place. */
export function resolveNotify(written: WrittenNotify[], context: FieldContext, skip: (index: number) => boolean = () => false): Result<NotifySpec[], Diagnostic[]> {
  const specs: NotifySpec[] = [];
  const diagnostics: Diagnostic[] = [];
  written.forEach((entry, index) => {
    if (skip(index)) return;
    const at = [...context.path, String(index)];
    const present = CHANNELS.filter((c) => entry[c] !== undefined && entry[c] !== false);
    if (present.length !== 1) {
      const found = present.length === 0 ? 'none' : present.join(' and ');
      diagnostics.push(context.source.diagnostic(at, `expected exactly one channel (webhook, command or desktop) in this notify entry, found ${found}`, {
        hint: 'write one entry per channel, e.g. `- webhook: { url: "https://…" }` and `- desktop: true`',
      }));
      return;
    }
    let channel: NotifyChannel;
    if (entry.webhook !== undefined) {
      checkReferences(entry.webhook.url, [...at, 'webhook', 'url'], context, diagnostics);
      const expandedUrl = interpolate(entry.webhook.url, context.env);
      if (expandedUrl.ok && !/^https?:\/\/[^/\s]/i.test(expandedUrl.value)) {
        diagnostics.push(context.source.diagnostic([...at, 'webhook', 'url'], `expected an http:// or https:// URL, found ${quote(entry.webhook.url)}`));
      }
      for (const [name, value] of Object.entries(entry.webhook.headers ?? {})) checkReferences(value, [...at, 'webhook', 'headers', name], context, diagnostics);
      channel = { kind: 'webhook', url: entry.webhook.url, headers: { ...(entry.webhook.headers ?? {}) } };
    } else if (entry.command !== undefined) {
      channel = { kind: 'command', argv: [...entry.command] };
    } else {
      channel = { kind: 'desktop' };
    }
    let timeoutMs = DEFAULT_NOTIFY_TIMEOUT_MS;
    if (entry.timeout !== undefined) {
      const parsed = parseDuration(entry.timeout);
      if (!parsed.ok) diagnostics.push(context.source.diagnostic([...at, 'timeout'], parsed.error));
      else if (parsed.value === 0 || parsed.value > MAX_NOTIFY_TIMEOUT_MS) {
        diagnostics.push(context.source.diagnostic([...at, 'timeout'], `expected a timeout above zero and at most ${formatDuration(MAX_NOTIFY_TIMEOUT_MS)}, found ${quote(entry.timeout)}`));
      } else timeoutMs = parsed.value;
    }
    specs.push({ on: [...new Set(entry.on ?? DEFAULT_NOTIFY_EVENTS)], channel, timeoutMs, retries: entry.retries ?? DEFAULT_NOTIFY_RETRIES });
  });
  return diagnostics.length === 0 ? ok(specs) : err(diagnostics);
}

/** Entries from `defaults:` apply too, after the job's own. */
export const mergeNotify = (fromDefaults: NotifySpec[], own: NotifySpec[]): NotifySpec[] => [...own, ...fromDefaults];

// Every `${VAR}` must be well formed and set now, so a typo fails before the night, not at 3 am.
function checkReferences(text: string, path: FieldContext['path'], context: FieldContext, into: Diagnostic[]): void {
  const result = interpolate(text, context.env);
  if (result.ok) return;
  for (const problem of result.error) {
    into.push(context.source.diagnostic(path, problem.message, { hint: problem.hint, span: { start: problem.start, end: problem.end } }));
  }
}
