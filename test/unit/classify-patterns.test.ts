import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { classifyScreen, classifySnapshot } from '../../src/index.js';
import type { ScreenVerdict } from '../../src/session/classify/types.js';
import { ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';

const DOWN = '\x1b[B';
const UP = '\x1b[A';
const RIGHT = '\x1b[C';

/** The hand-written screen `name` of test/fixtures/screens/ (its state is the part before `--`). */
function screen(name: string): string {
  return fs.readFileSync(path.join(fixture('screens'), `${name}.txt`), 'utf8');
}

function options(v: ScreenVerdict): [string, string[]][] {
  return (v.question?.options ?? []).map((o) => [o.label, o.keys]);
}

function show(v: ScreenVerdict): string {
  return JSON.stringify(v);
}

test('every hand-written screen is classified as its file name says', { timeout: 10_000 }, () => {
  const files = fs.readdirSync(fixture('screens')).filter((f) => f.endsWith('.txt'));
  assert.ok(files.length >= 20);
  for (const file of files) {
    const expected = file.split('--')[0];
    const verdict = classifyScreen(fs.readFileSync(path.join(fixture('screens'), file), 'utf8'));
    assert.equal(verdict.state, expected, `${file}: ${show(verdict)}`);
    assert.equal(verdict.question !== undefined, expected === 'waiting_input', `${file}: a question exactly when waiting`);
    assert.ok(verdict.reason.length > 0);
  }
});

test('yes/no and letter prompts: each letter chooses its option, Enter only when the screen says so', { timeout: 10_000 }, () => {
  let v = classifyScreen(screen('waiting_input--yes-no'));
  assert.deepEqual(options(v), [['Yes', ['y']], ['No', ['n']]]);
  assert.equal(v.question?.text, 'Remove the build folder? [y/N]');
  v = classifyScreen(screen('waiting_input--letters-choice'));
  assert.deepEqual(options(v), [['keep', ['k']], ['skip', ['s']], ['merge', ['m']]], 'labels from the [k]eep line above');
  v = classifyScreen(screen('waiting_input--letters-bracketed'));
  assert.deepEqual(options(v), [['Retry', ['r']], ['Quit', ['q']]]);
  v = classifyScreen(screen('waiting_input--letters-words'));
  assert.deepEqual(options(v), [['save', ['s']], ['discard', ['d']]]);
  v = classifyScreen(screen('waiting_input--letters-enter'));
  assert.deepEqual(options(v), [['Yes', ['y', '\r']]], '(y) (enter): the letter, then Enter');
  v = classifyScreen(screen('waiting_input--confirm-with'));
  assert.deepEqual(options(v), [['Approve', ['A', '\r']]], 'Shift + A Enter');
  v = classifyScreen('Overwrite notes.md? (A)ll/(O)ne/(N)one');
  assert.deepEqual(options(v), [['All', ['a']], ['One', ['o']], ['None', ['n']]]);
});

test('numbered menus, also inside box borders: the digit chooses; the question above is the text', { timeout: 10_000 }, () => {
  const v = classifyScreen(screen('waiting_input--numbered-in-box'));
  assert.equal(v.question?.text, 'Delete the cache folder?');
  assert.deepEqual(options(v), [['Delete it', ['1']], ['Keep it', ['2']], ['Ask me later', ['3']]]);
  const codexLike = classifyScreen(screen('waiting_input--footer-below'));
  assert.equal(codexLike.state, 'waiting_input', 'footer lines below the menu are looked past');
  assert.deepEqual(options(codexLike).map(([, keys]) => keys), [['1'], ['2'], ['3']]);
  assert.equal(codexLike.question?.text, 'I need to run a command outside the sandbox.');
});

test('an unnumbered menu with a cursor: arrow keys relative to the cursor row, then Enter', { timeout: 10_000 }, () => {
  const v = classifyScreen(screen('waiting_input--cursor-menu'));
  assert.equal(v.question?.text, 'Switch the branch to release/2.0?');
  assert.deepEqual(options(v), [
    ['Stay on main', [UP, '\r']],
    ['Switch now', ['\r']],
    ['Cancel', [DOWN, '\r']],
  ]);
  const keyed = classifyScreen('Ready to publish\n → Publish now (y)\n   Publish later (shift+tab)\n   Skip (esc or n)');
  assert.deepEqual(options(keyed), [['Publish now', ['y']], ['Publish later', ['\x1b[Z']], ['Skip', ['n']]], 'a key named on the option wins');
});

test('options side by side: right arrows from the first, then Enter', { timeout: 10_000 }, () => {
  const v = classifyScreen(screen('waiting_input--inline-options'));
  assert.deepEqual(options(v), [['Allow once', ['\r']], ['Always allow', [RIGHT, '\r']], ['Deny', [RIGHT, RIGHT, '\r']]]);
});

test('key hints and waiting wording without a question mark', { timeout: 10_000 }, () => {
  const hints = classifyScreen(screen('waiting_input--key-hints'));
  assert.equal(hints.question?.text, 'Which environment should I deploy to?');
  assert.match(hints.reason, /key hint/);
  for (const hint of ['enter to submit | esc to cancel', 'Press Enter to continue', '↵ to select', 'tab to add notes', 'shift+tab to approve']) {
    assert.equal(classifyScreen(`Some plan text\n${hint}`).state, 'waiting_input', hint);
  }
  assert.equal(classifyScreen(screen('waiting_input--waiting-wording')).reason, 'waiting wording');
  for (const wording of ['Waiting for user confirmation...', '! Permission required', 'Deploy approval pending', 'This tool call needs your approval']) {
    assert.equal(classifyScreen(`Prepared the change.\n${wording}`).state, 'waiting_input', wording);
  }
  assert.notEqual(classifyScreen('Uploading\nWaiting for the server to answer...').state, 'waiting_input', 'waiting for something else is not a question');
});

test('idle prompts: an empty input box, a reply that ends in a question, typed text', { timeout: 10_000 }, () => {
  assert.equal(classifyScreen(screen('idle_ready--empty-box')).state, 'idle_ready');
  assert.equal(classifyScreen(screen('idle_ready--reply-question')).state, 'idle_ready', "the agent's reply asking in prose is the end of a turn");
  assert.equal(classifyScreen(screen('idle_ready--named-prompt')).state, 'idle_ready', 'a question typed into the prompt asks nothing');
  assert.equal(classifyScreen(screen('waiting_input--request-above-prompt')).state, 'waiting_input', 'a request right above an empty prompt waits for the answer there');
});

test('working: a spinner or interrupt hint below a question-looking line wins', { timeout: 10_000 }, () => {
  for (const name of ['working--spinner', 'working--question-above-spinner', 'working--menu-above-spinner', 'working--footer-interrupt']) {
    const v = classifyScreen(screen(name));
    assert.equal(v.state, 'working', `${name}: ${show(v)}`);
  }
  assert.equal(classifyScreen('Approve? [y/n] y\nwrote config.toml').state, 'other', 'an answered prompt with output below is history');
});

test('agent knowledge: codex hides its composer while asking, Claude cancels only dialogs, Gemini asks without "?"', { timeout: 10_000 }, () => {
  const oldDialog = ['Would you like to run the following command?', '› 1. Yes, proceed (y)', '  2. No (esc)', '  Press enter to confirm or esc to cancel', '• Ran it.', '› ', '  model-x · ~/src'].join('\n');
  assert.equal(classifyScreen(oldDialog, { agent: 'codex' }).state, 'idle_ready', "codex's composer is back: the dialog is history");
  const above = ['Delete the temp files? [y/n]', '› '].join('\n');
  assert.equal(classifyScreen(above).state, 'waiting_input', 'for an agent nobody described, the prompt is where the answer goes');
  assert.equal(classifyScreen(above, { agent: 'codex' }).state, 'idle_ready');
  assert.equal(classifyScreen('Edited two files\nesc to cancel', { agent: 'claude' }).state, 'waiting_input');
  assert.notEqual(classifyScreen('Edited two files\nesc to cancel').state, 'waiting_input', 'generic: "esc to cancel" alone is shown by busy agents too');
  assert.equal(classifyScreen('Tool output\n│ Allow execution\n│ >', { agent: 'gemini' }).state, 'waiting_input');
  assert.equal(classifyScreen('Tool output\n│ Allow execution\n│ >', { agent: 'someone-else' }).state, 'idle_ready');
});

async function snapshotOf(data: string, cols: number, rows = 12): Promise<ReturnType<ScreenModel['snapshot']>> {
  const model = new ScreenModel({ cols, rows, clock: new FakeClock() });
  try {
    model.write(data);
    await model.whenParsed();
    return model.snapshot();
  } finally {
    model.dispose();
  }
}

test('classifySnapshot joins wrapped lines and uses the cursor', { timeout: 10_000 }, async () => {
  const wrapped = await snapshotOf('Run the database migration on the staging cluster now? [y/n] ', 20);
  const v = classifySnapshot(wrapped);
  assert.equal(v.state, 'waiting_input');
  assert.equal(v.question?.text, 'Run the database migration on the staging cluster now? [y/n]');
  assert.equal(v.question?.row, 0);
  const menu = await snapshotOf('Pick a region\r\n❯ 1. Europe (Frankfurt, long label that wraps)\r\n  2. US East\r\n', 24);
  assert.deepEqual(options(classifySnapshot(menu)), [['Europe (Frankfurt, long label that wraps)', ['1']], ['US East', ['2']]]);
  assert.equal(classifySnapshot(await snapshotOf('Shall I go on?', 40)).state, 'waiting_input', 'the cursor is on the question');
  assert.notEqual(classifySnapshot(await snapshotOf('Shall I go on?\x1b[8;1H', 40)).state, 'waiting_input', 'the cursor is elsewhere');
});

test('generic rules: prompts in the styles of tools nobody described', { timeout: 10_000 }, () => {
  const cases: [string, string, string[][]][] = [
    ['Allow running `rm -rf dist`?\n  ▸ Allow\n    Allow all\n    Deny', 'waiting_input', [['\r'], [DOWN, '\r'], [DOWN, DOWN, '\r']]],
    ['? Which framework do you want to use? (Use arrow keys)\n❯ React\n  Vue', 'waiting_input', [['\r'], [DOWN, '\r']]],
    ['Accept changes? [Y]es / [N]o / [A]lways', 'waiting_input', [['y'], ['n'], ['a']]],
    ['Run shell command? (Y)es/(N)o [Yes]: ', 'waiting_input', [['y'], ['n']]],
    ['◐ Generating response', 'working', []],
    // A setting's icon and the command that changes it, in a footer: a still mode indicator.
    ['> done\n                                       ◐ medium · /effort\n────────\n> \n────────\n  ? for shortcuts', 'idle_ready', []],
    ['> go\n◐ Generating response · esc to interrupt\n◑ high · /effort\n> ', 'working', []],
    ['> run the tests\n  All 12 tests pass.\n  No errors found.\n>', 'idle_ready', []],
  ];
  for (const [text, state, keys] of cases) {
    const v = classifyScreen(text);
    assert.equal(v.state, state, `${text}: ${show(v)}`);
    assert.deepEqual((v.question?.options ?? []).map((o) => o.keys), keys, text);
  }
});

test('the question text is the asking sentence: inside a wrapped paragraph, or the agent\'s own dialog question above a nearer "…?" line', { timeout: 10_000 }, () => {
  const paragraph = classifyScreen(
    [
      '  Workspace check',
      '  Allow edits in this repository? The tool may change files here and run its checks. You can',
      '  revoke this later in the settings.',
      '› 1. Allow',
      '  2. Leave',
      '  enter confirm · esc back',
    ].join('\n'),
  );
  assert.equal(paragraph.state, 'waiting_input', show(paragraph));
  assert.equal(paragraph.question?.text, 'Allow edits in this repository?');

  const dialog = [
    '  Would you like to run the following command?',
    '',
    '  Reason: Is the cache stale?',
    '',
    '',
    '',
    '',
    '',
    '  $ rm -r build/cache',
    '',
    '',
    '› 1. Yes, proceed (y)',
    '  2. No, and tell Codex what to do differently (esc)',
    '',
    '  Press enter to confirm or esc to cancel',
  ].join('\n');
  assert.equal(classifyScreen(dialog, { agent: 'codex' }).question?.text, 'Would you like to run the following command?');
  // Without the agent's knowledge, the nearest asking line is the question: still waiting.
  assert.equal(classifyScreen(dialog).state, 'waiting_input');
});

test('input requests after a colon on the last line: a password, an inquirer field, a number for the menu above', { timeout: 10_000 }, () => {
  const menu = classifyScreen(screen('waiting_input--numbered-then-input'));
  assert.equal(menu.question?.text, 'Choose a region:');
  assert.deepEqual(options(menu), [['eu-west', ['1', '\r']], ['us-east', ['2', '\r']], ['ap-south', ['3', '\r']]], 'the number is typed, then Enter');
  const password = classifyScreen(screen('waiting_input--password'));
  assert.equal(password.question?.text, '[sudo] password for dev:');
  assert.deepEqual(options(password), []);
  assert.equal(classifyScreen(screen('waiting_input--inquirer-input')).question?.text, 'Package name: (my-lib)');
  assert.equal(classifyScreen('? Service name › billing-api').question?.text, 'Service name', "the prompts library's mark and default are not the question");
  const select = classifyScreen('? Pick a runtime › - Use arrow-keys. Return to submit.\n❯   node\n    deno');
  assert.equal(select.question?.text, 'Pick a runtime');
  assert.deepEqual(options(select), [['node', ['\r']], ['deno', [DOWN, '\r']]]);
  assert.deepEqual(options(classifyScreen('This deletes 3 branches.\nType "delete" to confirm: ')), [['delete', ['delete', '\r']]], 'the word to type, then Enter');
  for (const text of ['Passphrase for key /home/dev/.ssh/id: ', 'Enter your name: ', 'Your choice: ', "Username for 'https://git.example.org': ", "? What's the name of the service? "]) {
    assert.equal(classifyScreen(`Starting.\n${text}`).state, 'waiting_input', text);
  }
  assert.equal(classifyScreen('Password: ok\n$ ').state, 'other', 'a colon line with output below is history');
  assert.equal(classifyScreen('Enter a number:\n> 4\nDone.').state, 'other');
  assert.equal(classifyScreen('Summary:').state, 'other', 'a heading is not an input request');
});

test('boxes drawn in ASCII, radio menus, answers typed as words, a single key after the question', { timeout: 10_000 }, () => {
  const box = classifyScreen(screen('waiting_input--ascii-box-menu'));
  assert.equal(box.question?.text, 'Staging build 4.2 is ready');
  assert.deepEqual(options(box), [['Ship it', ['1']], ['Hold it', ['2']]]);
  const radio = classifyScreen(screen('waiting_input--radio-menu'));
  assert.equal(radio.question?.text, 'Run `make clean` in ~/src/shop?');
  assert.deepEqual(options(radio), [['Allow once', ['\r']], ['Allow for this session', [DOWN, '\r']], ['Deny', ['\x1b']]], 'the filled dot is the cursor; a named key wins');
  const up = classifyScreen('Which plan?\n○ Free\n● Team\n○ Enterprise');
  assert.deepEqual(options(up), [['Free', [UP, '\r']], ['Team', ['\r']], ['Enterprise', [DOWN, '\r']]]);
  assert.equal(classifyScreen(screen('other--progress-dots')).state, 'other', 'a progress list of dots asks nothing');
  const boxes = classifyScreen('? Select the checks to run (Press <space> to select, <enter> to proceed)\n ◯ lint\n❯◉ unit\n ◯ e2e');
  assert.equal(boxes.question?.text, 'Select the checks to run (Press <space> to select, <enter> to proceed)');
  assert.equal(boxes.question?.row, 0);
  assert.deepEqual(options(boxes), [['lint', [UP, ' ', '\r']], ['unit', [' ', '\r']], ['e2e', [DOWN, ' ', '\r']]], 'a checkbox list: move, tick with space, Enter');
  const words = classifyScreen(screen('waiting_input--word-answers'));
  assert.equal(words.question?.text, 'Overwrite the remote copy (yes/no/[diff])?');
  assert.deepEqual(options(words), [['Yes', ['yes', '\r']], ['No', ['no', '\r']]], 'words are typed in full, then Enter; the [diff] placeholder is no option');
  const single = classifyScreen(screen('waiting_input--single-key'));
  assert.equal(single.question?.text, 'Ok to proceed?');
  assert.deepEqual(options(single), [['Yes', ['y']]]);
});

test('key hints to continue, a question above an empty prompt whatever its wording, the heading of a wrapped paragraph', { timeout: 10_000 }, () => {
  const key = classifyScreen(screen('waiting_input--any-key'));
  assert.deepEqual(options(key), [['Continue', ['\r']]]);
  assert.equal(classifyScreen('Done.\nHit space to proceed').question?.options[0]?.keys[0], ' ');
  const asked = classifyScreen(screen('waiting_input--question-above-prompt'));
  assert.equal(asked.question?.text, 'Which port should the server listen on?');
  assert.equal(classifyScreen('Which database would you like to use?\n\n> ').state, classifyScreen('Proceed?\n\n> ').state, 'a question is a question, whatever word starts it');
  assert.equal(classifyScreen('Which port?\nI picked 8080.\n> ').state, 'idle_ready', 'output between the question and the prompt: nothing asked');
  const paragraph = classifyScreen(screen('waiting_input--menu-under-paragraph'));
  assert.equal(paragraph.question?.text, 'Faster builds', 'the heading, not the fragment "work they did last time, see the notes."');
  const noHeading = classifyScreen('The new cache keeps compiled modules between runs. It is\nfaster, see the notes.\n› 1. Turn it on\n  2. Not now');
  assert.equal(noHeading.question?.text, 'The new cache keeps compiled modules between runs.');
});

test('raw input: escape sequences are dropped; a non-string is a TypeError that names what it got', { timeout: 10_000 }, () => {
  const v = classifyScreen(screen('waiting_input--ansi-colours'));
  assert.equal(v.question?.text, 'Drop the local changes? [y/N]');
  assert.deepEqual(options(v), [['Yes', ['y']], ['No', ['n']]]);
  assert.equal(classifyScreen('\x1b]0;title\x07\x1b[2K\x1b[32m❯\x1b[0m 1. Yes\n  2. No').question?.options[0]?.label, 'Yes');
  const call = classifyScreen as (text: unknown) => unknown;
  assert.throws(() => call(null), { name: 'TypeError', message: 'classifyScreen: expected a string, got null' });
  assert.throws(() => call(undefined), { name: 'TypeError', message: 'classifyScreen: expected a string, got undefined' });
  assert.throws(() => call(42), { name: 'TypeError', message: 'classifyScreen: expected a string, got number' });
});
