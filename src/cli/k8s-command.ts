import path from 'node:path';
import { k8sManifests } from '../k8s/indexed-job.js';
import { withUnsetPlaceholders } from '../manifest/interpolate.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { printManifestFailure } from './manifest-errors.js';
import { renderK8sYaml } from '../k8s/k8s-yaml.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { processOutput } from '../ui/output-stream.js';

/**
 * `codex-run k8s <manifest> --shards N --image IMAGE [--name] [--namespace] [--pvc] [--secret]
 * [--merge] [--out FILE]`: prints the Indexed Job (or with `--merge` the merge Job) as YAML.
 * Bad options or an invalid manifest: every problem on stderr, exit 2. `--merge` needs `--pvc`.
 */
export async function k8sCommand(manifest: string, flags: Record<string, unknown>): Promise<number> {
  const { stdout, stderr } = processOutput();
  const text = (key: string): string | undefined => (typeof flags[key] === 'string' ? flags[key] : undefined);
  const shardsText = text('shards');
  const image = text('image');
  const missing = [...(shardsText === undefined ? ['--shards N'] : []), ...(image === undefined ? ['--image IMAGE'] : [])];
  if (missing.length > 0) {
    stderr.write(`codex-run: error: k8s needs ${missing.join(' and ')}\n`);
    return 2;
  }
  // Only digits: `1.0`, `1e1` or ` 3` are not what a user means by a shard count.
  if (!/^\d+$/.test(shardsText!)) {
    stderr.write(`codex-run: error: --shards expects a whole number >= 1, found ${JSON.stringify(shardsText)}\n`);
    return 2;
  }
  const merge = flags['merge'] === true;
  if (merge && text('pvc') === undefined) {
    stderr.write('codex-run: error: --merge needs --pvc CLAIM: the merge Job reads the shards\' results from that claim (an emptyDir is deleted with each shard pod, so a merge pod would find nothing)\n');
    return 2;
  }
  const built = k8sManifests({
    manifest,
    shards: Number(shardsText),
    image: image!,
    ...(text('name') !== undefined ? { name: text('name')! } : {}),
    ...(text('namespace') !== undefined ? { namespace: text('namespace')! } : {}),
    ...(text('pvc') !== undefined ? { pvc: text('pvc')! } : {}),
    ...(text('secret') !== undefined ? { secret: text('secret')! } : {}),
  });
  if (!built.ok) {
    for (const problem of built.error) stderr.write(`codex-run: error: ${problem}\n`);
    return 2;
  }
  // The manifest the pods will run must be valid here (variable values are not needed: the
  // pods get them from the Secret); its problems are printed located, exit 2.
  const loaded = await loadManifest(manifest, { env: withUnsetPlaceholders(process.env) });
  if (!loaded.ok) {
    printManifestFailure(loaded.error);
    return 2;
  }
  const yaml = renderK8sYaml(built.value, merge ? 'merge' : 'shards');
  const out = text('out');
  if (out === undefined) {
    stdout.write(yaml);
    return 0;
  }
  const written = await writeFileAtomic(path.resolve(out), yaml);
  if (!written.ok) {
    stderr.write(`codex-run: error: cannot write ${out}: ${written.error}\n`);
    return 1;
  }
  return 0;
}
