/**
 * Kubernetes manifests for a sharded night (`codex-run k8s`): one Indexed Job whose pod `i`
 * runs shard `i` of the manifest (`codex-run <manifest> --shard auto --shards N`, the index
 * from JOB_COMPLETION_INDEX) into `/results/shard-<i>`, and one merge Job that combines the
 * shard folders into `/results/merged`. Kubernetes runs the N copies; codex-run only says what
 * each copy runs. Pure: options in, plain objects out (the CLI renders them as YAML).
 *
 * Choices, each for a reason a user would otherwise hit at night:
 * - `restartPolicy: Never` with `backoffLimitPerIndex: 1` and a pod failure policy: a shard
 *   whose run failed (codex-run exits non-zero) is not run again (that would redo agent work),
 *   `FailIndex`; a pod evicted or preempted (`DisruptionTarget`) is `Ignore`d, so it is
 *   recreated without using up the index's retry. Other indexes go on either way.
 * - JOB_COMPLETION_INDEX is declared in the container's `env` (from the pod's
 *   `batch.kubernetes.io/job-completion-index` annotation), so `$(JOB_COMPLETION_INDEX)` in
 *   `args` is expanded by the kubelet (Kubernetes expands `$(VAR)` only for declared variables).
 * - Secrets come from a Secret through `envFrom.secretRef` (shard pods only: the merge needs
 *   none); no key or token is ever written here.
 */
import { err, ok, type Result } from '../util/result.js';

/** Where the results volume is mounted in every pod. */
export const RESULTS_PATH = '/results';

/** The name of the Secret whose keys become the agent's environment, when none is given: `<name>-secrets`. */
export const SECRET_SUFFIX = '-secrets';

/** The merge Job's name: `<name>-merge`. */
export const MERGE_SUFFIX = '-merge';

/** The container's name (the pod failure policy refers to it). */
export const CONTAINER_NAME = 'codex-run';

/** What `codex-run k8s` was asked for. */
export interface K8sOptions {
  /** The manifest, as the path the container sees (relative to the image's working folder, or absolute). */
  manifest: string;
  shards: number;
  image: string;
  /** The Job's name (a DNS-1123 label); default `codex-run`. */
  name?: string;
  namespace?: string;
  /** A PersistentVolumeClaim for the results (ReadWriteMany when shards land on several nodes); absent: an emptyDir (lost with the pod). */
  pvc?: string;
  /** The Secret for `envFrom`; default `<name>-secrets`. */
  secret?: string;
}

/** The two Jobs, as plain objects ready to print. */
export interface K8sManifests {
  shardJob: Record<string, unknown>;
  mergeJob: Record<string, unknown>;
  /** Notes to print as a YAML comment above the Jobs (e.g. what an emptyDir means). */
  notes: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// Job names become the pods' `job-name` label (63 characters at most), and the merge Job adds its suffix.
const MAX_NAME_LENGTH = 63 - MERGE_SUFFIX.length;

/** Every problem with the options, each one line naming the flag and the value found; empty when valid. */
export function checkK8sOptions(options: K8sOptions): string[] {
  const problems: string[] = [];
  const name = options.name ?? 'codex-run';
  if (!Number.isInteger(options.shards) || options.shards < 1) problems.push(`--shards expects a whole number >= 1, found ${JSON.stringify(String(options.shards))}`);
  if (options.image.trim() === '' || /\s/.test(options.image)) problems.push(`--image expects a container image reference (e.g. ghcr.io/acme/night:1), found ${JSON.stringify(options.image)}`);
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME_LENGTH) {
    problems.push(`--name expects a DNS-1123 label of at most ${MAX_NAME_LENGTH} characters (lower-case letters, digits and '-', starting and ending with a letter or digit), found ${JSON.stringify(name)}`);
  }
  if (options.namespace !== undefined && (!DNS_LABEL.test(options.namespace) || options.namespace.length > 63)) {
    problems.push(`--namespace expects a DNS-1123 label (lower-case letters, digits and '-'), found ${JSON.stringify(options.namespace)}`);
  }
  for (const [flag, value] of [['--pvc', options.pvc], ['--secret', options.secret]] as const) {
    if (value !== undefined && (!DNS_SUBDOMAIN.test(value) || value.length > 253)) {
      problems.push(`${flag} expects a Kubernetes object name (lower-case letters, digits, '-' and '.'), found ${JSON.stringify(value)}`);
    }
  }
  if (options.manifest.trim() === '' || options.manifest.includes('$(')) problems.push(`the manifest path must be a plain path, found ${JSON.stringify(options.manifest)}`);
  return problems;
}

