/**
 * classifyScreen: the one agent-state classifier (first version: wraps the question detector;
 * to be replaced by the full classifier).
 */
import type { ClassifyOptions, ScreenVerdict } from './types.js';

const YES_NO = /[[(]\s*(?:y|yes)\s*\/\s*(?:n|no)\s*[\])]/i;

/** Classifies a rendered screen given as plain text (lines separated by `\n`). */
export function classifyScreen(text: string, _opts: ClassifyOptions = {}): ScreenVerdict {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  if (YES_NO.test(last) || last.trim().endsWith('?')) return { state: 'waiting_input', question: { text: last.trim(), options: [] }, reason: 'question at the end' };
  return { state: 'other', reason: 'nothing recognised' };
}
