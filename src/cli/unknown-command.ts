import { existsSync } from 'node:fs';
import { closestMatch } from '../manifest/did-you-mean.js';

/**
 * `run` is the default command, so `codex-run ps` would read "ps" as a manifest file and fail
 * with "cannot read ps". A first argument that reads like a command word, is not a registered
 * command and is not a file (nor named like a manifest, `*.yaml`/`*.yml`) is a mistyped or
 * unknown command: this says so, with the nearest command or the list of them.
 * Returns the message, or null when the argument is a command or may be a manifest.
 */
export function unknownCommandMessage(arg: string | undefined, commands: readonly string[], fileExists: (p: string) => boolean = existsSync): string | null {
  if (arg === undefined || !/^[a-z][a-z0-9-]*$/i.test(arg)) return null;
  if (commands.includes(arg) || fileExists(arg)) return null;
  const near = closestMatch(arg, commands);
  const hint = near === null ? `commands: ${commands.join(', ')}` : `did you mean '${near}'?`;
  return `unknown command '${arg}' (and no manifest file by that name); ${hint}`;
}
