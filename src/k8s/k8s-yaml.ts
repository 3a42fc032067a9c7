/**
 * The Jobs of `codex-run k8s` as YAML text, with their notes as a leading comment. The only
 * module outside manifest/ that imports `yaml`, and only to write (stringify), never to read.
 */
import { Document } from 'yaml';
import type { K8sManifests } from './indexed-job.js';

/** One YAML document (the shard Job, or with `merge` the merge Job), the notes as `#` lines above it. */
export function renderK8sYaml(manifests: K8sManifests, which: 'shards' | 'merge'): string {
  const doc = new Document(which === 'shards' ? manifests.shardJob : manifests.mergeJob);
  const notes = which === 'shards' ? manifests.notes : [...manifests.notes, 'Apply this merge Job once every shard pod has ended (see docs/k8s/README.md).'];
  doc.commentBefore = notes.map((line) => ` ${line}`).join('\n');
  // No line folding: a long argv element stays on one line, as the docs quote it.
  return doc.toString({ lineWidth: 0 });
}
