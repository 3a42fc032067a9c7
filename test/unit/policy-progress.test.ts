import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import { normaliseLine, ProgressDetector } from '../../src/session/policies/progress.js';
import { FakeClock } from '../helpers/fake-clock.js';

test('normaliseLine removes spinner glyphs, elapsed times and clock times', () => {
  const cases: [string, string][] = [
    ['⠋ Working (12s • esc to interrupt)', 'Working (esc to interrupt)'],
    ['⠙ Working (1m 05s • esc to interrupt)', 'Working (esc to interrupt)'],
    ['◦ Working (4s • esc to interrupt)', 'Working (esc to interrupt)'],
    ['| Building', 'Building'],
    ['\\ Building', 'Building'],
    ['◐ Thinking...', 'Thinking'],
    ['✻ Thinking…', 'Thinking'],
    ['elapsed 1h2m3s, last update 21:10:05', 'elapsed , last update'],
    ['took 350ms', 'took'],
    ['Worked for 12s • 21:10', 'Worked for'],
  ];
  for (const [line, expected] of cases) assert.equal(normaliseLine(line), expected, JSON.stringify(line));
});

test('normaliseLine keeps what is real content: counts, paths, positions, words', () => {
  const kept: [string, string][] = [
    ['5 files changed, 3 insertions(+)', '5 files changed, 3 insertions(+)'],
    ['src/app.ts:12:34 - error TS2322', 'src/app.ts:12:34 error TS2322'],
    ['Downloading 42%', 'Downloading 42%'],
    ['3 more items', '3 more items'],
    ['v1.2.3 released', 'v1.2.3 released'],
  ];
  for (const [line, expected] of kept) assert.equal(normaliseLine(line), expected, JSON.stringify(line));
  assert.notEqual(normaliseLine('wrote a.ts'), normaliseLine('wrote b.ts'));
});

test('ProgressDetector: spinner frames, ticking timers and title changes are not progress; new text is', async () => {
  const screen = new ScreenModel({ cols: 60, rows: 5, clock: new FakeClock() });
  const progress = new ProgressDetector();
  const step = async (data: string): Promise<boolean> => {
    screen.write(data);
    await screen.whenParsed();
    return progress.observe(screen.snapshot());
  };
  assert.equal(await step('Editing files\r\n⠋ Working (1s • esc to interrupt)'), true, 'the first screen is progress');
  assert.equal(await step('\r\x1b[2K⠙ Working (2s • esc to interrupt)'), false);
  assert.equal(await step('\r\x1b[2K⠹ Working (1m 03s • esc to interrupt)\x1b]0;⠹ codex\x07'), false);
  assert.equal(await step('\x1b[1;1H'), false, 'cursor moves are not progress');
  assert.equal(await step('\x1b[3;1HEdited src/app.ts'), true);
  assert.equal(await step('\x1b[2;1H\x1b[2K⠸ Working (1m 04s • esc to interrupt)'), false);
  screen.dispose();
});

test('normaliseLine: any ornament glyph turning before a status word is one frame of a spinner', () => {
  const frames = ['✱', '✲', '✴', '✵', '✼', '✾', '✿', '❀', '❁', '❂', '❃', '❇', '❈', '❉', '❊', '❋', '✣', '✤', '✥', '*', '✧', '❖', '☼', '⚙'];
  for (const glyph of frames) {
    assert.equal(normaliseLine(`${glyph} Marinating…`), 'Marinating', glyph);
    assert.equal(normaliseLine(`  ${glyph} Summarising the diff… (8s · esc to interrupt)`), 'Summarising the diff (esc to interrupt)', glyph);
  }
  assert.notEqual(normaliseLine('◻ Add tests for the parser'), normaliseLine('✔ Add tests for the parser'), 'a task list changing its marks is progress');
  assert.notEqual(normaliseLine('• Wrote a.ts'), normaliseLine('• Wrote b.ts'));
});

test('normaliseLine: a timer that appears or disappears, and token and byte counters, are not progress', () => {
  const same: [string, string][] = [
    ['✻ Brewing… (3s · esc to interrupt)', '✻ Brewing… (esc to interrupt)'],
    ['• Working (59s • esc to interrupt)', '• Working (1m 00s • esc to interrupt)'],
    ['✢ Baking… (2m 18s · ↓ 4.8k tokens)', '✢ Baking… (2m 19s · ↑ 5.1k tokens)'],
    ['⠘⠆ Editing  39.76k tokens', '⠘⠣ Editing  41.02k tokens'],
    ['∙ Reviewing git diff (Esc to cancel · 492 B)', '∙ Reviewing git diff (Esc to cancel · 1.2 kB)'],
  ];
  for (const [a, b] of same) assert.equal(normaliseLine(a), normaliseLine(b), `${a} -> ${b}`);
  assert.notEqual(normaliseLine('Issues (12)'), normaliseLine('Issues (13)'), 'a bare count in parentheses is content');
  assert.notEqual(normaliseLine('Starting MCP servers (1/2)'), normaliseLine('Starting MCP servers (2/2)'));
});

test('ProgressDetector: a status line cycling through ornament frames and losing its timer is no progress', async () => {
  const screen = new ScreenModel({ cols: 60, rows: 5, clock: new FakeClock() });
  const progress = new ProgressDetector();
  const step = async (data: string): Promise<boolean> => {
    screen.write(data);
    await screen.whenParsed();
    return progress.observe(screen.snapshot());
  };
  assert.equal(await step('Reading the repo\r\n❀ Noodling… (2s · ↓ 12 tokens · esc to interrupt)'), true);
  assert.equal(await step('\r\x1b[2K❁ Noodling… (3s · ↓ 40 tokens · esc to interrupt)'), false);
  assert.equal(await step('\r\x1b[2K✼ Noodling… (esc to interrupt)'), false);
  assert.equal(await step('\r\x1b[2K* Noodling… (esc to interrupt)'), false);
  assert.equal(await step('\r\n✔ Read 3 files'), true);
  screen.dispose();
});
