/**
 * Agent turns: the attempts in which the agent worked. An attempt the service turned away
 * with its usage limit (then parked, or ended rate-limited) is no turn: it counts against
 * neither `maxTurns` nor `budget.turns`, and the summary's "N turns" leaves it out.
 */

/** Whether an attempt with this recorded reason ended at the usage limit (no turn). */
export function endedAtLimit(reason: string | null): boolean {
  return reason === 'usage-limit' || reason === 'rate-limited';
}

/** The number of agent turns among `attempts`. */
export function agentTurns(attempts: ReadonlyArray<{ reason: string | null }>): number {
  return attempts.filter((a) => !endedAtLimit(a.reason)).length;
}
