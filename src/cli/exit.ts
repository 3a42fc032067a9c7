import { processOutput, releaseHungUpTerminal } from '../ui/output-stream.js';

/**
 * Exits once stdout and stderr have drained, so a piped report or summary is never cut short.
 * A stream whose reader went away counts as drained; a terminal that was closed is let go first
 * (see releaseHungUpTerminal), so the exit code survives an ssh drop.
 */
export function exitWith(code: number): void {
  const { stdout, stderr } = processOutput();
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending > 0) return;
    releaseHungUpTerminal();
    process.exit(code);
  };
  stdout.write('', done);
  stderr.write('', done);
}
