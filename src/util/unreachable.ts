/** Exhaustiveness check for `switch` over tagged unions: a compile error when a case is missing. */
export function unreachable(x: never): never {
  throw new Error(`Internal error: unreachable case ${JSON.stringify(x)}`);
}
