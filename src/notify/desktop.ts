/** The desktop channel: `notify-send "codex-run" "<line>"` where notify-send is on PATH. */
import { findExecutable } from '../agents/find-executable.js';
import type { Channel } from './channel.js';
import { runWithStdin } from './command.js';

export function desktopChannel(env: Readonly<Record<string, string | undefined>>): Channel {
  const program = findExecutable('notify-send', process.cwd(), env['PATH']);
  return {
    kind: 'desktop',
    target: 'notify-send',
    unavailable: () => (program === null ? 'notify-send is not installed (or not on PATH); desktop notifications are skipped' : null),
    send: (_json, text) => runWithStdin([program!, 'codex-run', text], '', env),
  };
}
