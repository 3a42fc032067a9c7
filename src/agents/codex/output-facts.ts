/**
 * Facts about a codex run read from what it prints: its session id, the tokens it used,
 * whether the turn finished, and what it said when something went wrong. Fed with completed
 * plain-text lines (escape sequences already removed, see src/logs/plain-text.ts) and, for the
 * TUI, with screen snapshots: never with raw bytes, so the PTY hot path stays a byte copy.
 *
 * The strings relied on (codex-cli 0.169.0; captures in the reference folder, the rest
 * measured with the real binary offline):
 * - exec header: `OpenAI Codex v0.169.0` … `session id: <uuid>`; end of a turn: `tokens used`
 *   then the count on the next line, with thousands commas (`42,399`);
 * - exec `--json`: `{"type":"thread.started","thread_id":…}`, `turn.completed {usage}`,
 *   `turn.failed {error.message}`, `error {message}`;
 * - exec errors: `ERROR: <message>` (`ERROR: Reconnecting... n/5` are retries, not the end);
 * - TUI exit: `Token usage: total=N input=N output=N` (`Token usage so far:` with the daemon),
 *   then `  codex resume <uuid>`; TUI errors on screen: `■ <message>`;
 * - start-up refusals, before the header: clap's `error: unexpected argument '--full-auto'
 *   found` / `  tip: …` (exit 2), `error: invalid value 'x' for '--sandbox <SANDBOX_MODE>'` /
 *   `  [possible values: …]` (exit 2), `Error parsing -c overrides: …` (exit 1), `Not inside a
 *   trusted directory and --skip-git-repo-check was not specified.` (exit 1);
 * - sandbox: `approval policy is Never; reject command` (a log line when the model asks for
 *   escalation in exec), `sandbox denied exec error` (codex-rs/protocol/src/error.rs);
 * - sign-in screen (captures/16): `Welcome to Codex` … `Sign in with ChatGPT`.
 */
import type { ScreenSnapshot } from '../../session/screen.js';

/** Everything read so far. */
export interface CodexOutputFacts {
  sessionId: string | null;
  tokensUsed: number | null;
  /** Codex got past argument parsing: it printed its header or drew its UI. */
  started: boolean;
  /** What codex said when it refused to start (its own words, tips joined with ' / '). */
  startupError: string | null;
  /** Final error messages of turns, prefix removed, oldest first (the last few). */
  errors: string[];
  /** A sandbox refusal codex reported. */
  sandboxDenial: string | null;
  /** The TUI showed its sign-in screen: codex has no login for its provider. */
  signInScreen: boolean;
}

