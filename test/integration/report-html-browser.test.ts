import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { onlyRun, writeThreeJobManifest } from '../helpers/report-run.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Debian's chromium (installed by .ci/run); playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

test('report.html from a real run renders in headless Chromium from file://: no console errors, every job, filters and search work', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  writeThreeJobManifest(dir);
  const run = await runCli(['jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 45_000 });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const runDir = onlyRun(path.join(dir, 'runs'));

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(path.join(runDir, 'report.html')).href, { waitUntil: 'load' });

  const rows = page.locator('#jobs tbody tr');
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job'))), ['good', 'broken', 'asks']);
  assert.equal(await page.locator('.tl-row').count(), 3);
  assert.equal(await page.locator('details.job').count(), 3);
  assert.match(await page.locator('#top').innerText(), /codex-run\s+failed\s+jobs\.yaml/);
  // Job output is text, never markup: the fake agent's <b> shows as characters.
  assert.equal(await page.locator('details.job b').count(), 0);
  assert.match(await page.locator('details.job[data-job="good"] pre.transcript').textContent() ?? '', /wrote <b>NOTES\.md<\/b>/);
  // The blocked job explains what to add.
  assert.match(await page.locator('details.job[data-job="asks"] .next').innerText(), /answers:\s+- match: "Apply changes/);
  assert.equal(await page.locator('details.job[data-job="asks"] .tl-mark, .tl-row[data-job="asks"] .tl-mark').count(), 2);

  const visible = async (): Promise<string[]> => rows.evaluateAll((trs) => trs.filter((tr) => (tr as unknown as { offsetParent: unknown }).offsetParent !== null).map((tr) => tr.getAttribute('data-job') ?? ''));
  await page.selectOption('#filter-status', 'failed');
  assert.deepEqual(await visible(), ['broken', 'asks']);
  assert.equal(await page.locator('#shown-count').textContent(), '2 of 3 shown');
  await page.selectOption('#filter-status', 'succeeded');
  assert.deepEqual(await visible(), ['good']);
  await page.selectOption('#filter-status', '');
  await page.selectOption('#filter-agent', 'sh');
  assert.deepEqual(await visible(), ['broken']);
  await page.selectOption('#filter-agent', '');
  assert.deepEqual(await visible(), ['good', 'broken', 'asks']);

  const search = page.locator('details.job[data-job="broken"] .search input');
  await search.fill('expected 200');
  assert.equal(await page.locator('details.job[data-job="broken"] .search-count').textContent(), '1 match');
  assert.equal(await page.locator('details.job[data-job="broken"] pre.transcript mark').textContent(), 'expected 200');
  await search.fill('no such text');
  assert.equal(await page.locator('details.job[data-job="broken"] .search-count').textContent(), '0 matches');
  await search.fill('');

  // The JUnit report is well-formed XML as a browser's parser reads it.
  const junit = readFileSync(path.join(runDir, 'report.junit.xml'), 'utf8');
  // A string expression: the test code compiles without the DOM types.
  const parsed: unknown = await page.evaluate(`(() => {
    const doc = new DOMParser().parseFromString(${JSON.stringify(junit)}, 'application/xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, failures: doc.querySelectorAll('testcase > failure').length };
  })()`);
  assert.deepEqual(parsed, { error: null, cases: 3, failures: 2 });

  // For an engineer to look at: beside the run, and in test-artifacts/ (gitignored).
  await page.evaluate('window.scrollTo(0, 0)');
  const shot = await page.screenshot({ fullPage: true });
  const artifacts = path.join(repoRoot, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(path.join(dir, 'report.png'), shot);
  writeFileSync(path.join(artifacts, 'report.png'), shot);
  assert.ok(shot.length > 10_000);
  assert.deepEqual(problems, []);
});
