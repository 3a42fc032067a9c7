import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The command that rendered docs/k8s/*.yaml (docs/k8s/README.md shows the same). */
export const DOCS_K8S_ARGS = ['k8s', 'jobs.yaml', '--shards', '5', '--image', 'ghcr.io/your-org/codex-run-night:latest', '--pvc', 'codex-results'];

interface Container {
  command: string[];
  args: string[];
  env: Array<{ name: string; value?: string }>;
}

// Kubernetes' expansion of `$(VAR)` in command and args: declared variables are replaced,
// `$$(VAR)` is a literal `$(VAR)`, and an undeclared `$(VAR)` stays as it is.
function kubeletExpand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? whole)));
}

/** A small valid manifest in a new folder (k8s reads and checks the manifest it renders for). */
function manifestDir(): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  fix:\n    prompt: "Fix the flaky test"\n    env: { GH_TOKEN: "${GH_TOKEN}" }\n');
  return dir;
}

test('docs/k8s holds exactly what codex-run k8s prints today (shard Job and merge Job)', { timeout: 30_000 }, async () => {
  const dir = manifestDir();
  const shards = await runCli(DOCS_K8S_ARGS, { cwd: dir, env: { GH_TOKEN: undefined } });
  assert.equal(shards.code, 0, shards.stderr);
  assert.equal(readFileSync(path.join(repoRoot, 'docs', 'k8s', 'indexed-job.yaml'), 'utf8'), shards.stdout, 'rerender with: codex-run ' + DOCS_K8S_ARGS.join(' ') + ' --out docs/k8s/indexed-job.yaml');
  const merge = await runCli([...DOCS_K8S_ARGS, '--merge'], { cwd: dir, env: { GH_TOKEN: undefined } });
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(readFileSync(path.join(repoRoot, 'docs', 'k8s', 'merge-job.yaml'), 'utf8'), merge.stdout);
  // Only the shard pods get the agent's Secret; the merge pod reads run folders.
  const podOf = (yaml: string): { containers: Array<{ envFrom?: unknown }> } => (parse(yaml.split('\n---\n').at(-1)!) as { spec: { template: { spec: { containers: Array<{ envFrom?: unknown }> } } } }).spec.template.spec;
  assert.ok(podOf(shards.stdout).containers[0]!.envFrom !== undefined, 'shard pods read the Secret');
  assert.equal(podOf(merge.stdout).containers[0]!.envFrom, undefined, 'the merge pod does not mount the Secret');
  const readme = readFileSync(path.join(repoRoot, 'docs', 'k8s', 'README.md'), 'utf8');
  assert.ok(readme.includes(`codex-run ${DOCS_K8S_ARGS.join(' ')}`), 'the README shows the command that rendered the files');
});

test('k8s: bad input is a clear error with exit 2 and no stack trace; --out writes the file', { timeout: 30_000 }, async () => {
  const dir = manifestDir();
  writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\njobs:\n  fix:\n    promt: "typo"\n');
  for (const [args, expected] of [
    [['k8s', 'missing.yaml', '--shards', '2', '--image', 'img'], /missing\.yaml/],
    [['k8s', 'bad.yaml', '--shards', '2', '--image', 'img'], /bad\.yaml:4:5/],
    [['k8s', 'jobs.yaml', '--shards', '2', '--image', 'img', '--merge'], /--merge needs --pvc/],
    [['k8s', 'jobs.yaml', '--image', 'img'], /k8s needs --shards N/],
    [['k8s', 'jobs.yaml', '--shards', 'three', '--image', 'img'], /--shards expects a whole number >= 1, found "three"/],
    [['k8s', 'jobs.yaml', '--shards', '0', '--image', 'img'], /--shards expects a whole number >= 1, found "0"/],
    [['k8s', 'jobs.yaml', '--shards', '2', '--image', ''], /--image expects/],
    [['k8s', 'jobs.yaml', '--shards', '2', '--image', 'img', '--name', 'My.Job'], /--name expects a DNS-1123 label .*found "My.Job"/],
  ] as const) {
    const result = await runCli([...args], { cwd: dir });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(result.stdout, '');
  }
  const written = await runCli(['k8s', 'jobs.yaml', '--shards', '2', '--image', 'img', '--out', 'job.yaml'], { cwd: dir });
  assert.equal(written.code, 0, written.stderr);
  assert.equal((parse(readFileSync(path.join(dir, 'job.yaml'), 'utf8')) as { spec: { completions: number } }).spec.completions, 2);
});

// The pods' command line, run here as the kubelet would run it (with the image replaced by this
// checkout): each index runs its shard, and together they run every job of the manifest once.
test("the shard pod's command line, run with JOB_COMPLETION_INDEX 0 and 1, runs every job once across the two shards", { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const jobs = ['alpha', 'bravo', 'charlie', 'delta'];
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    ['version: 1', 'jobs:', ...jobs.flatMap((name) => [`  ${name}:`, '    agent: command', `    command: [node, -e, "console.log('${name} ran')"]`]), ''].join('\n'),
  );
  const rendered = await runCli(['k8s', 'jobs.yaml', '--shards', '2', '--image', 'img'], { cwd: dir });
  assert.equal(rendered.code, 0, rendered.stderr);
  const container = (parse(rendered.stdout) as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;
  const results = path.join(dir, 'results');
  mkdirSync(results);
  const ran = new Map<string, number>();
  for (const index of ['0', '1']) {
    // What the pod's environment holds: the declared values, and the index from the annotation.
    const env: Record<string, string> = { JOB_COMPLETION_INDEX: index };
    for (const variable of container.env) if (variable.value !== undefined) env[variable.name] = variable.value;
    const argv = [...container.command, ...container.args].map((arg) => kubeletExpand(arg, env).replace(/^\/results(?=\/|$)/, results));
    assert.equal(argv[0], 'codex-run');
    assert.ok(argv.includes(path.join(results, `shard-${index}`)), argv.join(' '));
    const result = await runCli(argv.slice(1), { cwd: dir, env: { ...env, CI_NODE_INDEX: undefined, CI_NODE_TOTAL: undefined, CODEX_RUN_SHARD: undefined }, deadlineMs: 60_000 });
    assert.equal(result.code, 0, `${argv.join(' ')}\n${result.stdout}${result.stderr}`);
    const shardDir = path.join(results, `shard-${index}`);
    const runs = readdirSync(shardDir).filter((name) => existsSync(path.join(shardDir, name, 'report.json')));
    assert.equal(runs.length, 1, `one run folder in ${shardDir}`);
    const report = JSON.parse(readFileSync(path.join(shardDir, runs[0]!, 'report.json'), 'utf8')) as { jobs: Array<{ name: string; status: string }> };
    for (const job of report.jobs) {
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      ran.set(job.name, (ran.get(job.name) ?? 0) + 1);
    }
  }
  assert.deepEqual([...ran.keys()].sort(), jobs, 'every job ran');
  assert.ok([...ran.values()].every((n) => n === 1), 'no job ran in both shards');
});
