/**
 * The codex adapter's built-in rules against the real codex 0.169.0 screens
 * (test/fixtures/codex-0.169): each capture goes through a real ScreenModel and Supervisor with
 * the rules a codex job gets, on a FakeClock, and the keys typed are checked byte for byte and
 * millisecond for millisecond. Approval dialogs must get no automatic answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { codexAdapter, CODEX_ANSWER_DELAY_MS } from '../../src/agents/codex.js';
import { codexBuiltinRules } from '../../src/agents/codex/builtin-rules.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { runSendSteps } from '../../src/session/policies/send-steps.js';
import { parseSupervision, type AnswerRule } from '../../src/session/policies/spec.js';
import { Supervisor } from '../../src/session/policies/supervisor.js';
import { ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';

function capture(name: string): string {
  return readFileSync(fixture(`codex-0.169/${name}`), 'utf8');
}

/**
 * The update offer as codex draws it: no capture exists (the reference home turns the check
 * off), so this is upstream's own snapshot (codex-rs/tui/src/snapshots/
 * codex_tui__update_prompt__tests__update_prompt_modal.snap) with 0.169.0 as the current version.
 */
const UPDATE_PROMPT = [
  '',
  '  ✨ Update available! 0.169.0 -> 0.170.0',
  '',
  '  Release notes: https://github.com/openai/codex/releases/latest',
  '',
  '› 1. Update now (runs `npm install -g @openai/codex`)',
  '  2. Skip',
  '  3. Skip until next version',
  '',
  '  Press enter to continue',
].join('\n');

interface Typed {
  at: number;
  data: string;
}

/**
 * Shows `text` (a screen capture, `\n` line ends) on a 120-column screen as tall as the text,
 * lets a supervisor with the codex rules look at it, and types what it decides through the
 * fake clock. Returns the decisions and every write with its time from the snapshot.
 */
async function show(text: string, userAnswers: unknown[] = []): Promise<{ decisions: Decision[]; typed: Typed[]; clock: FakeClock }> {
  const clock = new FakeClock();
  const parsed = parseSupervision({ answers: userAnswers });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const own = parsed.value.answers;
  const builtin = codexAdapter.builtinRules?.(
    { supervision: parsed.value } as Parameters<NonNullable<typeof codexAdapter.builtinRules>>[0],
    own.length,
  );
  assert.ok(builtin !== undefined);
  const spec = { ...parsed.value, answers: [...own, ...builtin.map((b) => b.rule)] };
  const lines = text.replace(/\n$/, '').split('\n');
  const screen = new ScreenModel({ cols: 120, rows: Math.max(lines.length, 10), clock });
  const decisions: Decision[] = [];
  const typed: Typed[] = [];
  const start = clock.now();
  const supervisor = new Supervisor({
    spec,
    clock,
    onDecision: (d) => decisions.push(d),
    timing: { enterDelayMs: 500, answerDelayMs: codexAdapter.answerDelayMs ?? 0 },
  });
  try {
    screen.write(lines.join('\r\n'));
    await screen.whenParsed();
    supervisor.observeScreen(screen.snapshot());
    for (const d of decisions) {
      if (d.type === 'send') runSendSteps(d.steps, (data) => typed.push({ at: clock.now() - start, data }), clock);
    }
    clock.advance(2000);
    return { decisions, typed, clock };
  } finally {
    supervisor.dispose();
    screen.dispose();
  }
}

function acted(decisions: Decision[]): Decision[] {
  return decisions.filter((d) => d.type === 'send' || d.type === 'stop' || d.type === 'blocked');
}

test('every built-in rule has a name, a reason, and is marked built-in after the given index', () => {
  const rules = codexBuiltinRules(3);
  assert.deepEqual(
    rules.map((r) => r.name),
    ['codex:trust-folder', 'codex:update-skip', 'codex:model-keep', 'codex:conversation-locked', 'codex:resume-picker'],
  );
  rules.forEach((r, i) => {
    assert.equal(r.rule.index, 3 + i);
    assert.equal(r.rule.matchSource, r.name);
    assert.equal(r.rule.builtin, true);
    assert.ok(r.why.length > 10);
  });
});

test('trust screen (captures/01): Enter only, 150 ms after the screen is seen', async () => {
  const { decisions, typed } = await show(capture('01_trust_screen.txt'));
  const sends = acted(decisions);
  assert.equal(sends.length, 1);
  assert.equal(sends[0]?.type === 'send' && sends[0].intervention.rule?.match, 'codex:trust-folder');
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: '\r' }]);
});

