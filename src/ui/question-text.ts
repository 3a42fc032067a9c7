import { visibleEscapes } from '../session/policies/keys.js';
import { sanitizeLine } from './text.js';

/** A question as shown next to a job: its text and options. */
export interface QuestionInfo {
  text: string;
  options: Array<{ label: string; keys: string[] }>;
}

/**
 * One line saying what an agent asks: `Would you like to run the following command? [Yes, proceed | No]`.
 * With `keys`, each option also shows what chooses it: `Yes, proceed (y)`.
 */
export function describeQuestion(question: QuestionInfo, options: { keys?: boolean } = {}): string {
  const text = sanitizeLine(question.text);
  const choices = question.options.map((o) => {
    const label = sanitizeLine(o.label);
    return options.keys === true && o.keys.length > 0 ? `${label} (${visibleEscapes(o.keys.join(''))})` : label;
  });
  return choices.length === 0 ? text : `${text} [${choices.join(' | ')}]`;
}
