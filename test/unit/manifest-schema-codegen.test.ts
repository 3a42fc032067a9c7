import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { generateValidatorSource, GENERATED_VALIDATOR, SCHEMA_AJV_OPTIONS } from '../../src/manifest/schema-codegen.js';
import { validateAgainstSchema } from '../../src/manifest/schema.js';
import { repoRoot } from '../helpers/paths.js';

const schemaText = (): string => readFileSync(path.join(repoRoot, 'schemas', 'jobs.schema.json'), 'utf8');

test('the committed schema validator is what the generator makes of schemas/jobs.schema.json (run `npm run schema:generate` after editing the schema)', { timeout: 60_000 }, () => {
  const committed = readFileSync(path.join(repoRoot, GENERATED_VALIDATOR), 'utf8');
  assert.ok(committed === generateValidatorSource(schemaText()), `${GENERATED_VALIDATOR} is out of date: run npm run schema:generate`);
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return yamlFiles(file);
    return /\.ya?ml$/.test(name) ? [file] : [];
  });
}

// Wrong values in every job field the schema knows, so most keywords report.
function mutations(data: unknown): unknown[] {
  if (typeof data !== 'object' || data === null) return [];
  const doc = data as Record<string, unknown>;
  const jobs = doc['jobs'];
  const out: unknown[] = [{ ...doc, version: 2, bogus: true }, { ...doc, concurrency: -1 }, { ...doc, jobs: [] }];
  if (typeof jobs === 'object' && jobs !== null) {
    for (const [name, job] of Object.entries(jobs as Record<string, unknown>)) {
      if (typeof job !== 'object' || job === null) continue;
      const fields = Object.keys(job);
      out.push({ ...doc, jobs: { ...jobs, [name]: { ...job, unknownField: 1 } } });
      out.push({ ...doc, jobs: { ...jobs, [name]: Object.fromEntries(fields.map((f) => [f, { wrong: [1, 'two'] }])) } });
      out.push({ ...doc, jobs: { ...jobs, [name]: Object.fromEntries(fields.map((f) => [f, 'x'.repeat(3)])) } });
      out.push({ ...doc, jobs: { ...jobs, [name]: {} } });
    }
  }
  return out;
}

test('the generated validator reports exactly what the schema compiled at run time reports, on every fixture manifest and broken variants of them', { timeout: 60_000 }, () => {
  const runtime = new Ajv2020(SCHEMA_AJV_OPTIONS).compile(JSON.parse(schemaText()) as object);
  const files = [path.join(repoRoot, 'jobs.example.yaml'), ...yamlFiles(path.join(repoRoot, 'test', 'fixtures')), ...yamlFiles(path.join(repoRoot, 'examples'))];
  let documents = 0;
  let withErrors = 0;
  for (const file of files) {
    let data: unknown;
    try {
      data = parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    for (const candidate of [data, ...mutations(data)]) {
      documents++;
      const expected = runtime(candidate) ? [] : [...(runtime.errors ?? [])];
      const actual = validateAgainstSchema(candidate);
      if (expected.length > 0) withErrors++;
      assert.deepEqual(actual, expected, `${path.relative(repoRoot, file)}: ${JSON.stringify(candidate).slice(0, 200)}`);
    }
  }
  assert.ok(documents > 30 && withErrors > 20, `a real corpus (${documents} documents, ${withErrors} with errors)`);
});
