import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import type * as Re2 from 're2js';
import { compilePattern } from '../../src/session/policies/pattern.js';
import { literalTest, requiredLiteral } from '../../src/session/policies/pattern-literal.js';
import { repoRoot } from '../helpers/paths.js';

const { RE2JS } = createRequire(import.meta.url)('re2js') as typeof Re2;

test('the literal every match contains is read off the source, or none where the reader does not follow it', () => {
  const cases: Array<[string, boolean, { text: string; ignoreCase: boolean } | null]> = [
    ['Continue\\? \\[y/n\\]', false, { text: 'Continue? [y/n]', ignoreCase: false }],
    ['continue\\?', true, { text: 'continue?', ignoreCase: true }],
    ['(?i)allow (this|the) command', false, { text: ' command', ignoreCase: true }],
    ['(?im)^Password:', false, { text: 'Password:', ignoreCase: true }],
    ['Do you want to (proceed|run this command)\\?', false, { text: 'Do you want to ', ignoreCase: false }],
    // A quantified character ends the run before it.
    ['colou?r scheme', false, { text: 'r scheme', ignoreCase: false }],
    ['ab+cdef', false, { text: 'cdef', ignoreCase: false }],
    ['x{2,3}yz', false, { text: 'yz', ignoreCase: false }],
    ['[Yy]es, and don.t ask again', false, { text: 'es, and don', ignoreCase: false }],
    ['\\d+ files? changed', false, { text: ' changed', ignoreCase: false }],
    ['(?:npm|yarn) (install)+ --force', false, { text: ' --force', ignoreCase: false }],
    // None: alternation at the top level, inline flags later on, POSIX classes, \Q, non-ASCII folded.
    ['yes|no', false, null],
    ['Allow(?i) this', false, null],
    ['[[:alpha:]]+ ok', false, null],
    ['\\Qa.b\\E', false, null],
    ['A\\x42C', false, null],
    ['\\101BC', false, null],
    ['\\pLok', false, null],
    ['.*', false, null],
    ['(?i)fichier créé', false, null],
    ['fichier créé', false, { text: 'fichier créé', ignoreCase: false }],
  ];
  for (const [source, ignoreCase, expected] of cases) {
    assert.deepEqual(requiredLiteral(source, ignoreCase), expected, source);
  }
});

// Screen texts: the captured screens of the three agents, and a few made up with case and folding variants.
function screens(): string[] {
  const reference = path.join(repoRoot, '..', 'shared', 'reference');
  const texts: string[] = [];
  for (const agent of fs.readdirSync(reference)) {
    const captures = path.join(reference, agent, 'captures');
    if (!fs.existsSync(captures)) continue;
    for (const name of fs.readdirSync(captures)) if (name.endsWith('.txt')) texts.push(fs.readFileSync(path.join(captures, name), 'utf8'));
  }
  assert.ok(texts.length >= 50, `expected the reference captures, found ${texts.length} screens`);
  const made = [
    'CONTINUE? [Y/N]\nContinue? [y/n]\ncontinue?',
    'Allow THE Command\nallow this command? [y/n]',
    'password: \nPASSWORD:\n  Password:',
    'o\u212a to proceed\nOK TO PROCEED',
    'colour scheme\ncolor scheme\ncolouur scheme',
    'abbbcdef acdef',
    'xxyz xyz xxxyz',
    "Yes, and don't ask again\nyes, and don`t ask again",
    '3 files changed\n1 file changed',
    'npm install --force\nyarn installinstall --force',
    'fichier créé\nFICHIER CRÉÉ',
    'ABC DEF\nxok then',
  ];
  return [...texts, ...made];
}

test('a screen without the literal has no match, whatever the pattern: the literal is in every match re2js finds', () => {
  const sources: Array<[string, boolean]> = [
    ['Continue\\? \\[y/n\\]', false],
    ['continue\\?', true],
    ['(?i)allow (this|the) command', false],
    ['(?im)^Password:', false],
    ['(?i)ok to proceed', false],
    ['Do you want to (proceed|run this command)\\?', false],
    ['colou?r scheme', false],
    ['ab+cdef', false],
    ['x{2,3}yz', false],
    ['[Yy]es, and don.t ask again', false],
    ['\\d+ files? changed', false],
    ['(?:npm|yarn) (install)+ --force', false],
    ['fichier créé', false],
    ['Would you like to run the following command\\?', false],
    ['(?i)yes, allow', false],
    ['esc to interrupt', true],
    ['(?i)\\[y/n\\]\\s*$', false],
    ['rm -rf', false],
    ['(?i)trust (the|this) (folder|directory)', false],
    ['(?i)do you trust', false],
    ['Allow .* command', false],
    ['^\\s*> ', false],
    ['1\\. Yes', false],
    ['A\\x42C', false],
    ['\\101BC', false],
    ['\\pLok then', false],
    ['(?i)press enter', false],
  ];
  let matched = 0;
  let skipped = 0;
  const texts = screens();
  for (const [source, ignoreCase] of sources) {
    const literal = requiredLiteral(source, ignoreCase);
    const compiled = RE2JS.compile(source, RE2JS.MULTILINE | (ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
    const pattern = compilePattern(source, { ignoreCase });
    assert.ok(pattern.ok, source);
    for (const text of texts) {
      // Every match, found without the literal: each holds it.
      const m = compiled.matcher(text);
      const all: string[] = [];
      for (let from = 0; from <= text.length && m.find(from); from = m.end() > m.start() ? m.end() : m.end() + 1) all.push(text.slice(m.start(), m.end()));
      if (literal !== null) {
        const holds = literalTest(literal);
        for (const found of all) assert.ok(holds(found), `${JSON.stringify(source)} matched ${JSON.stringify(found)}, without its literal ${JSON.stringify(literal.text)}`);
        if (!holds(text)) skipped++;
      }
      // And the pattern as rules use it finds the same last match.
      const last = pattern.value.lastMatch(text);
      assert.equal(last?.text ?? null, all.at(-1) ?? null, `${JSON.stringify(source)} on a screen`);
      if (all.length > 0) matched++;
    }
  }
  // The check above is not empty: patterns matched, and screens were passed over.
  assert.ok(matched >= 20, `${matched} screens matched`);
  assert.ok(skipped >= 100, `${skipped} screens passed over`);
});

test('a case-insensitive rule still finds what RE2 folds to its letters (the Kelvin sign for k)', () => {
  const pattern = compilePattern('ok to proceed', { ignoreCase: true });
  assert.ok(pattern.ok);
  assert.equal(pattern.value.lastMatch('Say O\u212a TO Proceed?')?.text, 'O\u212a TO Proceed');
  assert.equal(pattern.value.lastMatch('nothing here'), null);
});