/** Something new the last input told. */
export type CodexNews =
  | { kind: 'session'; id: string }
  | { kind: 'tokens'; count: number }
  /** exec: the turn finished (the TUI says so through OSC 7501). */
  | { kind: 'turn-done' }
  | { kind: 'sign-in' };

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SESSION_LINE = new RegExp(`^session id: (${UUID})$`);
const RESUME_LINE = new RegExp(`^codex resume (${UUID})$`);
const TOKEN_USAGE = /^Token usage(?: so far)?: total=([\d,]+)\b/;
const COUNT = /^\d{1,3}(?:,\d{3})*$|^\d+$/;
const HEADER = /^OpenAI Codex v\d/;
const TUI_HEADER = />_ OpenAI Codex \(v\d/;
const STARTUP_ERRORS = [/^error: /, /^Error parsing -c overrides: /, /^Error loading config\.toml/, /^Error loading rules/, /^Not inside a trusted directory and --skip-git-repo-check was not specified\./];
const STARTUP_DETAIL = /^\s+(?:tip: |\[possible values: )/;
const SANDBOX_DENIAL = /(approval policy is Never; reject command.*|sandbox denied exec error.*)$/;
const RETRY = /^Reconnecting\.\.\./;
/** The TUI marks errors (and interruptions, which are not errors) with a square. */
const SCREEN_ERROR = /^■ (.+)$/;
const NOT_AN_ERROR = /^Conversation interrupted/;
const SIGN_IN = /Welcome to Codex[\s\S]*Sign in with ChatGPT/;

/** How many error messages are kept. */
const MAX_ERRORS = 5;
/** Longest message kept, in characters. */
const MAX_MESSAGE = 2000;

/** Reads one job's codex output, a line or a snapshot at a time. */
export class CodexOutputReader {
  private readonly current: CodexOutputFacts = {
    sessionId: null,
    tokensUsed: null,
    started: false,
    startupError: null,
    errors: [],
    sandboxDenial: null,
    signInScreen: false,
  };
  private tokensNext = false;
  private lastScreenError: string | null = null;

  constructor(private readonly mode: 'exec' | 'tui') {}

  /** A snapshot of what is known. */
  get facts(): CodexOutputFacts {
    return { ...this.current, errors: [...this.current.errors] };
  }

  /** One completed line of plain text (no line terminator). */
  line(raw: string): CodexNews[] {
    const text = raw.trimEnd();
    const trimmed = text.trim();
    const news: CodexNews[] = [];
    const f = this.current;
    if (this.tokensNext) {
      this.tokensNext = false;
      if (COUNT.test(trimmed)) {
        news.push(...this.tokens(Number(trimmed.replace(/,/g, ''))));
        if (this.mode === 'exec') news.push({ kind: 'turn-done' });
        return news;
      }
    }
    if (trimmed === 'tokens used') {
      this.tokensNext = true;
      return news;
    }
    if (!f.started) {
      if (HEADER.test(trimmed) || TUI_HEADER.test(trimmed)) {
        f.started = true;
        return news;
      }
      if (f.startupError === null && STARTUP_ERRORS.some((re) => re.test(text))) {
        f.startupError = cut(trimmed);
        return news;
      }
      if (f.startupError !== null && STARTUP_DETAIL.test(text)) {
        f.startupError = cut(`${f.startupError} / ${trimmed}`);
        return news;
      }
    }
    const session = SESSION_LINE.exec(trimmed) ?? RESUME_LINE.exec(trimmed);
    if (session?.[1] !== undefined) return this.session(session[1]);
    const usage = TOKEN_USAGE.exec(trimmed);
    if (usage?.[1] !== undefined) return this.tokens(Number(usage[1].replace(/,/g, '')));
    if (trimmed.startsWith('ERROR: ')) {
      const message = trimmed.slice('ERROR: '.length);
      if (!RETRY.test(message)) this.error(message);
      return news;
    }
    if (trimmed.startsWith('{"')) return this.jsonLine(trimmed);
    const denial = SANDBOX_DENIAL.exec(trimmed);
    if (denial?.[1] !== undefined && f.sandboxDenial === null) f.sandboxDenial = cut(denial[1]);
    return news;
  }

  /** What the TUI shows: its error lines and its sign-in screen. */
  screen(snap: ScreenSnapshot): CodexNews[] {
    const news: CodexNews[] = [];
    const f = this.current;
    if (!f.started && snap.lines.some((l) => TUI_HEADER.test(l))) f.started = true;
    for (const line of snap.lines) {
      const m = SCREEN_ERROR.exec(line.trim());
      const message = m?.[1];
      // The same message stays on screen across many snapshots: record it once.
      if (message !== undefined && !NOT_AN_ERROR.test(message) && message !== this.lastScreenError) {
        this.lastScreenError = message;
        this.error(message);
      }
    }
    if (!f.signInScreen && SIGN_IN.test(snap.text())) {
      f.signInScreen = true;
      news.push({ kind: 'sign-in' });
    }
    return news;
  }

  private session(id: string): CodexNews[] {
    if (this.current.sessionId === id) return [];
    this.current.sessionId = id;
    this.current.started = true;
    return [{ kind: 'session', id }];
  }

  private tokens(count: number): CodexNews[] {
    if (!Number.isSafeInteger(count)) return [];
    this.current.tokensUsed = count;
    return [{ kind: 'tokens', count }];
  }

  private error(message: string): void {
    const errors = this.current.errors;
    // `--json` reports a failed turn twice (`error`, then `turn.failed`) with the same message.
    if (errors[errors.length - 1] === cut(message)) return;
    errors.push(cut(message));
    if (errors.length > MAX_ERRORS) errors.shift();
  }

  // `codex exec --json` events (only when the job passes --json in codex.args).
  private jsonLine(text: string): CodexNews[] {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return [];
    }
    if (typeof event !== 'object' || event === null) return [];
    const e = event as Record<string, unknown>;
    switch (e['type']) {
      case 'thread.started':
        return typeof e['thread_id'] === 'string' && new RegExp(`^${UUID}$`).test(e['thread_id']) ? this.session(e['thread_id']) : [];
      case 'turn.completed': {
        const usage = e['usage'] as Record<string, unknown> | undefined;
        const input = usage?.['input_tokens'];
        const output = usage?.['output_tokens'];
        const counted = typeof input === 'number' && typeof output === 'number' ? this.tokens(input + output) : [];
        return [...counted, { kind: 'turn-done' }];
      }
      case 'turn.failed': {
        const message = (e['error'] as Record<string, unknown> | undefined)?.['message'];
        if (typeof message === 'string') this.error(message);
        return [];
      }
      case 'error':
        if (typeof e['message'] === 'string' && !RETRY.test(e['message'])) this.error(e['message']);
        return [];
      default:
        return [];
    }
  }
}

function cut(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
