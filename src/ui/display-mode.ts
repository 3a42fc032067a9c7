/**
 * Which renderer the UI uses, chosen from the environment (see STYLE.md, "Output").
 *
 * - `rich`: the live listr2 task list, on an interactive terminal.
 * - `plain`: one timestamped line per event worth telling, for CI logs and pipes.
 * - `quiet`: `--quiet`; only warnings (the CLI prints the final summary).
 * - `silent`: `--json`; nothing, so stdout carries only the JSON the CLI prints itself.
 */
export type DisplayMode = 'rich' | 'plain' | 'quiet' | 'silent';

/** An environment as `process.env` has it. */
export type Environment = Record<string, string | undefined>;

/** What {@link chooseDisplayMode} looks at. */
export interface DisplayModeInput {
  /** Whether the output stream is a terminal (`process.stdout.isTTY === true`). */
  isTTY: boolean;
  env: Environment;
  /** `--quiet` */
  quiet: boolean;
  /** `--json` */
  json: boolean;
}

/** Picks the display mode: flags first, then whether a person is watching a capable terminal. */
export function chooseDisplayMode(input: DisplayModeInput): DisplayMode {
  if (input.json) return 'silent';
  if (input.quiet) return 'quiet';
  if (!input.isTTY || isCI(input.env) || input.env['TERM'] === 'dumb') return 'plain';
  return 'rich';
}

/** CI is on when `CI` is set to anything non-empty except `false` or `0` (CI=true, CI=1, CI=woodpecker...). */
export function isCI(env: Environment): boolean {
  const value = env['CI']?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** What {@link useColor} looks at. */
export interface ColorInput {
  /** Whether the stream the colours would go to is a terminal. */
  isTTY: boolean;
  env: Environment;
}

/**
 * Whether to emit ANSI colours. Same precedence as Node's own `tty.getColorDepth`, so codex-run
 * and the Node-based agents it runs agree: FORCE_COLOR wins (`0`/`false` force colour off,
 * any other value on), then a non-empty NO_COLOR turns colour off, then a terminal that is not
 * TERM=dumb gets colour.
 */
export function useColor(input: ColorInput): boolean {
  const force = input.env['FORCE_COLOR'];
  if (force !== undefined) {
    const value = force.trim().toLowerCase();
    return value !== '0' && value !== 'false';
  }
  if (input.env['NO_COLOR'] !== undefined && input.env['NO_COLOR'] !== '') return false;
  return input.isTTY && input.env['TERM'] !== 'dumb';
}
