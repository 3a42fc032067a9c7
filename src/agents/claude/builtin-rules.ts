/**
 * Answer rules for Claude Code's own screens (2.1.332), on by default for claude TUI jobs and
 * checked after the job's own rules, so a job can always override them. Each pattern is built
 * from the exact text of a reference capture (reference/claude-code-2.1/captures/NN). Claude's
 * first-run defaults are "No" (a blind Enter exits), so every answer moves the highlight first
 * and confirms only once the wanted option is highlighted (two rules, one key each):
 *
 *   trust-folder-select / -confirm  01   the job's workdir (the manifest chose it, as for
 *                                        codex's trust screen): Down to "Yes, I trust this
 *                                        folder", then Enter while it is highlighted
 *   api-key-select / -confirm       00c  use the ANTHROPIC_API_KEY the job's environment gives
 *                                        (the user put it there; declining leads to a login
 *                                        screen nobody can answer): Up to "Yes", then Enter
 *   theme                           00b  Enter = the highlighted "Auto (match terminal)"
 *   security-notes                  00d  Enter = "Press Enter to continue" (informational)
 *   bypass-permissions              27   stop the job: "Yes, I accept" would turn every approval
 *                                        off; a person must accept it once (settings.json)
 *   resume-picker                   31   stop the job: a job never picks a session by hand
 *
 * Approval dialogs (Bash command, Create file, Edit file: captures/08, 10, 12) are deliberately
 * absent: only the job's own rules answer them; with none, supervision reports the job blocked.
 * A fresh config home cannot get this far offline: the onboarding first checks
 * api.anthropic.com and exits ("Unable to connect to Anthropic services", captures/00a), so
 * `--rehearse` pre-seeds the home (rehearsal/home.ts) and these rules serve real runs.
 */
import type { SendSpec } from '../../session/policies/spec.js';
import type { BuiltinRule } from '../adapter.js';
import { builtinRules, type BuiltinRuleDefinition } from '../builtin-rule.js';

/** Where the built-in rules' names start, so interventions show e.g. `claude:trust-folder-confirm`. */
export const BUILTIN_PREFIX = 'claude:';

const key = (name: string, bytes: string): SendSpec => ({ kind: 'keys', keys: [name], bytes: [bytes] });
const ENTER = key('enter', '\r');
const DOWN = key('down', '\x1b[B');
const UP = key('up', '\x1b[A');

const DEFINITIONS: readonly BuiltinRuleDefinition[] = [
  {
    name: 'trust-folder-select',
    why: 'trust the job\'s workdir (the manifest chose it): Down from "No, exit" to "Yes, I trust this folder"',
    match: /Accessing workspace:[\s\S]*?^\s*❯ No, exit$\n^\s*Yes, I trust this folder$/m,
    action: 'respond',
    send: DOWN,
  },
  {
    name: 'trust-folder-confirm',
    why: 'Enter while "Yes, I trust this folder" is highlighted',
    match: /Accessing workspace:[\s\S]*?^\s*No, exit$\n^\s*❯ Yes, I trust this folder$/m,
    action: 'respond',
    send: ENTER,
  },
  {
    name: 'api-key-select',
    why: 'use the API key the job\'s environment sets: Up from "No (recommended)" to "Yes"',
    match: /Detected a custom API key in your environment[\s\S]*?^\s*Yes$\n^\s*❯ No \(recommended\)$/m,
    action: 'respond',
    send: UP,
  },
  {
    name: 'api-key-confirm',
    why: 'Enter while "Yes" is highlighted',
    match: /Detected a custom API key in your environment[\s\S]*?^\s*❯ Yes$\n^\s*No \(recommended\)$/m,
    action: 'respond',
    send: ENTER,
  },
  {
    name: 'theme',
    why: 'first run: keep the highlighted text style ("Auto (match terminal)") with Enter',
    match: /Choose the text style that looks best with your terminal[\s\S]*?^\s*❯ ✔ Auto \(match terminal\)$/m,
    action: 'respond',
    send: ENTER,
  },
  {
    name: 'security-notes',
    why: 'first run: the security notes only inform; Enter continues',
    match: /^\s*Security notes:$[\s\S]*?^\s*Press Enter to continue$/m,
    action: 'respond',
    send: ENTER,
  },
  {
    name: 'bypass-permissions',
    why: 'never accept Bypass Permissions mode for a person: stop the job instead',
    match: /WARNING: Claude Code running in Bypass Permissions mode[\s\S]*?Yes, I accept/m,
    action: 'fail',
    send: null,
  },
  {
    name: 'resume-picker',
    why: 'a job never picks a session by hand: stop instead of resuming another session',
    match: /^\s*Resume session$[\s\S]*?Enter to resume · Esc to close/m,
    action: 'fail',
    send: null,
  },
];

/** The built-in rules, numbered from `firstIndex` (the count of the job's own rules). */
export function claudeBuiltinRules(firstIndex: number): BuiltinRule[] {
  return builtinRules(BUILTIN_PREFIX, DEFINITIONS, firstIndex);
}
