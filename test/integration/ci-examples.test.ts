import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { workflowProblems } from '../helpers/github-workflow-parser.js';
import { killTree } from '../helpers/kill-tree.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

// The examples users copy (docs/ci/): valid for their CI, and every codex-run command in them is
// run here, in order, as the CI would run it (the image replaced by this checkout).

const GITHUB_FILE = path.join(repoRoot, 'docs', 'ci', 'github-actions.yml');
const GITLAB_FILE = path.join(repoRoot, 'docs', 'ci', 'gitlab-ci.yml');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string | number>;
  with?: Record<string, string | number | boolean>;
}
interface GithubJob {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: unknown };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  env: Record<string, string | number>;
  jobs: Record<string, GithubJob>;
}
interface GitlabJob {
  stage: string;
  parallel?: number;
  script: string[];
  needs?: Array<{ job: string; artifacts: boolean }>;
  when?: string;
  artifacts: { when?: string; paths: string[]; reports?: { junit?: string } };
}

const workflow = (): Workflow => parse(readFileSync(GITHUB_FILE, 'utf8')) as Workflow;
const gitlab = (): Record<string, unknown> => parse(readFileSync(GITLAB_FILE, 'utf8')) as Record<string, unknown>;

function step(job: GithubJob, pick: (s: Step) => boolean, what: string): Step {
  const found = job.steps.find(pick);
  assert.ok(found !== undefined, `no step ${what}`);
  return found;
}

