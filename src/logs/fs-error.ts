/** Turning a caught file-system error into the short message used in error values. */

/** The `code` of a Node system error (`EACCES`, `ENOSPC`, ...), or null. */
export function errorCode(e: unknown): string | null {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return null;
}

/** Node's own message already names the code, the call and the path: `ENOSPC: no space left on device, write`. */
export function describeFsError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether an error (or its message) says the disk or the user's quota is full. */
export function isNoSpace(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== null) return code === 'ENOSPC' || code === 'EDQUOT';
  return /\b(ENOSPC|EDQUOT)\b/.test(typeof e === 'string' ? e : describeFsError(e));
}
