/**
 * What a job (or the whole run) has spent against its `budget:`: tokens from the agent's own
 * usage figures, agent turns (attempts of any kind but one turned away at the usage limit), and wall time since it started. Checked at
 * clean points (between turns); the wall budget also has a timer (see job-runner.ts).
 */
import type { BudgetSpec } from '../manifest/completion-fields.js';
import { formatDuration } from '../manifest/duration.js';

export class BudgetMeter {
  private tokens = 0;
  private turns = 0;

  constructor(
    readonly spec: BudgetSpec,
    readonly startedAt: number,
    /** How messages name the budget holder: "the job's" or "the run's". */
    private readonly whose: string,
  ) {}

  /** Records one finished attempt and the tokens it used (null: the agent reported none); `turn` false: no agent turn (a usage-limit park). */
  add(tokens: number | null, turn = true): void {
    if (turn) this.turns += 1;
    this.tokens += tokens ?? 0;
  }

  get spentTokens(): number {
    return this.tokens;
  }

  get spentTurns(): number {
    return this.turns;
  }

  /** Why no further turn may start, or null while the budget lasts. */
  exhausted(now: number): string | null {
    const { tokens, turns, wallMs } = this.spec;
    if (tokens !== null && this.tokens >= tokens) return `${this.whose} token budget is used up: ${this.tokens} tokens of ${tokens}`;
    if (turns !== null && this.turns >= turns) return `${this.whose} turn budget is used up: ${this.turns} turns of ${turns}`;
    if (wallMs !== null && now - this.startedAt >= wallMs) return this.wallUsedUp();
    return null;
  }

  /**
   * What the wall budget's timer says when it fires. The timer is the authority: it may fire a
   * millisecond before `now()` shows the budget used up (see Clock.setTimeout).
   */
  wallUsedUp(): string {
    const { wallMs } = this.spec;
    return wallMs === null ? `${this.whose} wall budget is used up` : `${this.whose} wall budget of ${formatDuration(wallMs)} is used up`;
  }

  /** Milliseconds of wall budget left (null: no wall budget). */
  wallLeft(now: number): number | null {
    return this.spec.wallMs === null ? null : Math.max(0, this.startedAt + this.spec.wallMs - now);
  }
}
