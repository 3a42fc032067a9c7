/**
 * The claude adapter's built-in rules against Claude Code 2.1.332's real screens
 * (test/fixtures/claude-2.1, copied from reference/claude-code-2.1/captures): each first-run
 * screen is matched by exactly the rule meant for it, the "No" defaults are moved off before
 * anything is confirmed, and approval dialogs and the idle prompt match no rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { claudeBuiltinRules } from '../../src/agents/claude/builtin-rules.js';
import { fixture } from '../helpers/paths.js';

function capture(name: string): string {
  return readFileSync(fixture(`claude-2.1/${name}`), 'utf8');
}

/** The names of the rules whose pattern matches `screen`. */
function matching(screen: string): string[] {
  return claudeBuiltinRules(0)
    .filter((r) => r.rule.match.lastMatch(screen) !== null)
    .map((r) => r.name);
}

/** The screen after the highlight moved from `from` to `to` (what Down/Up does). */
function moved(screen: string, from: string, to: string): string {
  return screen.replace(`❯ ${from}`, `  ${from}`).replace(new RegExp(`^(\\s*)  ${to.replace(/[()]/g, '\\$&')}$`, 'm'), `$1❯ ${to}`);
}

test('first-run screens: each matched by its own rule; defaults "No" are moved off before Enter', { timeout: 5000 }, () => {
  const trust = capture('01_trust_folder.txt');
  assert.deepEqual(matching(trust), ['claude:trust-folder-select']);
  assert.deepEqual(matching(moved(trust, 'No, exit', 'Yes, I trust this folder')), ['claude:trust-folder-confirm']);
  const key = capture('00c_first_run_api_key_question.txt');
  assert.deepEqual(matching(key), ['claude:api-key-select']);
  assert.deepEqual(matching(moved(key, 'No (recommended)', 'Yes')), ['claude:api-key-confirm']);
  assert.deepEqual(matching(capture('02_custom_api_key_confirm.txt')), ['claude:api-key-select']);
  assert.deepEqual(matching(capture('00b_first_run_theme_picker.txt')), ['claude:theme']);
  assert.deepEqual(matching(capture('00d_first_run_security_notes.txt')), ['claude:security-notes']);
  assert.deepEqual(matching(capture('27_bypass_permissions_warning.txt')), ['claude:bypass-permissions']);
  assert.deepEqual(matching(capture('31_resume_picker.txt')), ['claude:resume-picker']);
});

test('the keys: Down / Up to move, Enter only to confirm; bypass and the resume picker stop the job', { timeout: 5000 }, () => {
  const rules = new Map(claudeBuiltinRules(3).map((r) => [r.name, r.rule]));
  assert.deepEqual(rules.get('claude:trust-folder-select')?.send, { kind: 'keys', keys: ['down'], bytes: ['\x1b[B'] });
  assert.deepEqual(rules.get('claude:api-key-select')?.send, { kind: 'keys', keys: ['up'], bytes: ['\x1b[A'] });
  assert.deepEqual(rules.get('claude:trust-folder-confirm')?.send, { kind: 'keys', keys: ['enter'], bytes: ['\r'] });
  assert.equal(rules.get('claude:bypass-permissions')?.action, 'fail');
  assert.equal(rules.get('claude:resume-picker')?.action, 'fail');
  assert.equal(rules.get('claude:trust-folder-select')?.index, 3);
});

test('approval dialogs and the idle prompt are left to the job\'s own rules', { timeout: 5000 }, () => {
  for (const name of ['08_bash_approval.txt', '10_write_approval.txt', '12_edit_approval.txt', '07_idle_default_mode.txt']) {
    assert.deepEqual(matching(capture(name)), [], name);
  }
});
