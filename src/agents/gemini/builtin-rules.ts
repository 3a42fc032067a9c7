/**
 * Answer rules for Gemini CLI's own screens (0.61.0), on by default for gemini jobs and checked
 * after the job's own rules, so a job can always override them. Patterns are built from the
 * reference captures:
 *
 *   trust-folder   captures/01   "1" = Trust folder (the job's workdir, which the manifest chose,
 *                                as `--skip-trust` does in headless mode). Never "2. Trust parent
 *                                folder": that would trust every sibling of the workdir too.
 *
 * The auth dialogs (captures/02, 03) are not answered: choosing an auth method or storing a key
 * is the user's decision, and they mean the job has no usable key; the monitor fails the job as
 * not-logged-in instead. Approval dialogs ("Allow execution of [Shell]?", "Apply this change?",
 * captures/06, 08, 10) are deliberately absent: only the job's own rules answer them; with none,
 * supervision reports the job blocked.
 */
import type { SendSpec } from '../../session/policies/spec.js';
import type { BuiltinRule } from '../adapter.js';
import { builtinRules, type BuiltinRuleDefinition } from '../builtin-rule.js';

/** Where the built-in rules' names start, so interventions show e.g. `gemini:trust-folder`. */
export const BUILTIN_PREFIX = 'gemini:';

const key = (text: string): SendSpec => ({ kind: 'text', text, enter: false });

const DEFINITIONS: readonly BuiltinRuleDefinition[] = [
  {
    name: 'trust-folder',
    why: 'trust the job\'s workdir (the manifest chose it) with "1. Trust folder"; never its parent',
    match: /Do you trust the files in this folder\?[\s\S]*?● 1\. Trust folder \(/,
    action: 'respond',
    send: key('1'),
  },
];

/** The built-in rules, numbered from `firstIndex` (the count of the job's own rules). */
export function geminiBuiltinRules(firstIndex: number): BuiltinRule[] {
  return builtinRules(BUILTIN_PREFIX, DEFINITIONS, firstIndex);
}
