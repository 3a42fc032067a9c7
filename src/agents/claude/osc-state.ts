/**
 * Claude Code's machine-readable state (2.1.332 TUI): the OSC 7501 family Codex uses too, with
 * `app=claude-code`. At start the TUI sends the probe `ESC ] 7501 ; ? BEL`; only when the
 * terminal answers with an OSC 7501 whose data starts with `?` (codex-run answers the probe
 * itself: `ESC ] 7501 ; ? BEL`) does it emit
 *
 *   ESC ] 7501 ; state=<s>:app=claude-code[:kind=<k>][:msg=<base64>] BEL
 *
 * with <s> in idle, working, done (turn finished), blocked (kind=permission, msg e.g.
 * `approve Bash: touch x`), error (msg e.g. `API Error: Request rejected (429) · …`), and
 * `state=clear` at exit (reference/claude-code-2.1/captures/osc_raw_pty_osc7501_answered*.txt).
 */

/** The OSC number Claude Code uses. */
export const CLAUDE_OSC = 7501;

/** The probe's payload, and the whole answer codex-run writes back. */
export const CLAUDE_OSC_PROBE = '?';
export const CLAUDE_OSC_PROBE_ANSWER = '\x1b]7501;?\x07';

/** What Claude Code says it is doing. */
export type ClaudeOscState =
  /** The terminal-capability probe: answer it with {@link CLAUDE_OSC_PROBE_ANSWER}. */
  | { state: 'probe' }
  | { state: 'idle' }
  | { state: 'working' }
  /** A dialog waits for the user; `message` e.g. `approve Bash: touch x`. */
  | { state: 'blocked'; kind: string | null; message: string | null }
  | { state: 'done' }
  /** The turn ended with an error; `message` is Claude Code's text. */
  | { state: 'error'; message: string | null }
  | { state: 'clear' };

/** Parses one 7501 payload; null for anything that is not Claude Code's. */
export function parseClaudeOsc(payload: string): ClaudeOscState | null {
  if (payload.startsWith(CLAUDE_OSC_PROBE)) return { state: 'probe' };
  const [first, ...rest] = payload.split(':');
  if (first === undefined || !first.startsWith('state=')) return null;
  const attrs = new Map<string, string>();
  for (const field of rest) {
    const eq = field.indexOf('=');
    if (eq > 0) attrs.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const state = first.slice('state='.length);
  if (state === 'clear') return { state: 'clear' };
  if (attrs.get('app') !== 'claude-code') return null;
  const message = decode(attrs.get('msg'));
  switch (state) {
    case 'idle':
    case 'working':
    case 'done':
      return { state };
    case 'error':
      return { state: 'error', message };
    case 'blocked':
      return { state: 'blocked', kind: attrs.get('kind') ?? null, message };
    default:
      return null;
  }
}

function decode(base64: string | undefined): string | null {
  if (base64 === undefined || base64 === '') return null;
  return Buffer.from(base64, 'base64').toString('utf8');
}
