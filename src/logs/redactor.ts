/**
 * Secrets out of everything codex-run writes or shows. The one module every writer uses:
 * the event bus (so report.json, events.jsonl, the live display and anything else built
 * from events), the job results (the summary), the transcript `<job>.txt`, and the raw
 * `<job>.log` when `redactRawLog` is on.
 *
 * A secret is the value of a variable in a job's environment (the runner's, the adapter's
 * and the job's `env:`, `${VAR}` already expanded) whose name contains TOKEN, KEY, SECRET,
 * PASSWORD or CREDENTIAL (any case), or is listed in the job's `secrets:`. Values shorter
 * than {@link MIN_SECRET_LENGTH} characters are not redacted: replacing every "on" or "1"
 * would shred the output. Each occurrence becomes {@link REDACTED}.
 *
 * Output arrives in PTY chunks that can cut a secret in two, so byte streams go through a
 * {@link StreamRedactor}, which holds back at most (longest secret - 1) bytes until the next
 * chunk or the end; bytes that are not part of a secret come out unchanged, in order.
 */
import type { JobResult, RunEvent } from '../run/events.js';

/** What a secret becomes. */
export const REDACTED = '***';

/** Values shorter than this are never redacted. */
export const MIN_SECRET_LENGTH = 4;

const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL/i;

/** Whether a variable of this name holds a secret by its name alone. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The secret values of an environment: by name, or listed in `secrets`. */
export function secretValues(env: Readonly<Record<string, string>>, listed: readonly string[] = []): string[] {
  const names = new Set(listed);
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!(isSecretName(name) || names.has(name)) || value.length < MIN_SECRET_LENGTH) continue;
    values.push(value);
    // A multi-line value (a PEM key) reaches the terminal as \r\n lines, and the transcript
    // and excerpts line by line: each line is a secret of its own too.
    if (value.includes('\n')) {
      values.push(value.replace(/\r?\n/g, '\r\n'));
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_SECRET_LENGTH) values.push(line.trim());
    }
  }
  return values;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Replaces known secret values in text, events, results and byte streams. */
/** `value` with every string in it (at any depth) passed through `t`; other values as they are. */
function deepText<T>(value: T, t: (s: string) => string): T {
  if (typeof value === 'string') return t(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => deepText(v, t)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = deepText(v, t);
    return out as T;
  }
  return value;
}

export class Redactor {
  /** Redacts nothing. */
  static readonly none = new Redactor([]);

  /** The secrets of several jobs' environments at once (one job's secret is redacted in every job's output). */
  static forJobs(jobs: ReadonlyArray<{ env: Readonly<Record<string, string>>; secrets?: readonly string[] | undefined }>): Redactor {
    return new Redactor(jobs.flatMap((job) => secretValues(job.env, job.secrets ?? [])));
  }

  /** The distinct values, longest first (so a secret containing another is replaced whole). */
  readonly values: readonly string[];
  private readonly textPattern: RegExp | null;
  /** The same alternatives over the latin1 view of their UTF-8 bytes, for byte streams. */
  private readonly bytePattern: RegExp | null;
  /** Longest secret in UTF-8 bytes. */
  readonly maxBytes: number;

