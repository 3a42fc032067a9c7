/**
 * The `claude:` options and the argv they give (Claude Code 2.1.332 flags): defaults, every
 * problem located below `claude`, managed flags refused through `args`, the prompt after `--`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claudeArgv } from '../../src/agents/claude/argv.js';
import { claudeSpecOf, mergeClaudeOptions, parseClaudeOptions } from '../../src/agents/claude/options.js';

test('no options: headless, permission mode default (never the TUI\'s model-decided auto)', { timeout: 5000 }, () => {
  const spec = claudeSpecOf(undefined);
  assert.equal(spec.mode, 'headless');
  assert.equal(spec.permissionMode, 'default');
  assert.deepEqual(claudeArgv({ spec, prompt: 'Fix it', session: { kind: 'new', id: 'S1' } }), [
    '-p', '--output-format', 'stream-json', '--verbose', '--session-id', 'S1', '--permission-mode', 'default', '--', 'Fix it',
  ]);
});

test('tui resume by id with tools, model and args; a prompt starting with - stays after --', { timeout: 5000 }, () => {
  const parsed = parseClaudeOptions({ mode: 'tui', permissionMode: 'manual', model: 'sonnet', allowedTools: ['Bash(npm test)', 'Edit'], disallowedTools: ['Bash(rm -rf *)'], args: ['--add-dir', '../x'] });
  assert.ok(parsed.ok);
  const spec = claudeSpecOf(parsed.value);
  assert.equal(spec.permissionMode, 'default', 'manual is an alias of default');
  assert.deepEqual(claudeArgv({ spec, prompt: '-x', session: { kind: 'resume', id: 'S2' } }), [
    '--resume', 'S2', '--permission-mode', 'default', '--model', 'sonnet',
    '--allowedTools', 'Bash(npm test)', '--allowedTools', 'Edit', '--disallowedTools', 'Bash(rm -rf *)',
    '--add-dir', '../x', '--', '-x',
  ]);
});

test('every problem is reported with its path; managed flags name what to use instead', { timeout: 5000 }, () => {
  const parsed = parseClaudeOptions({ mode: 'exec', permissionMode: 'yolo', allowedTools: 'Edit', args: ['--continue', '-p', '--resume=abc', 3], colour: true });
  assert.ok(!parsed.ok);
  const byPath = new Map(parsed.error.map((p) => [p.path.join('.'), p]));
  assert.match(byPath.get('mode')?.message ?? '', /expected headless or tui, found a string "exec"/);
  assert.match(byPath.get('permissionMode')?.message ?? '', /found a string "yolo"/);
  assert.match(byPath.get('allowedTools')?.message ?? '', /expected a list of tool rules/);
  assert.match(byPath.get('args.3')?.message ?? '', /expected a non-empty string, found a number 3/);
  assert.match(byPath.get('colour')?.message ?? '', /unknown key "colour"/);
  assert.equal(parsed.error.filter((p) => p.path[0] === 'args').length, 1, 'a list with a non-string is reported once, before flag checks');
  const flags = parseClaudeOptions({ args: ['--continue', '-p', '--resume=abc', '--session-id', 'x'] });
  assert.ok(!flags.ok);
  assert.deepEqual(flags.error.map((p) => p.path.join('.')), ['args.0', 'args.1', 'args.2', 'args.3']);
  assert.match(flags.error[0]?.hint ?? '', /another job's/);
});

test('defaults merge key by key under the job', { timeout: 5000 }, () => {
  assert.deepEqual(mergeClaudeOptions({ mode: 'tui', model: 'a' }, { model: 'b' }), { mode: 'tui', model: 'b' });
});

test('a headless prompt too long for one argument (or kept private) goes through stdin from a file; the TUI refuses it', { timeout: 5000 }, async () => {
  const { claudeAdapter } = await import('../../src/agents/claude/index.js');
  const { existsSync, readFileSync, statSync } = await import('node:fs');
  const { FakeClock } = await import('../helpers/fake-clock.js');
  const long = 'x'.repeat(140_000);
  const job = (mode: 'headless' | 'tui') => ({ name: 'j', agent: 'claude', prompt: long, workdir: '/tmp', supervision: { answers: [] }, claude: { ...claudeSpecOf({ mode }), bin: process.execPath } }) as unknown as import('../../src/manifest/model.js').JobSpec;
  const plan = claudeAdapter.plan(job('headless'), { PATH: '/usr/bin:/bin' });
  assert.ok(plan.ok);
  assert.deepEqual(plan.value.args.slice(0, 2), ['-c', 'exec "$@" < "$0"']);
  assert.ok(!plan.value.args.includes('--') && !plan.value.args.includes(long), 'no prompt argument');
  const file = plan.value.args[2] ?? '';
  const monitor = plan.value.monitor?.({ clock: new FakeClock(), target: { facts: () => {}, blocked: () => {}, stop: () => {} } });
  assert.ok(monitor?.prepare().ok);
  assert.equal(readFileSync(file, 'utf8'), long);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await monitor?.finish({ exitCode: 0, signal: null });
  assert.equal(existsSync(file), false, 'removed after the run');
  const tui = claudeAdapter.plan(job('tui'), { PATH: '/usr/bin:/bin' });
  assert.ok(!tui.ok);
  assert.equal(tui.error.reason, 'agent-usage');
  const privately = claudeAdapter.resumePlan?.({ ...job('headless'), prompt: 'short' }, { PATH: '/usr/bin:/bin' }, 'S', 'verify said: secret output', { private: true });
  assert.ok(privately?.ok && !privately.value.args.includes('verify said: secret output') && privately.value.args.includes('--resume'));
});
