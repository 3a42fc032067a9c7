/**
 * Answer rules for the Codex TUI's own screens (codex-cli 0.169.0), on by default for codex
 * jobs and checked after the job's own rules, so a job can always override them. Each pattern
 * is built from the exact text of a reference capture (captures/NN) or, where no capture
 * exists, of upstream's screen source. The choices are what a careful person would press:
 *
 *   trust-folder         captures/01   Enter, only while option 1 "Trust and continue" is highlighted
 *   update-skip          update_prompt.rs  "2" = Skip; never Enter: the default option RUNS the update
 *   model-keep           captures/08   "2" = Use existing model: the job keeps its configured model
 *   conversation-locked  captures/14   "r" = retry; never fork: forking would duplicate the work
 *                                      the other app is doing. If it stays locked, the job goes blocked.
 *   resume-picker        captures/24   stop the job: resuming the highlighted session could continue
 *                                      another job's session, and "start new" would silently drop the context
 *
 * Approval dialogs ("Would you like to run the following command?", "Would you like to make
 * the following edits?", captures/05, 09, 11) are deliberately absent: only the job's own
 * rules answer them; with none, supervision reports the job blocked.
 */
import type { SendSpec } from '../../session/policies/spec.js';
import type { BuiltinRule } from '../adapter.js';
import { builtinRules, type BuiltinRuleDefinition } from '../builtin-rule.js';

/** Where the built-in rules' names start, so interventions show e.g. `codex:trust-folder`. */
export const BUILTIN_PREFIX = 'codex:';

const ENTER: SendSpec = { kind: 'keys', keys: ['enter'], bytes: ['\r'] };
const key = (text: string): SendSpec => ({ kind: 'text', text, enter: false });

const DEFINITIONS: readonly BuiltinRuleDefinition[] = [
  {
    name: 'trust-folder',
    why: 'trust the job\'s workdir (the manifest chose it): Enter while "1. Trust and continue" is highlighted',
    match: /Trust this folder\?[\s\S]*?^› 1\. Trust and continue$/m,
    action: 'respond',
    send: ENTER,
  },
  {
    name: 'update-skip',
    why: 'skip the update offer with "2"; Enter would run the update',
    match: /Update available![\s\S]*?^\s*2\. Skip$/m,
    action: 'respond',
    send: key('2'),
  },
  {
    name: 'model-keep',
    why: 'keep the configured model: "2. Use existing model"',
    match: /^› 1\. Try new model$\n^\s*2\. Use existing model$/m,
    action: 'respond',
    send: key('2'),
  },
  {
    name: 'conversation-locked',
    why: 'the session is open in another app: retry with "r", never fork; if it stays locked the job goes blocked',
    match: /This conversation is open in another app[\s\S]*?press R to continue here/m,
    action: 'respond',
    send: key('r'),
  },
  {
    name: 'resume-picker',
    why: 'a job never picks a session by hand: stop instead of resuming another session or silently starting a new one',
    match: /^\s*Resume a previous session$[\s\S]*?enter resume\s+\^a archive\s+esc start new/m,
    action: 'fail',
    send: null,
  },
];

/** The built-in rules, numbered from `firstIndex` (the count of the job's own rules). */
export function codexBuiltinRules(firstIndex: number): BuiltinRule[] {
  return builtinRules(BUILTIN_PREFIX, DEFINITIONS, firstIndex);
}
