/** Exits once stdout and stderr have drained, so a piped report or summary is never cut short. */
export function exitWith(code: number): void {
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
