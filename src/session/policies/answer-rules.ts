/**
 * Answer rules: patterns matched against what a person would see, each answering,
 * declining, failing, killing or notifying. Rules are checked in order; for each rule only
 * its last (lowest) match on the screen counts, since that is the live one.
 *
 * A prompt instance is answered once. After firing, a rule holds the instance (see
 * prompt-instance.ts: its normalised text, its line followed through scrolling, the lines seen
 * while it was held) and fires again only on evidence that the instance is over: another text,
 * a second prompt while the answered one is still shown, or the prompt gone from the screen
 * while the agent drew something new (or gone for SETTLE_MS). A redraw of the answered prompt
 * on another row, a half-drawn frame without it, a spinner or timer in it: none re-arms it,
 * so a second "1" never lands on the next dialog.
 *
 *                   ┌──── on screen (same row, or redrawn elsewhere with the same text) ───┐
 *                   ▼                                                                      │
 *   armed ──fire──▶ holding(instance) ──no match──▶ vanished(instance, since) ──match, no evidence─┘
 *     ▲               │                               │
 *     │               │ over: other text, 2nd prompt, │ over: something new drawn, or
 *     │               │ gone with something new drawn │ off screen for SETTLE_MS
 *     └───────────────┴───────────────────────────────┘  (to exhausted once fired `max` times)
 *
 * Deny rules guard approvals: they fire only while a prompt is on screen (a respond rule
 * matches, or the screen ends in a question) and the dangerous text is near it, so an agent
 * merely mentioning `rm -rf` is not interrupted. While a denied prompt is still on screen
 * no respond rule fires, whatever it matches.
 *
 * A rule that fires is `fired` until its keys are out: the supervisor calls {@link
 * AnswerRules.settle} once it has carried out the decisions, and only then is the prompt
 * instance taken (its normalised lines and its anchor, ~0.1-0.2 ms of cold code on a busy
 * runner: issue 16, answer latency). Nothing reads the instance in between.
 */

