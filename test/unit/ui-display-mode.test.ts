import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseDisplayMode, isCI, useColor, type DisplayMode, type Environment } from '../../src/ui/display-mode.js';

test('chooseDisplayMode truth table', () => {
  const cases: Array<{ isTTY: boolean; env: Environment; quiet: boolean; json: boolean; want: DisplayMode }> = [
    { isTTY: true, env: {}, quiet: false, json: false, want: 'rich' },
    { isTTY: true, env: { TERM: 'xterm-256color' }, quiet: false, json: false, want: 'rich' },
    { isTTY: false, env: {}, quiet: false, json: false, want: 'plain' },
    { isTTY: true, env: { CI: 'true' }, quiet: false, json: false, want: 'plain' },
    { isTTY: true, env: { CI: '1' }, quiet: false, json: false, want: 'plain' },
    { isTTY: true, env: { CI: 'woodpecker' }, quiet: false, json: false, want: 'plain' },
    { isTTY: true, env: { CI: 'false' }, quiet: false, json: false, want: 'rich' },
    { isTTY: true, env: { CI: 'FALSE' }, quiet: false, json: false, want: 'rich' },
    { isTTY: true, env: { CI: '0' }, quiet: false, json: false, want: 'rich' },
    { isTTY: true, env: { CI: '' }, quiet: false, json: false, want: 'rich' },
    { isTTY: true, env: { TERM: 'dumb' }, quiet: false, json: false, want: 'plain' },
    { isTTY: false, env: { CI: 'false' }, quiet: false, json: false, want: 'plain' },
    { isTTY: true, env: {}, quiet: true, json: false, want: 'quiet' },
    { isTTY: false, env: { CI: 'true' }, quiet: true, json: false, want: 'quiet' },
    { isTTY: true, env: {}, quiet: false, json: true, want: 'silent' },
    { isTTY: true, env: {}, quiet: true, json: true, want: 'silent' },
    { isTTY: false, env: { CI: 'true', TERM: 'dumb' }, quiet: false, json: true, want: 'silent' },
  ];
  for (const c of cases) {
    const got = chooseDisplayMode({ isTTY: c.isTTY, env: c.env, quiet: c.quiet, json: c.json });
    assert.equal(got, c.want, `chooseDisplayMode(${JSON.stringify({ ...c, want: undefined })})`);
  }
});

test('isCI treats any non-empty value except false/0 as CI', () => {
  assert.equal(isCI({}), false);
  assert.equal(isCI({ CI: undefined }), false);
  assert.equal(isCI({ CI: '  ' }), false);
  assert.equal(isCI({ CI: 'False' }), false);
  assert.equal(isCI({ CI: 'yes' }), true);
  assert.equal(isCI({ CI: 'TRUE' }), true);
});

test('useColor truth table: FORCE_COLOR, then NO_COLOR, then a capable terminal', () => {
  const cases: Array<{ isTTY: boolean; env: Environment; want: boolean }> = [
    { isTTY: true, env: {}, want: true },
    { isTTY: false, env: {}, want: false },
    { isTTY: true, env: { TERM: 'dumb' }, want: false },
    { isTTY: true, env: { NO_COLOR: '1' }, want: false },
    { isTTY: true, env: { NO_COLOR: '' }, want: true },
    { isTTY: false, env: { FORCE_COLOR: '1' }, want: true },
    { isTTY: false, env: { FORCE_COLOR: '' }, want: true },
    { isTTY: false, env: { FORCE_COLOR: '3' }, want: true },
    { isTTY: true, env: { FORCE_COLOR: '0' }, want: false },
    { isTTY: true, env: { FORCE_COLOR: 'false' }, want: false },
    { isTTY: false, env: { FORCE_COLOR: '1', NO_COLOR: '1' }, want: true },
    { isTTY: true, env: { FORCE_COLOR: '1', TERM: 'dumb' }, want: true },
  ];
  for (const c of cases) {
    assert.equal(useColor({ isTTY: c.isTTY, env: c.env }), c.want, `useColor(${JSON.stringify({ isTTY: c.isTTY, env: c.env })})`);
  }
});
