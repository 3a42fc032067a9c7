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
  // Taken from outside (codex-run send/kill/stop, src/control/): says who.
  const by = info.by === undefined ? '' : ` by ${sanitizeLine(info.by)}`;
  switch (info.kind) {
    case 'input':
      return `typed ${sanitizeLine(info.sent ?? '')}${by}`;
    case 'stop':
      return `run stop requested${by}`;
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
    case 'continue':
      return `continuing session ${sanitizeLine(info.sessionId ?? '?')} (turn ${info.attempt ?? '?'}): ${sanitizeLine(info.why ?? 'verify failed')}`;
    case 'retry':
      return `retrying (attempt ${info.attempt ?? '?'}) after ${sanitizeLine(info.why ?? 'a failed attempt')}`;
    case 'usage-limit':
      return `usage limit: ${sanitizeLine(info.why ?? 'parked until the reset')}`;
    case 'kill':
    case 'fail':
    case 'loop':
    case 'output-limit':
      return `stopping (${sanitizeLine(info.kind)})${rule}${by}`;
    default:
      return `${sanitizeLine(info.kind)}${rule}${sent}`;
  }
}
