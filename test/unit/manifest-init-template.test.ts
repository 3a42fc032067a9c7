import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STARTER_MANIFEST } from '../../src/manifest/init-template.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { repoRoot } from '../helpers/paths.js';

const dir = await mkdtemp(path.join(tmpdir(), 'codex-run-manifest-init-'));
after(() => rm(dir, { recursive: true, force: true }));

test('the starter manifest validates as written, with no environment at all', async () => {
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, STARTER_MANIFEST);
  const result = await loadManifest(file, { env: {} });
  assert.ok(result.ok, result.ok ? '' : result.error.diagnostics.map((d) => `${d.location.line}: ${d.message}`).join('\n'));
  assert.deepEqual(
    result.value.jobs.map((job) => [job.name, job.agent, job.command]),
    [
      ['fix-tests', 'codex', null],
      ['lint', 'command', ['npm', 'run', 'lint']],
    ],
  );
});

test('the starter manifest points editors at the installed schema', async () => {
  const firstLine = STARTER_MANIFEST.split('\n')[0] ?? '';
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; files: string[] };
  assert.equal(firstLine, `# yaml-language-server: $schema=./node_modules/${pkg.name}/schemas/jobs.schema.json`);
  assert.ok(pkg.files.includes('schemas'), 'the schema must be published with the package');
});