/** The container command of shard pods: the argv Kubernetes runs (with `$(JOB_COMPLETION_INDEX)` expanded by the kubelet). */
export function shardArgv(options: Pick<K8sOptions, 'manifest' | 'shards'>): string[] {
  return ['codex-run', options.manifest, '--shard', 'auto', '--shards', String(options.shards), '--out', `${RESULTS_PATH}/shard-$(JOB_COMPLETION_INDEX)`];
}

/** The merge pod's argv: every shard folder under the volume into `/results/merged`, failing when a shard is missing. */
export function mergeArgv(options: Pick<K8sOptions, 'shards'>): string[] {
  return ['codex-run', 'merge', RESULTS_PATH, '--out', `${RESULTS_PATH}/merged`, '--require-shards', String(options.shards)];
}

/** Builds both Jobs, or the list of problems with the options. */
export function k8sManifests(options: K8sOptions): Result<K8sManifests, string[]> {
  const problems = checkK8sOptions(options);
  if (problems.length > 0) return err(problems);
  const name = options.name ?? 'codex-run';
  const secret = options.secret ?? `${name}${SECRET_SUFFIX}`;
  const metadata = (jobName: string): Record<string, unknown> => ({
    name: jobName,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    labels: { 'app.kubernetes.io/name': 'codex-run', 'app.kubernetes.io/instance': name },
  });
  const volume =
    options.pvc !== undefined ? { name: 'results', persistentVolumeClaim: { claimName: options.pvc } } : { name: 'results', emptyDir: {} };
  // Only shard pods get the Secret: the merge reads run folders and needs no agent credentials.
  const container = (argv: string[], extraEnv: Array<Record<string, unknown>>, withSecret: boolean): Record<string, unknown> => ({
    name: CONTAINER_NAME,
    image: options.image,
    command: argv.slice(0, 1),
    args: argv.slice(1),
    env: [{ name: 'CI', value: 'true' }, ...extraEnv],
    ...(withSecret ? { envFrom: [{ secretRef: { name: secret } }] } : {}),
    volumeMounts: [{ name: 'results', mountPath: RESULTS_PATH }],
    securityContext: { allowPrivilegeEscalation: false },
  });
  const shardJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(name),
    spec: {
      completionMode: 'Indexed',
      completions: options.shards,
      parallelism: options.shards,
      backoffLimitPerIndex: 1,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
          { action: 'FailIndex', onExitCodes: { containerName: CONTAINER_NAME, operator: 'NotIn', values: [0] } },
        ],
      },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'codex-run', 'app.kubernetes.io/instance': name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            container(shardArgv(options), [
              { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
            ], true),
          ],
          volumes: [volume],
        },
      },
    },
  };
  const mergeJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(`${name}${MERGE_SUFFIX}`),
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'codex-run', 'app.kubernetes.io/instance': name } },
        spec: { restartPolicy: 'Never', containers: [container(mergeArgv(options), [], false)], volumes: [volume] },
      },
    },
  };
  const notes = [
    `Rendered by codex-run k8s: ${options.shards} shard pod${options.shards === 1 ? '' : 's'} of ${options.manifest}, results in ${RESULTS_PATH}/shard-<index>.`,
    `Secrets: kubectl create secret generic ${secret} --from-literal=OPENAI_API_KEY=... (never put keys in this file).`,
    options.pvc !== undefined
      ? `Results go to the PersistentVolumeClaim ${options.pvc}; it must be ReadWriteMany when pods land on several nodes.`
      : `Results go to an emptyDir, which is deleted with each pod: pass --pvc CLAIM to keep them for the merge Job.`,
  ];
  return ok({ shardJob, mergeJob, notes });
}
