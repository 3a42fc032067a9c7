import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { checkK8sOptions, k8sManifests } from '../../src/k8s/indexed-job.js';
import { renderK8sYaml } from '../../src/k8s/k8s-yaml.js';

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>;
  envFrom: Array<{ secretRef: { name: string } }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  restartPolicy: string;
  containers: Container[];
  volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
}
interface Job {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    backoffLimitPerIndex?: number;
    backoffLimit?: number;
    podFailurePolicy?: { rules: Array<{ action: string; onExitCodes?: { containerName: string; operator: string; values: number[] }; onPodConditions?: Array<{ type: string }> }> };
    template: { spec: PodSpec };
  };
}

const options = { manifest: 'nightly/jobs.yaml', shards: 5, image: 'ghcr.io/acme/night:1', namespace: 'agents', pvc: 'codex-results' };

test('the shard Job is an Indexed Job of N pods running codex-run --shard auto into their own folder of the claim', { timeout: 10_000 }, () => {
  const built = k8sManifests(options);
  assert.ok(built.ok, JSON.stringify(built));
  const job = parse(renderK8sYaml(built.value, 'shards')) as Job;
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.deepEqual(job.metadata.name, 'codex-run');
  assert.equal(job.metadata.namespace, 'agents');
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 5);
  assert.equal(job.spec.parallelism, 5);
  const pod = job.spec.template.spec;
  // podFailurePolicy needs restartPolicy Never; a failed shard is not run again (FailIndex), an evicted pod is.
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(job.spec.backoffLimitPerIndex, 1);
  const rules = job.spec.podFailurePolicy?.rules ?? [];
  assert.deepEqual(rules.map((r) => r.action), ['Ignore', 'FailIndex']);
  assert.deepEqual(rules[0]?.onPodConditions, [{ type: 'DisruptionTarget' }]);
  const [container] = pod.containers;
  assert.equal(rules[1]?.onExitCodes?.containerName, container?.name);
  assert.equal(container?.image, 'ghcr.io/acme/night:1');
  assert.deepEqual([...container!.command, ...container!.args], ['codex-run', 'nightly/jobs.yaml', '--shard', 'auto', '--shards', '5', '--out', '/results/shard-$(JOB_COMPLETION_INDEX)']);
  // $(JOB_COMPLETION_INDEX) is expanded by the kubelet only for a variable declared in env.
  const index = container!.env.find((e) => e.name === 'JOB_COMPLETION_INDEX');
  assert.equal(index?.valueFrom?.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  assert.deepEqual(container!.envFrom, [{ secretRef: { name: 'codex-run-secrets' } }]);
  assert.deepEqual(container!.volumeMounts, [{ name: 'results', mountPath: '/results' }]);
  assert.deepEqual(pod.volumes, [{ name: 'results', persistentVolumeClaim: { claimName: 'codex-results' } }]);
});

test('the merge Job runs codex-run merge over the claim, requiring every shard', { timeout: 10_000 }, () => {
  const built = k8sManifests({ ...options, name: 'night', secret: 'openai' });
  assert.ok(built.ok);
  const job = parse(renderK8sYaml(built.value, 'merge')) as Job;
  assert.equal(job.metadata.name, 'night-merge');
  assert.equal(job.spec.completionMode, undefined);
  assert.equal(job.spec.backoffLimit, 0);
  const [container] = job.spec.template.spec.containers;
  assert.deepEqual([...container!.command, ...container!.args], ['codex-run', 'merge', '/results', '--out', '/results/merged', '--require-shards', '5']);
  assert.equal(container!.envFrom, undefined, 'a merge needs no agent credentials');
  assert.deepEqual(job.spec.template.spec.volumes, [{ name: 'results', persistentVolumeClaim: { claimName: 'codex-results' } }]);
});

test('without a claim the results go to an emptyDir, and the YAML says what that means', { timeout: 10_000 }, () => {
  const built = k8sManifests({ manifest: 'jobs.yaml', shards: 1, image: 'img' });
  assert.ok(built.ok);
  const text = renderK8sYaml(built.value, 'shards');
  assert.match(text, /^# .*\n(# .*\n)*# Results go to an emptyDir, which is deleted with each pod: pass --pvc CLAIM/);
  assert.deepEqual((parse(text) as Job).spec.template.spec.volumes, [{ name: 'results', emptyDir: {} }]);
});

test('bad options are all reported, each naming its flag and the value found', { timeout: 10_000 }, () => {
  assert.deepEqual(checkK8sOptions(options), []);
  const problems = checkK8sOptions({ manifest: '', shards: 2.5, image: ' ', name: 'Night_1', namespace: 'x'.repeat(64), pvc: 'Bad/Claim' });
  assert.equal(problems.length, 6, problems.join('\n'));
  assert.match(problems[0]!, /^--shards expects a whole number >= 1, found "2.5"/);
  assert.match(problems[1]!, /^--image expects/);
  assert.match(problems[2]!, /^--name expects a DNS-1123 label .* found "Night_1"/);
  assert.match(problems[3]!, /^--namespace expects/);
  assert.match(problems[4]!, /^--pvc expects a Kubernetes object name/);
  assert.match(problems[5]!, /manifest path/);
  assert.match(checkK8sOptions({ ...options, shards: 0 })[0]!, /found "0"/);
  // The merge Job's name (<name>-merge) must still fit a label.
  assert.equal(checkK8sOptions({ ...options, name: 'a'.repeat(58) }).length, 1);
  assert.deepEqual(checkK8sOptions({ ...options, name: 'a'.repeat(57) }), []);
});
