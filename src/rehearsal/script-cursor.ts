import type { Turn } from './script.js';
import { unreachable } from '../util/unreachable.js';

/** What to play for one request: a script turn (with its index) or the end-of-script reply. */
export type Step = { kind: 'turn'; index: number; turn: Turn } | { kind: 'finished' };

/**
 * A job's position in its rehearsal script. One cursor per job, shared by every codex process
 * of that job, so a resumed session continues where the last one stopped.
 *
 *   at(0) ──take──▶ at(1) ──take──▶ … ──take last turn──▶ finished ──take──▶ finished
 *     │
 *     └─ on a fail turn: `times: n` stays there for n takes (failing(n) … failing(1)), then moves on;
 *        `times: null` stays there for good (every later request fails).
 */
type CursorState =
  | { kind: 'at'; index: number }
  | { kind: 'failing'; index: number; left: number }
  | { kind: 'finished' };

export class ScriptCursor {
  private state: CursorState;
  private playedCount = 0;

  /**
   * `start`: the index of the first turn to play (a resumed session goes on after the turns its
   * earlier runs played); indexes stay those of the whole script, so rehearsal.json records them
   * as such and a later resume counts from them again.
   */
  constructor(private readonly turns: readonly Turn[], start = 0) {
    this.state = start < turns.length ? { kind: 'at', index: start } : { kind: 'finished' };
    this.playedCount = Math.min(start, turns.length);
  }

  /** The step for the next request, moving the cursor past it. */
  take(): Step {
    const state = this.state;
    switch (state.kind) {
      case 'finished':
        return { kind: 'finished' };
      case 'at': {
        const turn = this.turnAt(state.index);
        this.playedCount = Math.max(this.playedCount, state.index + 1);
        const times = turn.kind === 'fail-http' || turn.kind === 'fail-stream' ? turn.times : 1;
        if (times === null) return { kind: 'turn', index: state.index, turn };
        this.state = times > 1 ? { kind: 'failing', index: state.index, left: times - 1 } : this.after(state.index);
        return { kind: 'turn', index: state.index, turn };
      }
      case 'failing': {
        const turn = this.turnAt(state.index);
        this.state = state.left > 1 ? { ...state, left: state.left - 1 } : this.after(state.index);
        return { kind: 'turn', index: state.index, turn };
      }
      default:
        return unreachable(state);
    }
  }

  /** How many distinct turns have been played so far (at least once). */
  played(): number {
    return this.playedCount;
  }

  private after(index: number): CursorState {
    return index + 1 < this.turns.length ? { kind: 'at', index: index + 1 } : { kind: 'finished' };
  }

  private turnAt(index: number): Turn {
    const turn = this.turns[index];
    if (turn === undefined) throw new Error(`Internal error: script cursor at ${index} of ${this.turns.length}`);
    return turn;
  }
}
