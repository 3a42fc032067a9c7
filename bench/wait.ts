/** Waiting in the bench: on conditions with a deadline, or for a measuring window to pass. */
import { setTimeout as delay } from 'node:timers/promises';

export { delay };

/** Polls `check` until it returns true; throws with `what` once `deadlineMs` has passed. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, deadlineMs: number, intervalMs = 50): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
