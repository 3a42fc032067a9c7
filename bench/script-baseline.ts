/** The baseline for PTY jobs: util-linux `script`, which runs a command in a PTY and logs it to a file. */

/**
 * argv of `script -q -e [-f] -c '<command>' <file>`. script takes the command as one shell
 * line (there is no argv form), so every word is single-quoted and reaches the child
 * unchanged. `-e` makes script exit with the child's status; `flush` (-f) writes the file
 * after every read instead of when stdio's buffer fills, as a log someone watches needs.
 */
export function scriptArgv(argv: readonly string[], typescriptFile: string, options: { flush?: boolean } = {}): string[] {
  return ['script', '-q', '-e', ...(options.flush === true ? ['-f'] : []), '-c', argv.map(shellQuote).join(' '), typescriptFile];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