  constructor(values: readonly string[]) {
    const distinct = [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
    this.values = distinct;
    const bytes = distinct.map((v) => Buffer.from(v, 'utf8').toString('latin1'));
    this.maxBytes = bytes.reduce((n, b) => Math.max(n, b.length), 0);
    this.textPattern = distinct.length === 0 ? null : new RegExp(distinct.map(escapeRegExp).join('|'), 'g');
    this.bytePattern = bytes.length === 0 ? null : new RegExp(bytes.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  }

  /** Whether there is anything to redact. */
  get active(): boolean {
    return this.textPattern !== null;
  }

  text(text: string): string {
    return this.textPattern === null ? text : text.replace(this.textPattern, REDACTED);
  }

  /**
   * A JSON Lines (or JSON) text with secrets redacted inside its strings: each line that parses
   * is written again with its strings redacted (so a secret that JSON escapes is found too, and
   * the line stays valid JSON); a line that does not parse is redacted as text. Unchanged lines
   * keep their bytes.
   */
  jsonLines(text: string): string {
    if (!this.active) return text;
    return text
      .split('\n')
      .map((line) => {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          return this.text(line);
        }
        const redacted = deepText(value, (s) => this.text(s));
        return JSON.stringify(redacted) === JSON.stringify(value) ? line : JSON.stringify(redacted);
      })
      .join('\n');
  }

  /** A job's result with its message (and its attempts' verify output) redacted. */
  result(result: JobResult): JobResult {
    if (!this.active) return result;
    const message = result.message === null ? result : { ...result, message: this.text(result.message) };
    if (result.attempts === undefined) return message;
    return { ...message, attempts: result.attempts.map((a) => (a.verify === undefined ? a : { ...a, verify: { ...a.verify, tail: this.text(a.verify.tail) } })) };
  }

  /** An event with every text a person or a file will see redacted (raw job-output is left alone). */
  event(event: RunEvent): RunEvent {
    if (!this.active) return event;
    const t = (s: string): string => this.text(s);
    switch (event.type) {
      case 'run-started':
        return { ...event, jobs: event.jobs.map((job) => ({ ...job, argv: job.argv.map(t) })) };
      case 'job-state':
        return event.detail === null ? event : { ...event, detail: t(event.detail) };
      case 'job-activity':
        return { ...event, line: t(event.line) };
      case 'job-intervention': {
        // Every text of an intervention (what was sent, why, the question and its options, and
        // fields added later) is redacted; the excerpt's rows also across their wraps.
        const i = event.intervention;
        return { ...event, intervention: { ...deepText(i, t), excerpt: this.lines(i.excerpt) } };
      }
      case 'job-facts':
        return event.facts.lastMessage === undefined ? event : { ...event, facts: { ...event.facts, lastMessage: t(event.facts.lastMessage) } };
      case 'job-finished':
        return { ...event, result: this.result(event.result) };
      case 'warning':
        return { ...event, message: t(event.message) };
      case 'notification':
        return event.delivery.error === null ? event : { ...event, delivery: { ...event.delivery, error: t(event.delivery.error) } };
      case 'job-output':
      case 'run-finished':
      // File paths, branch names and hashes of the user's repository: no secret values.
      case 'job-changes':
        return event;
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  /**
   * Screen rows (an excerpt): a secret wrapped from one row onto the next, or cut short at the
   * end of a row shortened with `…`, is redacted in both parts.
   */
  lines(rows: readonly string[]): string[] {
    if (this.textPattern === null) return [...rows];
    const joined = rows.join('');
    const hidden = new Uint8Array(joined.length);
    this.textPattern.lastIndex = 0;
    for (let m = this.textPattern.exec(joined); m !== null; m = this.textPattern.exec(joined)) hidden.fill(1, m.index, m.index + m[0].length);
    let offset = 0;
    for (const row of rows) {
      if (row.endsWith('…')) {
        const body = row.slice(0, -1);
        const longest = Math.min(body.length, this.values[0]?.length ?? 0);
        for (let k = longest; k >= MIN_SECRET_LENGTH; k--) {
          const tail = body.slice(body.length - k);
          if (this.values.some((v) => v.startsWith(tail))) {
            hidden.fill(1, offset + body.length - k, offset + body.length);
            break;
          }
        }
      }
      offset += row.length;
    }
    const out: string[] = [];
    offset = 0;
    for (const row of rows) {
      let text = '';
      for (let i = 0; i < row.length; i++) {
        if (hidden[offset + i] === 0) text += row[i];
        else if (i === 0 || hidden[offset + i - 1] === 0) text += REDACTED;
      }
      out.push(text);
      offset += row.length;
    }
    return out;
  }

  /** A redactor for one byte stream (a job's output). */
  stream(): StreamRedactor {
    return new StreamRedactor(this.bytePattern, this.maxBytes);
  }

  /** Replaces secrets in whole bytes (no stream state). */
  bytes(data: Buffer): Buffer {
    if (this.bytePattern === null) return data;
    return Buffer.from(data.toString('latin1').replace(this.bytePattern, REDACTED), 'latin1');
  }
}

/**
 * Redacts a byte stream cut at arbitrary points:
 *
 *   push(chunk) ──▶ (held tail + chunk) with secrets replaced, minus a new held tail that
 *                   could be the start of a secret (< longest secret bytes)
 *   flush()     ──▶ the held tail, its complete secrets replaced (nothing can follow now)
 */
export class StreamRedactor {
  private held = '';

  constructor(
    private readonly pattern: RegExp | null,
    private readonly maxBytes: number,
  ) {}

  /** Bytes ready to write (possibly empty); the rest is held until the next push or flush. */
  push(chunk: Buffer): Buffer {
    if (this.pattern === null) return chunk;
    const text = this.held + chunk.toString('latin1');
    let out = '';
    let from = 0;
    let cut: number | null = null;
    this.pattern.lastIndex = 0;
    for (let m = this.pattern.exec(text); m !== null; m = this.pattern.exec(text)) {
      // Too close to the end to know it is not the start of a longer secret: decide later.
      if (m.index > text.length - this.maxBytes) {
        cut = m.index;
        break;
      }
      out += text.slice(from, m.index) + REDACTED;
      from = m.index + m[0].length;
    }
    // A secret not yet complete starts within the last maxBytes - 1 bytes.
    cut ??= Math.max(from, text.length - (this.maxBytes - 1));
    out += text.slice(from, cut);
    this.held = text.slice(cut);
    return Buffer.from(out, 'latin1');
  }

  /** The held bytes, with the secrets complete in them replaced; the stream ends. */
  flush(): Buffer {
    const rest = Buffer.from(this.pattern === null ? this.held : this.held.replace(this.pattern, REDACTED), 'latin1');
    this.held = '';
    return rest;
  }
}
