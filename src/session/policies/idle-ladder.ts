/**
 * The idle ladder: time since the last progress (see progress.ts) decides. At `poke` the
 * job is poked once; at `kill` it is stopped (`idle-killed`). Progress starts a new idle
 * period, so each step happens at most once per period.
 *
 *   waiting(since) ──poke due──▶ poked(since) ──kill due──▶ killed
 *        ▲  └──────────────── kill due ─────────────────────▲
 *        └──── progress ────────┘
 */

import type { ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { excerptTail, formatMs, type Decision, type Intervention, type Policy, type ScreenContext } from './policy.js';
import { stepsFor, visibleSteps, type SendTiming } from './send-steps.js';
import type { IdleSpec } from './spec.js';

type LadderState =
  | { kind: 'waiting'; since: number }
  | { kind: 'poked'; since: number; at: number }
  | { kind: 'killed' };

/** The idle-ladder policy. */
export class IdleLadder implements Policy {
  readonly name = 'idle-ladder';
  private state: LadderState;
  private excerpt: string[] = [];

  constructor(
    private readonly idle: IdleSpec,
    private readonly timing: SendTiming,
    startedAt: number,
  ) {
    this.state = { kind: 'waiting', since: startedAt };
  }

  /** When the current idle period began (the last progress), or null once killed. */
  get idleSince(): number | null {
    return this.state.kind === 'killed' ? null : this.state.since;
  }

  /** When the job was poked in this idle period, or null. */
  get pokedAt(): number | null {
    return this.state.kind === 'poked' ? this.state.at : null;
  }

  onScreen(snap: ScreenSnapshot, ctx: ScreenContext): Decision[] {
    if (this.state.kind === 'killed') return [];
    if (ctx.progress) {
      this.state = { kind: 'waiting', since: ctx.now };
      this.excerpt = excerptTail(snap);
      return [];
    }
    return this.onTick(ctx.now);
  }

  onTick(now: number): Decision[] {
    const state = this.state;
    switch (state.kind) {
      case 'killed':
        return [];
      case 'waiting':
      case 'poked': {
        const idleFor = now - state.since;
        const record = (kind: Intervention['kind'], sent: string | null): Intervention => ({ at: now, kind, rule: null, excerpt: this.excerpt, sent });
        if (this.idle.killMs !== null && idleFor >= this.idle.killMs) {
          this.state = { kind: 'killed' };
          return [{ type: 'stop', reason: 'idle-killed', message: `no progress for ${formatMs(idleFor)}`, intervention: record('kill', null) }];
        }
        if (state.kind === 'waiting' && this.idle.pokeMs !== null && idleFor >= this.idle.pokeMs) {
          this.state = { kind: 'poked', since: state.since, at: now };
          const steps = stepsFor(this.idle.pokeWith, this.timing);
          return [{ type: 'send', steps, intervention: record('poke', visibleSteps(steps)) }];
        }
        return [];
      }
      default:
        return unreachable(state);
    }
  }

  nextWakeAt(): number | null {
    const state = this.state;
    switch (state.kind) {
      case 'killed':
        return null;
      case 'waiting': {
        const due = [this.idle.pokeMs, this.idle.killMs].filter((d): d is number => d !== null).map((d) => state.since + d);
        return due.length === 0 ? null : Math.min(...due);
      }
      case 'poked':
        return this.idle.killMs === null ? null : state.since + this.idle.killMs;
      default:
        return unreachable(state);
    }
  }
}