import type { ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { excerptRows, type Decision, type Intervention, type Policy, type RuleRef, type ScreenContext, type SendStep } from './policy.js';
import { findQuestion } from './question-detector.js';
import { stepsFor, visibleSteps, type SendTiming } from './send-steps.js';
import type { ScreenPattern } from './pattern.js';
import { normalisedLines, PromptInstance, SETTLE_MS, type RuleMatch } from './prompt-instance.js';
import type { AnswerRule, SendSpec } from './spec.js';

/** How far above the prompt (in rows) a deny pattern still counts as part of it. */
export const DENY_WINDOW_ROWS = 12;

type RuleState =
  | { kind: 'armed' }
  /** Fired on the snapshot being judged; {@link AnswerRules.settle} takes its instance, after the keys are out. */
  | { kind: 'fired'; match: RuleMatch; snap: ScreenSnapshot; lines: () => string[] }
  /** The answered prompt is on screen. */
  | { kind: 'holding'; instance: PromptInstance }
  /** The answered prompt is off the screen since `since`, with no evidence yet that it is over. */
  | { kind: 'vanished'; instance: PromptInstance; since: number }
  | { kind: 'exhausted' };

interface RuleSlot {
  rule: AnswerRule;
  fired: number;
  state: RuleState;
  /** What the rule types (respond and deny rules), worked out once: the same on every firing. */
  send: { steps: SendStep[]; visible: string } | null;
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

  constructor(rules: readonly AnswerRule[], options: AnswerRulesOptions) {
    this.slots = rules.map((rule) => {
      const spec = rule.action === 'respond' ? rule.send! : rule.action === 'deny' ? (rule.send ?? options.decline) : null;
      const steps = spec === null ? null : stepsFor(spec, options.timing);
      return { rule, fired: 0, state: { kind: 'armed' }, send: steps === null ? null : { steps, visible: visibleSteps(steps) } };
    });
  }

  /** The last answer sent, for the live display. */
  get lastAnswered(): { rule: RuleRef; at: number } | null {
    return this.lastAnswer;
  }

  onScreen(snap: ScreenSnapshot, ctx: ScreenContext): Decision[] {
    // In case the caller did not settle the last snapshot's firings.
    this.settle();
    const decisions: Decision[] = [];
    if (this.notifiedBlocked && ctx.progress) {
      this.notifiedBlocked = false;
      decisions.push({ type: 'unblocked' });
    }
    const matches = this.slots.map((slot) => lastMatch(slot.rule.match, snap));
    let normalised: string[] | null = null;
    const lines = (): string[] => (normalised ??= normalisedLines(snap));
    for (const [i, slot] of this.slots.entries()) this.follow(slot, matches[i] ?? null, snap, ctx, lines);

    let promptRow: number | null | undefined;
    let denied = this.slots.some((s) => s.rule.action === 'deny' && (s.state.kind === 'holding' || s.state.kind === 'vanished'));
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
      decisions.push(...this.fire(slot, match, snap, ctx.now, lines));
      if (decisions.some((d) => d.type === 'stop')) break;
    }
    return decisions;
  }

  /**
   * Takes the instances of the prompts answered on the last snapshot: call once its decisions
   * are carried out (their keys typed), before the screen parses anything more (the instance's
   * anchor is taken on that snapshot).
   */
  settle(): void {
    for (const slot of this.slots) {
      const state = slot.state;
      if (state.kind === 'fired') slot.state = { kind: 'holding', instance: new PromptInstance(state.match, state.snap, state.lines()) };
    }
  }

  dispose(): void {
    for (const slot of this.slots) {
      const state = slot.state;
      if (state.kind === 'holding' || state.kind === 'vanished') state.instance.dispose();
      // A firing disposed of before its settle (its decision stopped the job) takes no instance.
      slot.state = { kind: 'exhausted' };
    }
  }

  // Follows a held instance through one snapshot (`match`: the rule's lowest match) and
  // releases it once the screen shows it is over (see the diagram and prompt-instance.ts).
  private follow(slot: RuleSlot, match: RuleMatch | null, snap: ScreenSnapshot, ctx: ScreenContext, lines: () => string[]): void {
    const state = slot.state;
    switch (state.kind) {
      case 'armed':
      case 'exhausted':
      case 'fired': // settled before any follow (onScreen's first step)
        return;
      case 'holding':
      case 'vanished':
        break;
      default:
        return unreachable(state);
    }
    const { instance } = state;
    const drewNew = (): boolean => ctx.progress && instance.showsNew(snap, lines());
    if (state.kind === 'vanished' && (ctx.now - state.since >= SETTLE_MS || drewNew())) return this.release(slot, instance);
    if (match === null) {
      if (state.kind === 'holding') {
        if (drewNew()) return this.release(slot, instance);
        slot.state = { kind: 'vanished', instance, since: ctx.now };
      }
      instance.remember(lines());
      return;
    }
    if (!instance.isAt(match)) {
      // Another text is another prompt; the same text elsewhere is a second prompt if the
      // answered one is still shown, else the answered one redrawn (or scrolled, if nothing new came).
      if (!instance.sameText(match)) return this.release(slot, instance);
      const shown = instance.stillShown(slot.rule.match, snap);
      if (shown === true || (shown === null && drewNew())) return this.release(slot, instance);
      instance.moveTo(match, snap);
    }
    slot.state = { kind: 'holding', instance };
    instance.remember(lines());
  }

  private release(slot: RuleSlot, instance: PromptInstance): void {
    instance.dispose();
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

  private fire(slot: RuleSlot, match: RuleMatch, snap: ScreenSnapshot, now: number, lines: () => string[]): Decision[] {
    const { rule } = slot;
    slot.fired++;
    slot.state = { kind: 'fired', match, snap, lines };
    const ref: RuleRef = { index: rule.index, match: rule.matchSource };
    const excerpt = excerptRows(snap, match.row, match.endRow);
    const record = (kind: Intervention['kind'], sent: string | null): Intervention => ({ at: now, kind, rule: ref, excerpt, sent });
    const named = `rule #${rule.index + 1} ${JSON.stringify(rule.matchSource)}`;
    switch (rule.action) {
      case 'respond': {
        const { steps, visible } = slot.send!;
        this.lastAnswer = { rule: ref, at: now };
        return [{ type: 'send', steps, intervention: record('answer', visible) }];
      }
      case 'deny': {
        const { steps, visible } = slot.send!;
        const decisions: Decision[] = [{ type: 'send', steps, intervention: record('deny', visible) }];
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
