import type { InterventionInfo } from '../run/events.js';
import { describeQuestion } from './question-text.js';
import { describeSent } from './sent-text.js';
import { sanitizeLine } from './text.js';

/**
 * One line telling what codex-run did to a job: `answered (rule 2: "Continue\\?") with "y" + Enter`,
 * `blocked: waiting for input: Continue? [Yes | No]`.
 */
export function describeIntervention(info: InterventionInfo): string {
  const rule = info.rule === null ? '' : ` (rule ${info.rule.index + 1}: ${JSON.stringify(info.rule.match)})`;
  const sent = info.sent === null ? '' : ` with ${sanitizeLine(describeSent(info.sent))}`;
  switch (info.kind) {
    case 'answer':
      return `answered${rule}${sent}`;
    case 'deny':
      return `declined${rule}${sent}`;
    case 'poke':
      return `poked after no progress${sent}`;
    case 'blocked':
      return `blocked: waiting for input${rule}${info.question === undefined ? '' : `: ${describeQuestion(info.question)}`}`;
    case 'resume':
      return `resuming session ${sanitizeLine(info.sessionId ?? '?')} (resume ${info.attempt ?? '?'}) after ${sanitizeLine(info.why ?? 'a failed attempt')}`;
    case 'kill':
    case 'fail':
    case 'loop':
    case 'output-limit':
      return `stopping (${sanitizeLine(info.kind)})${rule}`;
    default:
      return `${sanitizeLine(info.kind)}${rule}${sent}`;
  }
}