test('docs/ci/github-actions.yml is a valid workflow for GitHub (its own parser) with the plan, shard and merge jobs the docs describe', { timeout: 60_000 }, async () => {
  assert.deepEqual(await workflowProblems('github-actions.yml', readFileSync(GITHUB_FILE, 'utf8')), []);
  // The parser does catch mistakes (so the empty list above means something).
  const text = readFileSync(GITHUB_FILE, 'utf8');
  const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
  assert.deepEqual(await workflowProblems('a.yml', text.replace('fail-fast: false', 'fail-fast: nope')), [`a.yml (Line: ${lineOf('fail-fast: false')}, Col: 18): Unexpected value 'nope'`]);
  assert.deepEqual(await workflowProblems('b.yml', text.replace('needs: [plan, shard]', 'needs: [plan, shards]')), [`b.yml (Line: ${lineOf('needs: [plan, shard]')}, Col: 19): Job 'merge' depends on unknown job 'shards'.`]);
  assert.match((await workflowProblems('c.yml', text.replace('fromJSON(needs.plan.outputs.matrix)', 'fromJSON(needs.plan.outputs.matrix')))[0] ?? '', /Unexpected symbol/);

  const { jobs } = workflow();
  const plan = jobs['plan']!;
  assert.equal(plan.outputs?.['matrix'], '${{ steps.plan.outputs.matrix }}');
  assert.match(step(plan, (s) => s.id === 'plan', 'id: plan').run ?? '', /--format github-matrix\)"\n.*>> "\$GITHUB_OUTPUT"/);
  const shard = jobs['shard']!;
  assert.equal(shard.needs, 'plan');
  assert.equal(shard.strategy?.['fail-fast'], false);
  assert.equal(shard.strategy?.matrix, '${{ fromJSON(needs.plan.outputs.matrix) }}');
  const upload = step(shard, (s) => s.uses === 'actions/upload-artifact@v4', 'uploading the shard');
  assert.equal(upload.if, 'always()');
  // Re-running a failed shard uploads its artifact again (without overwrite: a 409 conflict).
  for (const job of Object.values(jobs)) for (const s of job.steps.filter((s) => s.uses === 'actions/upload-artifact@v4')) assert.equal(s.with?.['overwrite'], true, String(s.with?.['name']));
  // The shard's run folder is outside the checkout (the agents would see it in `git status`).
  assert.match(step(shard, runsCodexRun, 'running the shard').run ?? '', /--out "\$RUNNER_TEMP\//);
  assert.match(String(upload.with?.['path']), /^\$\{\{ runner\.temp \}\}\//);
  // Versions pinned, and no separate @openai/codex replacing the one codex-run pins.
  assert.match(String(workflow().env['CODEX_RUN_VERSION']), /^[0-9]+\.[0-9]+\.[0-9]+$/);
  for (const job of Object.values(jobs)) for (const s of job.steps) assert.doesNotMatch(s.run ?? '', /@openai\/codex/);
  const merge = jobs['merge']!;
  assert.deepEqual(merge.needs, ['plan', 'shard']);
  assert.equal(merge.if, 'always()');
  assert.equal(merge.permissions?.['checks'], 'write', 'the JUnit action writes a check');
  const download = step(merge, (s) => s.uses === 'actions/download-artifact@v4', 'downloading the shards');
  assert.equal(download.with?.['pattern'], 'codex-run-shard-*');
  assert.equal(download.with?.['path'], 'shards');
  assert.match(String(upload.with?.['name']), /^codex-run-shard-/, 'the upload name matches the download pattern');
  const junit = step(merge, (s) => (s.uses ?? '').startsWith('mikepenz/action-junit-report@'), 'publishing JUnit');
  assert.equal(junit.if, 'always()');
  assert.equal(junit.with?.['report_paths'], 'merged/report.junit.xml');
  assert.match(step(merge, (s) => (s.run ?? '').includes('GITHUB_STEP_SUMMARY') && (s.run ?? '').startsWith('cat'), 'the summary').run ?? '', /cat merged\/report\.md >> "\$GITHUB_STEP_SUMMARY"/);
  assert.equal(step(merge, (s) => s.uses === 'actions/upload-artifact@v4', 'uploading the merged folder').with?.['path'], 'merged/');
});

test('docs/ci/gitlab-ci.yml: parallel shards with artifacts kept on failure, and a merge job that needs them and publishes JUnit', { timeout: 30_000 }, () => {
  const file = gitlab();
  assert.deepEqual(file['stages'], ['shards', 'merge']);
  const shard = file['codex-run-shard'] as GitlabJob;
  const merge = file['codex-run-merge'] as GitlabJob;
  assert.equal(shard.stage, 'shards');
  assert.ok(Number.isInteger(shard.parallel) && shard.parallel! >= 2 && shard.parallel! <= 200, 'parallel: a whole number GitLab accepts');
  assert.equal(shard.artifacts.when, 'always');
  const install = ((file['default'] as { before_script: string[] }).before_script).join('\n');
  assert.match(install, /codex-run@[0-9]+\.[0-9]+\.[0-9]+/, 'codex-run pinned');
  assert.doesNotMatch(install, /@openai\/codex/, 'no separate Codex CLI replacing the pinned one');
  assert.deepEqual(shard.artifacts.paths, ['shards/$CI_NODE_INDEX/']);
  assert.equal(merge.stage, 'merge');
  assert.deepEqual(merge.needs, [{ job: 'codex-run-shard', artifacts: true }]);
  assert.equal(merge.when, 'always');
  assert.equal(merge.artifacts.when, 'always');
  assert.equal(merge.artifacts.reports?.junit, 'merged/report.junit.xml');
  // --require-shards names the same N as parallel:.
  assert.match(merge.script.join('\n'), new RegExp(`--require-shards ${shard.parallel}\\b`));
  // Only keys GitLab knows, at the top and in each job (GitLab's schema is not shipped in a package).
  const jobKeys = new Set(['stage', 'parallel', 'timeout', 'script', 'before_script', 'after_script', 'needs', 'when', 'artifacts', 'image', 'variables']);
  for (const [name, value] of Object.entries(file)) {
    if (['stages', 'default', 'variables', 'workflow', 'include'].includes(name)) continue;
    for (const key of Object.keys(value as object)) assert.ok(jobKeys.has(key), `${name}.${key}`);
  }
});

// ---- Running the examples' commands ----

/** A manifest of four quick jobs, and a `codex-run` on PATH that is this checkout's CLI. */
function workspace(): { dir: string; bin: string } {
  const dir = tempDir();
  const jobs = ['alpha', 'bravo', 'charlie', 'delta'];
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    ['version: 1', 'jobs:', ...jobs.flatMap((name) => [`  ${name}:`, '    agent: command', `    command: [node, -e, "console.log('${name} ran')"]`]), ''].join('\n'),
  );
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'codex-run'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'bin', 'codex-run.js'))} "$@"\n`);
  chmodSync(path.join(bin, 'codex-run'), 0o755);
  return { dir, bin };
}

/** Runs a CI script with bash (`bash -e`, as both CIs do) in its own process group, killed on the deadline or when the test ends. */
function bash(script: string, options: { cwd: string; env: Record<string, string>; bin: string }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(CI_|GITHUB_|CODEX_RUN_SHARD$|JOB_COMPLETION_INDEX$)/.test(k)) env[k] = v;
    const child = spawn('bash', ['-e', '-c', script], {
      cwd: options.cwd,
      env: { ...env, NO_COLOR: '1', CI: 'true', ...options.env, PATH: `${options.bin}:${process.env['PATH'] ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const kill = (): void => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killTree(child.pid);
    };
    after(kill);
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`script did not finish in 60 s: ${script}\n${output}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// `${{ matrix.X }}`, `${{ env.X }}`, `${{ runner.temp }}`, `${{ secrets.X }}` (empty), as GitHub substitutes them before the shell runs.
function githubExpand(text: string, context: { matrix: Record<string, unknown>; env: Record<string, string> }): string {
  return text.replace(/\$\{\{\s*(matrix|env|secrets|runner)\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g, (_, scope: string, name: string) =>
    scope === 'matrix' ? String(context.matrix[name] ?? '') : scope === 'env' ? (context.env[name] ?? '') : scope === 'runner' && name === 'temp' ? (context.env['RUNNER_TEMP'] ?? '') : '',
  );
}

function stepEnv(s: Step, context: { matrix: Record<string, unknown>; env: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, githubExpand(String(v), context)]));
}

const runsCodexRun = (s: Step): boolean => s.run !== undefined && /(^|[\s(])codex-run /.test(s.run) && !s.run.startsWith('npm ');

test('the GitHub Actions example, run step by step: plan emits the matrix, each shard runs, artifacts are merged into one report with summary and JUnit', { timeout: 180_000 }, async () => {
  const { dir, bin } = workspace();
  const wf = workflow();
  const globalEnv = Object.fromEntries(Object.entries(wf.env).map(([k, v]) => [k, String(v)]));
  const shards = Number(globalEnv['SHARDS']);

  // plan
  const output = path.join(dir, 'github-output');
  writeFileSync(output, '');
  const planStep = step(wf.jobs['plan']!, (s) => s.id === 'plan', 'id: plan');
  const planned = await bash(planStep.run!, { cwd: dir, env: { ...globalEnv, GITHUB_OUTPUT: output }, bin });
  assert.equal(planned.code, 0, planned.output);
  const line = readFileSync(output, 'utf8').split('\n').find((l) => l.startsWith('matrix='));
  assert.ok(line !== undefined, readFileSync(output, 'utf8'));
  const matrix = JSON.parse(line.slice('matrix='.length)) as { include: Array<Record<string, unknown>> };
  assert.equal(matrix.include.length, shards, 'one matrix entry per shard, empty ones too');

  // shards, then upload and download as the artifact actions do (download: <path>/<artifact name>/);
  // GitHub gives every step RUNNER_TEMP and GITHUB_STEP_SUMMARY.
  const runnerTemp = path.join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  globalEnv['RUNNER_TEMP'] = runnerTemp;
  const summary = path.join(dir, 'step-summary.md');
  writeFileSync(summary, '');
  const shardJob = wf.jobs['shard']!;
  const run = step(shardJob, runsCodexRun, 'running the shard');
  const upload = step(shardJob, (s) => s.uses === 'actions/upload-artifact@v4', 'upload');
  const merge = wf.jobs['merge']!;
  const download = step(merge, (s) => s.uses === 'actions/download-artifact@v4', 'download');
  for (const entry of matrix.include) {
    const context = { matrix: entry, env: globalEnv };
    const ran = await bash(githubExpand(run.run!, context), { cwd: dir, env: { ...globalEnv, ...stepEnv(run, context), GITHUB_STEP_SUMMARY: summary }, bin });
    assert.equal(ran.code, 0, `shard ${String(entry['shard'])}: ${ran.output}`);
    assert.equal(readFileSync(summary, 'utf8'), '', 'a shard leaves the step summary to the merge');
    const uploaded = path.resolve(dir, githubExpand(String(upload.with!['path']), context));
    assert.ok(existsSync(uploaded), `the shard wrote ${uploaded}`);
    cpSync(uploaded, path.join(dir, String(download.with!['path']), githubExpand(String(upload.with!['name']), context)), { recursive: true });
  }

  // merge, summary, JUnit
  for (const s of merge.steps.filter((s) => s.run !== undefined && !s.run.startsWith('npm '))) {
    const done = await bash(s.run!, { cwd: dir, env: { ...globalEnv, GITHUB_STEP_SUMMARY: summary }, bin });
    assert.equal(done.code, 0, `${s.name ?? s.run}: ${done.output}`);
  }
  const merged = path.join(dir, 'merged');
  const report = JSON.parse(readFileSync(path.join(merged, 'report.json'), 'utf8')) as { jobs: Array<{ name: string; status: string }> };
  assert.deepEqual(report.jobs.map((j) => j.name).sort(), ['alpha', 'bravo', 'charlie', 'delta']);
  assert.equal(readFileSync(summary, 'utf8'), readFileSync(path.join(merged, 'report.md'), 'utf8'), 'the summary holds the merged report once');
  const junit = step(merge, (s) => (s.uses ?? '').startsWith('mikepenz/'), 'junit');
  assert.match(readFileSync(path.join(dir, String(junit.with!['report_paths'])), 'utf8'), /<testsuites?[ >]/);
});

test('the GitLab CI example, run job by job: parallel shards by CI_NODE_INDEX, then the merge writes the JUnit report GitLab reads', { timeout: 180_000 }, async () => {
  const { dir, bin } = workspace();
  // GitLab runs the jobs in a clone of the project.
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const file = gitlab();
  const shard = file['codex-run-shard'] as GitlabJob;
  const merge = file['codex-run-merge'] as GitlabJob;
  const total = shard.parallel!;
  for (let index = 1; index <= total; index++) {
    const env = { CI_NODE_INDEX: String(index), CI_NODE_TOTAL: String(total) };
    const ran = await bash(shard.script.join('\n'), { cwd: dir, env, bin });
    assert.equal(ran.code, 0, `shard ${index}: ${ran.output}`);
    for (const kept of shard.artifacts.paths) assert.ok(existsSync(path.join(dir, kept.replace('$CI_NODE_INDEX', String(index)))), kept);
  }
  assert.doesNotMatch(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' }), /shards\//, 'the agents do not see the run folders');
  const merged = await bash(merge.script.join('\n'), { cwd: dir, env: {}, bin });
  assert.equal(merged.code, 0, merged.output);
  const report = JSON.parse(readFileSync(path.join(dir, 'merged', 'report.json'), 'utf8')) as { jobs: Array<{ name: string }> };
  assert.deepEqual(report.jobs.map((j) => j.name).sort(), ['alpha', 'bravo', 'charlie', 'delta']);
  assert.match(readFileSync(path.join(dir, merge.artifacts.reports!.junit!), 'utf8'), /<testsuites?[ >]/);
});
