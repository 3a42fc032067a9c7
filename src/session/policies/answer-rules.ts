/**
 * Answer rules: patterns matched against what a person would see, each answering,
 * declining, failing, killing or notifying. Rules are checked in order; for each rule only
 * its last (lowest) match on the screen counts, since that is the live one.
 *
 * A prompt instance is answered once. After firing, a rule holds the instance (its line,
 * followed through scrolling, and the matched text) and fires again only once the screen
 * shows no match or a different instance, so a redraw never sends a second "y":
 *
 *   armed ──new instance──▶ fire ──▶ holding(instance) ──instance gone or different──▶ armed
 *     └──────────── fired `max` times ────────────▶ exhausted
 *
 * Deny rules guard approvals: they fire only while a prompt is on screen (a respond rule
 * matches, or the screen ends in a question) and the dangerous text is near it, so an agent
 * merely mentioning `rm -rf` is not interrupted. While a denied prompt is still on screen
 * no respond rule fires, whatever it matches.
 */

import type { LineAnchor, ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { excerptRows, type Decision, type Intervention, type Policy, type RuleRef, type ScreenContext } from './policy.js';
import { findQuestion } from './question-detector.js';
import { stepsFor, visibleSteps, type SendTiming } from './send-steps.js';
import type { ScreenPattern } from './pattern.js';
import type { AnswerRule, SendSpec } from './spec.js';

/** How far above the prompt (in rows) a deny pattern still counts as part of it. */
export const DENY_WINDOW_ROWS = 12;

/** Where a rule matched on one snapshot. */
interface RuleMatch {
  text: string;
  row: number;
  endRow: number;
}

interface Instance {
  anchor: LineAnchor | null;
  row: number;
  text: string;
}

type RuleState =
  | { kind: 'armed' }
  | { kind: 'holding'; instance: Instance }
  | { kind: 'exhausted' };

interface RuleSlot {
  rule: AnswerRule;
  fired: number;
  state: RuleState;
}

/** Options of {@link AnswerRules}. */
export interface AnswerRulesOptions {
  /** What a deny rule types when it has no `send` of its own: the adapter's declining key (Esc, 'n'). */
  decline: SendSpec;
  timing: SendTiming;
}

/** The answer-rules policy. */
export class AnswerRules implements Policy {
  readonly name = 'answer-rules';
  private readonly slots: RuleSlot[];
  private notifiedBlocked = false;
  private lastAnswer: { rule: RuleRef; at: number } | null = null;

  constructor(
    rules: readonly AnswerRule[],
    private readonly options: AnswerRulesOptions,
  ) {
    this.slots = rules.map((rule) => ({
      rule,
      fired: 0,
      state: { kind: 'armed' },
    }));
  }

  /** The last answer sent, for the live display. */
  get lastAnswered(): { rule: RuleRef; at: number } | null {
    return this.lastAnswer;
  }

  onScreen(snap: ScreenSnapshot, ctx: ScreenContext): Decision[] {
    const decisions: Decision[] = [];
    if (this.notifiedBlocked && ctx.progress) {
      this.notifiedBlocked = false;
      decisions.push({ type: 'unblocked' });
    }
    const matches = this.slots.map((slot) => lastMatch(slot.rule.match, snap));
    for (const [i, slot] of this.slots.entries()) this.release(slot, matches[i] ?? null);

    let promptRow: number | null | undefined;
    let denied = this.slots.some((s) => s.rule.action === 'deny' && s.state.kind === 'holding');
    for (const [i, slot] of this.slots.entries()) {
      const match = matches[i] ?? null;
      if (match === null || slot.state.kind !== 'armed') continue;
      if (slot.rule.builtin === true && this.slots.some((other, j) => other.rule.builtin !== true && overlaps(matches[j] ?? null, match))) continue;
      const action = slot.rule.action;
      switch (action) {
        case 'respond':
          if (denied) continue;
          break;
        case 'deny':
          if (promptRow === undefined) promptRow = this.promptRow(snap, matches);
          if (promptRow === null || match.row < promptRow - DENY_WINDOW_ROWS) continue;
          denied = true;
          break;
        case 'fail':
        case 'kill':
        case 'notify':
          break;
        default:
          return unreachable(action);
      }
      decisions.push(...this.fire(slot, match, snap, ctx.now));
      if (decisions.some((d) => d.type === 'stop')) break;
    }
    return decisions;
  }

  dispose(): void {
    for (const slot of this.slots) if (slot.state.kind === 'holding') slot.state.instance.anchor?.dispose();
  }

  // A held instance is released when the screen no longer shows it (no match, or a match
  // on another line or with other text): the prompt went away or a new one came.
  private release(slot: RuleSlot, match: RuleMatch | null): void {
    if (slot.state.kind !== 'holding') return;
    const held = slot.state.instance;
    const heldRow = held.anchor === null ? held.row : held.anchor.row;
    if (match !== null && match.row === heldRow && match.text === held.text) return;
    held.anchor?.dispose();
    slot.state = slot.rule.max !== null && slot.fired >= slot.rule.max ? { kind: 'exhausted' } : { kind: 'armed' };
  }

  // The lowest row showing a prompt (a respond rule's match or a question), or null.
  private promptRow(snap: ScreenSnapshot, matches: (RuleMatch | null)[]): number | null {
    let row: number | null = findQuestion(snap)?.row ?? null;
    for (const [i, slot] of this.slots.entries()) {
      const m = matches[i];
      if (slot.rule.action === 'respond' && m != null) row = Math.max(row ?? m.row, m.row);
    }
    return row;
  }

  private fire(slot: RuleSlot, match: RuleMatch, snap: ScreenSnapshot, now: number): Decision[] {
    const { rule } = slot;
    slot.fired++;
    slot.state = { kind: 'holding', instance: { anchor: snap.anchor(match.row), row: match.row, text: match.text } };
    const ref: RuleRef = { index: rule.index, match: rule.matchSource };
    const excerpt = excerptRows(snap, match.row, match.endRow);
    const record = (kind: Intervention['kind'], sent: string | null): Intervention => ({ at: now, kind, rule: ref, excerpt, sent });
    const named = `rule #${rule.index + 1} ${JSON.stringify(rule.matchSource)}`;
    switch (rule.action) {
      case 'respond': {
        const steps = stepsFor(rule.send!, this.options.timing);
        this.lastAnswer = { rule: ref, at: now };
        return [{ type: 'send', steps, intervention: record('answer', visibleSteps(steps)) }];
      }
      case 'deny': {
        const steps = stepsFor(rule.send ?? this.options.decline, this.options.timing);
        const decisions: Decision[] = [{ type: 'send', steps, intervention: record('deny', visibleSteps(steps)) }];
        if (rule.failJob) {
          decisions.push({ type: 'stop', reason: 'denied', message: `${named} declined a prompt`, intervention: record('fail', null) });
        }
        return decisions;
      }
      case 'fail':
        return [{ type: 'stop', reason: 'rule-failed', message: `${named} matched`, intervention: record('fail', null) }];
      case 'kill':
        return [{ type: 'stop', reason: 'rule-killed', message: `${named} matched`, intervention: record('kill', null) }];
      case 'notify':
        this.notifiedBlocked = true;
        return [{ type: 'blocked', intervention: record('notify', null) }];
      default:
        return unreachable(rule.action);
    }
  }
}

// Whether two matches share a row of the screen.
function overlaps(a: RuleMatch | null, b: RuleMatch): boolean {
  return a !== null && a.row <= b.endRow && b.row <= a.endRow;
}

// The last match of a rule's pattern in the screen text, with the rows it spans.
function lastMatch(pattern: ScreenPattern, snap: ScreenSnapshot): RuleMatch | null {
  const last = pattern.lastMatch(snap.text());
  if (last === null) return null;
  return { text: last.text, row: snap.rowAt(last.index), endRow: snap.rowAt(last.index + Math.max(0, last.text.length - 1)) };
}
