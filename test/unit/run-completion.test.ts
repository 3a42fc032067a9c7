import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock } from '../helpers/fake-clock.js';
import { UsageGate } from '../../src/run/usage-gate.js';
import { BudgetMeter } from '../../src/run/budget-meter.js';
import { agentTurns } from '../../src/run/agent-turns.js';
import { usageLimitReset } from '../../src/agents/codex/usage-limit.js';
import { parseTokens, renderContinuePrompt } from '../../src/manifest/completion-fields.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-completion-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function load(lines: string[]): Promise<{ ok: boolean; problems: string[]; manifest: unknown }> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  const result = await loadManifest(file, { env: {} });
  if (result.ok) return { ok: true, problems: [], manifest: result.value };
  return { ok: false, manifest: null, problems: result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`) };
}

test('the gate holds an agent while a job is parked, releases parked jobs in order at their reset plus jitter, then opens', { timeout: 5000 }, async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 3, 0, 0));
  const jitter = [0.5, 0.1];
  const gate = new UsageGate(clock, () => jitter.shift() ?? 0, 1000);
  let opened = 0;
  gate.onOpen(() => opened++);
  const t0 = clock.now();
  const a = gate.park('codex', 'a', t0 + 10_000);
  // b's reset is earlier, but it parked later: it goes after a.
  const b = gate.park('codex', 'b', t0 + 5_000);
  assert.equal(a.releaseAt, t0 + 10_500);
  assert.equal(b.releaseAt, t0 + 10_600);
  assert.equal(gate.holding('codex'), true);
  assert.equal(gate.holding('command'), false, 'one gate per agent kind');
  const order: string[] = [];
  void a.released.then((r) => order.push(`a:${r}`));
  void b.released.then((r) => order.push(`b:${r}`));
  clock.advance(10_499);
  await Promise.resolve();
  assert.deepEqual(order, []);
  clock.advance(1);
  await Promise.resolve();
  assert.deepEqual(order, ['a:true']);
  assert.equal(gate.holding('codex'), true, 'still held while b waits');
  assert.equal(opened, 0);
  clock.advance(100);
  await Promise.resolve();
  assert.deepEqual(order, ['a:true', 'b:true']);
  assert.equal(gate.holding('codex'), false);
  assert.equal(opened, 1);
});

test('a cancelled park settles false and the gate opens when nothing else waits', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const gate = new UsageGate(clock, () => 0, 1000);
  let opened = 0;
  gate.onOpen(() => opened++);
  const ticket = gate.park('codex', 'a', clock.now() + 60_000);
  ticket.cancel();
  assert.equal(await ticket.released, false);
  assert.equal(gate.holding('codex'), false);
  assert.equal(opened, 1);
  assert.equal(clock.timerCount, 0, 'its timer is cleared');
});

test('a reset known only to the minute: the parked job tries early, but new jobs wait for the end of the minute or a confirmation', { timeout: 5000 }, async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 3, 0, 41));
  const gate = new UsageGate(clock, () => 0, 1000);
  let opened = 0;
  gate.onOpen(() => opened++);
  const minuteEnd = Date.UTC(2026, 0, 1, 3, 1, 0);
  // Codex said "try again at 3:00": the minute has begun, so the job tries again in 2 s.
  const first = gate.park('codex', 'a', clock.now() + 2000, minuteEnd);
  clock.advance(2000);
  assert.equal(await first.released, true);
  assert.equal(gate.holding('codex'), true, 'the reset may not have come yet: new jobs still wait');
  assert.equal(opened, 0);
  // The try met the limit again: parked again, the hold goes on.
  const again = gate.park('codex', 'a', clock.now() + 2000, minuteEnd);
  clock.advance(2000);
  assert.equal(await again.released, true);
  assert.equal(gate.holding('codex'), true);
  // Without news, the hold ends when the printed minute is over.
  clock.advance(minuteEnd - clock.now() - 1);
  assert.equal(gate.holding('codex'), true);
  clock.advance(1);
  assert.equal(gate.holding('codex'), false);
  assert.equal(opened, 1);
  assert.equal(clock.timerCount, 0);
  // A resumed job that gets past the limit ends the hold at once.
  const third = gate.park('codex', 'b', clock.now() + 2000, clock.now() + 60_000);
  clock.advance(2000);
  assert.equal(await third.released, true);
  assert.equal(gate.holding('codex'), true);
  gate.confirm('codex');
  assert.equal(gate.holding('codex'), false);
  assert.equal(opened, 2);
  assert.equal(clock.timerCount, 0, 'the end-of-minute timer is cleared');
  // When the run ends, a hold still waiting for the end of the minute keeps no timer alive.
  const last = gate.park('codex', 'c', clock.now() + 2000, clock.now() + 60_000);
  clock.advance(2000);
  assert.equal(await last.released, true);
  assert.equal(clock.timerCount, 1);
  gate.close();
  assert.equal(clock.timerCount, 0);
  assert.equal(gate.holding('codex'), false);
});

test('budget accounting: a usage-limit attempt is no turn; agent turns leave parks out', { timeout: 5000 }, () => {
  const meter = new BudgetMeter({ tokens: null, turns: 2, wallMs: null }, 0, "the job's");
  meter.add(10, false);
  meter.add(null, false);
  meter.add(100);
  assert.equal(meter.spentTurns, 1);
  assert.equal(meter.spentTokens, 110);
  assert.equal(meter.exhausted(0), null);
  assert.equal(agentTurns([{ reason: 'usage-limit' }, { reason: 'usage-limit' }, { reason: 'verify-failed' }, { reason: 'verified' }]), 2);
});

test('budget accounting: tokens and turns add up per turn; wall counts from the start', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const meter = new BudgetMeter({ tokens: 1000, turns: 3, wallMs: 60_000 }, clock.now(), "the job's");
  meter.add(400);
  assert.equal(meter.exhausted(clock.now()), null);
  meter.add(null);
  meter.add(700);
  assert.equal(meter.spentTokens, 1100);
  assert.equal(meter.exhausted(clock.now()), "the job's token budget is used up: 1100 tokens of 1000");
  const turns = new BudgetMeter({ tokens: null, turns: 2, wallMs: null }, clock.now(), "the run's");
  turns.add(1);
  assert.equal(turns.exhausted(clock.now()), null);
  turns.add(1);
  assert.equal(turns.exhausted(clock.now()), "the run's turn budget is used up: 2 turns of 2");
  const wall = new BudgetMeter({ tokens: null, turns: null, wallMs: 60_000 }, clock.now(), "the job's");
  clock.advance(59_999);
  assert.equal(wall.exhausted(clock.now()), null);
  assert.equal(wall.wallLeft(clock.now()), 1);
  clock.advance(1);
  assert.equal(wall.exhausted(clock.now()), "the job's wall budget of 1m is used up");
});

test("codex's usage-limit reset is read from its message, today or dated, in local time", () => {
  const now = new Date(2026, 10, 30, 1, 0, 0).getTime();
  assert.equal(usageLimitReset('You’ve hit your usage limit. Try again at 3:05 AM.', now), new Date(2026, 10, 30, 3, 5).getTime());
  assert.equal(
    usageLimitReset("You've hit your usage limit. Visit https://chatgpt.com/codex/settings/usage to purchase more credits or try again at 12:30 PM.", now),
    new Date(2026, 10, 30, 12, 30).getTime(),
  );
  assert.equal(usageLimitReset('codex: You’ve hit your usage limit. Try again at Dec 29th, 2026 10:15 PM.', now), new Date(2026, 11, 29, 22, 15).getTime());
  assert.equal(usageLimitReset('You’ve hit your usage limit. Try again later.', now), null);
  assert.equal(usageLimitReset('exceeded retry limit, last status: 429 Too Many Requests', now), null);
});

test('token counts: numbers, k and M', () => {
  assert.equal(parseTokens('3M'), 3_000_000);
  assert.equal(parseTokens('500k'), 500_000);
  assert.equal(parseTokens('1.5M'), 1_500_000);
  assert.equal(parseTokens(200000), 200000);
  assert.equal(parseTokens('0'), null);
});

test('the continue prompt fills its placeholders', () => {
  assert.equal(
    renderContinuePrompt('`{{verify.command}}` exit {{ verify.exitCode }}:\n{{verify.tail}}', { command: 'npm test', exitCode: 1, tail: '1 failing' }),
    '`npm test` exit 1:\n1 failing',
  );
});

test('manifest: completion fields resolve with defaults from `defaults:`, a job budget merges key by key, the run budget is read', { timeout: 10_000 }, async () => {
  const { ok, manifest, problems } = await load([
    'version: 1',
    'budget: { tokens: 10M, wall: 8h }',
    'defaults:',
    '  budget: { tokens: 3M, wall: 2h }',
    '  limits: { wait: 4h }',
    'jobs:',
    '  fix:',
    '    prompt: p',
    '    verify: { command: [npm, test], timeout: 5m }',
    '    until: verified',
    '    maxTurns: 4',
    '    budget: { turns: 6 }',
    '  lint:',
    '    agent: command',
    '    command: "npm run lint"',
    '    retry: { max: 2, backoff: 30s }',
  ]);
  assert.ok(ok, problems.join('\n'));
  const m = manifest as { budget: unknown; jobs: Array<{ completion: Record<string, unknown> }> };
  assert.deepEqual(m.budget, { tokens: 10_000_000, turns: null, wallMs: 8 * 3_600_000 });
  const [fix, lint] = m.jobs;
  assert.deepEqual(fix?.completion['verify'], { command: ['npm', 'test'], display: 'npm test', timeoutMs: 300_000 });
  assert.equal(fix?.completion['untilVerified'], true);
  assert.equal(fix?.completion['maxTurns'], 4);
  assert.deepEqual(fix?.completion['budget'], { tokens: 3_000_000, turns: 6, wallMs: 7_200_000 });
  assert.equal(fix?.completion['limitsWaitMs'], 4 * 3_600_000);
  assert.deepEqual(lint?.completion['retry'], { max: 2, backoffMs: 30_000 });
});

test('manifest: an unknown placeholder, until without verify, until on a TUI job and a bad token count are located errors', { timeout: 10_000 }, async () => {
  const { ok, problems } = await load([
    'version: 1',
    'jobs:',
    '  a:',
    '    prompt: p',
    '    verify: { command: [npm, test] }',
    '    continuePrompt: "Failed: {{verify.output}}"',
    '  b:',
    '    prompt: p',
    '    until: verified',
    '  c:',
    '    prompt: p',
    '    codex: { mode: tui }',
    '    verify: { command: "npm test" }',
    '    until: verified',
    '  d:',
    '    prompt: p',
    '    budget: { tokens: 3G }',
  ]);
  assert.equal(ok, false);
  assert.deepEqual(problems, [
    '6:30: unknown placeholder "{{verify.output}}" in continuePrompt',
    "9:12: job 'b' has `until: verified` but no `verify` command to check it with",
    "14:12: job 'c' has `until: verified` with `codex.mode: tui`; continuing a session is supported for codex exec only",
    '17:23: expected a token count such as 200000, 500k or 3M, found "3G"',
  ]);
});

test('the summary shows outcome, turns and tokens for a job that verified or took more than one turn; a plain job is unchanged', async () => {
  const { renderSummary } = await import('../../src/ui/summary.js');
  const base = { reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: 0, finishedAt: 2100 } as const;
  const attempt = (n: number, prompt: 'first' | 'continue', tokens: number) => ({ n, startedAt: 0, endedAt: 1, reason: 'x', sessionId: null, tokens, prompt });
  const text = renderSummary({
    color: false,
    runDir: '/runs/r',
    jobs: [
      { name: 'fix', result: { ...base, status: 'succeeded', outcome: 'verified', attempts: [attempt(1, 'first', 1000), attempt(2, 'continue', 234)] } },
      { name: 'lint', result: { ...base, status: 'succeeded', outcome: 'succeeded', attempts: [attempt(1, 'first', 0)] } },
    ],
  });
  assert.equal(
    text,
    ['JOB   STATUS     DURATION  EXIT/REASON', 'fix   succeeded  2.1s      exit 0 [verified, 2 turns, 1234 tokens]', 'lint  succeeded  2.1s      exit 0', '2 jobs: 2 succeeded', 'Run folder: /runs/r', ''].join('\n'),
  );
});