test('trust screen with option 2 highlighted: nothing is typed (Enter would go back)', async () => {
  const moved = capture('01_trust_screen.txt').replace('› 1. Trust and continue', '  1. Trust and continue').replace('  2. Back to', '› 2. Back to');
  const { decisions, typed } = await show(moved);
  assert.deepEqual(acted(decisions), []);
  assert.deepEqual(typed, []);
});

test('update offer: "2" (Skip), never Enter on the default "Update now"', async () => {
  const { decisions, typed } = await show(UPDATE_PROMPT);
  assert.equal(acted(decisions).length, 1);
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: '2' }]);
  assert.ok(!typed.some((t) => t.data.includes('\r')));
});

test('model announcement (captures/08): "2" keeps the configured model', async () => {
  const { decisions, typed } = await show(capture('08_model_nux.txt'));
  const sends = acted(decisions);
  assert.equal(sends.length, 1);
  assert.equal(sends[0]?.type === 'send' && sends[0].intervention.rule?.match, 'codex:model-keep');
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: '2' }]);
});

test('conversation locked (captures/14): "r" retries; nothing forks', async () => {
  const { decisions, typed } = await show(capture('14_conversation_locked.txt'));
  assert.equal(acted(decisions).length, 1);
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: 'r' }]);
});

test('resume picker (captures/24): the job is stopped, no session is picked', async () => {
  const { decisions, typed } = await show(capture('24_resume_picker.txt'));
  const stops = decisions.filter((d) => d.type === 'stop');
  assert.equal(stops.length, 1);
  const stop = stops[0]!;
  assert.ok(stop.type === 'stop');
  assert.equal(stop.reason, 'rule-failed');
  assert.match(stop.message, /codex:resume-picker/);
  assert.deepEqual(typed, []);
});

for (const name of ['05_exec_approval.txt', '05_exec_approval.ansi', '09_patch_approval.txt', '09_patch_approval.ansi', '11_exec_approval2.txt']) {
  test(`approval dialog ${name}: no built-in rule answers it`, async () => {
    const { decisions, typed } = await show(capture(name));
    assert.deepEqual(acted(decisions), []);
    assert.deepEqual(typed, []);
  });
}

test('approval dialog answered by the job\'s own rule, with the codex answer delay', async () => {
  const { decisions, typed } = await show(capture('05_exec_approval.txt'), [{ match: 'Would you like to run the following command\\?', send: { keys: ['y'] } }]);
  assert.equal(acted(decisions).length, 1);
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: 'y' }]);
});

for (const name of [
  '03_working.txt',
  '04_after_reply.txt',
  '06_after_approve.txt',
  '10_patch_declined.txt',
  '12_esc_interrupt.txt',
  '13_ctrl_c_exit.txt',
  '13b_ctrl_c_while_running.txt',
  '16_fresh_home_first_screen.txt',
  '17_trust_nongit.txt',
  '19_reasoning_status.txt',
  '20_idle_after_turn.ansi',
  '21_running_command.txt',
  '22_tui_stream_error.txt',
  '23_bypass_mode.txt',
]) {
  test(`ordinary screen ${name}: no built-in rule fires`, async () => {
    const { decisions, typed } = await show(capture(name));
    assert.deepEqual(acted(decisions), []);
    assert.deepEqual(typed, []);
  });
}

test("a job's own rule for the same screen wins: the built-in one stands back", async () => {
  const own: unknown[] = [{ match: 'Trust this folder\\?', action: 'fail' }];
  const { decisions, typed } = await show(capture('01_trust_screen.txt'), own);
  const acts = acted(decisions);
  assert.equal(acts.length, 1);
  assert.ok(acts[0]?.type === 'stop');
  assert.equal(acts[0].intervention.rule?.index, 0);
  assert.deepEqual(typed, []);
});

test('a job rule matching elsewhere on the screen does not silence a built-in rule', async () => {
  const own: unknown[] = [{ match: 'Folder access', action: 'notify' }];
  const { decisions, typed } = await show(capture('01_trust_screen.txt'), own);
  assert.deepEqual(
    acted(decisions).map((d) => (d.type === 'send' || d.type === 'blocked' ? d.intervention.rule?.match : d.type)),
    ['Folder access', 'codex:trust-folder'],
  );
  assert.deepEqual(typed, [{ at: CODEX_ANSWER_DELAY_MS, data: '\r' }]);
});

test('the built-in rules match only by their own patterns (regex sanity)', () => {
  const byName = new Map<string, AnswerRule>(codexBuiltinRules(0).map((b) => [b.name, b.rule]));
  assert.ok(!byName.get('codex:update-skip')!.match.lastMatch('  2. Skip') !== null, 'needs the offer heading');
  assert.ok(!byName.get('codex:trust-folder')!.match.lastMatch('› 1. Trust and continue') !== null, 'needs the question');
});
