/**
 * Codex's machine-readable state in its raw output: `ESC ] 7501 ; state=<s>:app=codex ESC \`
 * (codex-cli 0.169 TUI). The screen model hands over the payload after `7501;`, e.g.
 * `state=working:app=codex` or `state=blocked:app=codex:kind=permission`; `state=clear` comes
 * at exit. This is the primary signal of what the TUI is doing; the screen is the fallback.
 */

/** The OSC number codex uses. */
export const CODEX_OSC = 7501;

/** What codex says it is doing. */
export type CodexOscState =
  /** Waiting for a prompt. */
  | { state: 'idle' }
  /** A turn is running. */
  | { state: 'working' }
  /** A dialog waits for the user; `kind` is `permission` for approval dialogs. */
  | { state: 'blocked'; kind: string | null }
  /** The turn finished. */
  | { state: 'done' }
  /** The turn ended with an error (shown on screen as `■ <message>`). */
  | { state: 'error' }
  /** The TUI is exiting and clears the state. */
  | { state: 'clear' };

/** Parses one 7501 payload; null for anything that is not a codex state (other apps, new states). */
export function parseCodexOsc(payload: string): CodexOscState | null {
  const fields = payload.split(':');
  const [first, ...rest] = fields;
  if (first === undefined || !first.startsWith('state=')) return null;
  const attrs = new Map<string, string>();
  for (const field of rest) {
    const eq = field.indexOf('=');
    if (eq > 0) attrs.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const state = first.slice('state='.length);
  if (state === 'clear') return { state: 'clear' };
  if (attrs.get('app') !== 'codex') return null;
  switch (state) {
    case 'idle':
    case 'working':
    case 'done':
    case 'error':
      return { state };
    case 'blocked':
      return { state: 'blocked', kind: attrs.get('kind') ?? null };
    default:
      return null;
  }
}
