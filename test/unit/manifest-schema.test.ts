import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIELD_NAMES } from '../../src/manifest/job-fields.js';
import { manifestSchema, schemaFile, validateAgainstSchema } from '../../src/manifest/schema.js';
import { repoRoot } from '../helpers/paths.js';

type Schema = Record<string, unknown>;

// Every object that describes one property: values of a `properties` map, and map-value schemas.
function propertySchemas(schema: unknown, at = '#'): Array<[string, Schema]> {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Schema;
  const found: Array<[string, Schema]> = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [name, sub] of Object.entries(value)) found.push([`${at}/properties/${name}`, sub as Schema]);
    }
    found.push(...propertySchemas(value, `${at}/${key}`));
  }
  return found;
}

test('the schema file is found from the compiled code, whatever the output folder', async () => {
  assert.equal(schemaFile(), path.join(repoRoot, 'schemas', 'jobs.schema.json'));
  const onDisk = JSON.parse(await readFile(schemaFile(), 'utf8')) as Schema;
  assert.equal(onDisk['$schema'], 'https://json-schema.org/draft/2020-12/schema');
});

test('every data property has a description and examples', () => {
  const schema = manifestSchema();
  const conditional = new Set(['defaultsGivePrompt', 'defaultsGiveCommand', 'defaultsAgentIsCommand', 'codexJobNeedsPrompt', 'agentlessJobNeedsPrompt', 'commandJobNeedsCommand', 'agentlessJobNeedsCommand']);
  const data = propertySchemas(schema).filter(([at]) => !at.includes('/allOf/') && ![...conditional].some((name) => at.startsWith(`#/$defs/${name}/`)));
  assert.ok(data.length >= 10, `found only ${data.length} properties`);
  for (const [at, property] of data) {
    assert.equal(typeof property['description'], 'string', `${at} has no description`);
    assert.ok(Array.isArray(property['examples']) && property['examples'].length > 0, `${at} has no examples`);
  }
  const jobs = ((schema['properties'] as Schema)['jobs'] as Schema)['additionalProperties'] as Schema;
  const envValue = (schema.$defs.jobFields.properties['env'] as Schema)['additionalProperties'] as Schema;
  for (const [at, property] of [['jobs.*', jobs], ['env.*', envValue]] as const) {
    assert.equal(typeof property['description'], 'string', `${at} has no description`);
    assert.ok(Array.isArray(property['examples']), `${at} has no examples`);
  }
});

test('fixed-key objects reject unknown keys, and conditional rules name only real keys', () => {
  const schema = manifestSchema();
  assert.equal(schema['additionalProperties'], false);
  assert.equal((schema.$defs.jobFields as Schema)['additionalProperties'], false);
  const known = new Set([...Object.keys(schema['properties'] as Schema), ...FIELD_NAMES]);
  // Keys inside a field's own value (idle.poke, an answer rule's match, ...) are that value's business.
  const ownKeys = (at: string): boolean => at.split('/properties/').length > 2 || at.startsWith('#/$defs/answerRule/') || at.startsWith('#/$defs/notifyEntry/');
  for (const [at] of propertySchemas(schema).filter(([path]) => !ownKeys(path))) {
    const name = at.slice(at.lastIndexOf('/') + 1);
    assert.ok(known.has(name), `${at} names a key that is neither top-level nor a job field`);
  }
});

test('the job fields in the schema are exactly the fields the model code handles', () => {
  assert.deepEqual(Object.keys(manifestSchema().$defs.jobFields.properties), FIELD_NAMES);
});

test('every example in the schema is itself valid where it is shown', () => {
  const schema = manifestSchema();
  const top = schema['properties'] as Record<string, Schema>;
  const fields = schema.$defs.jobFields.properties as Record<string, Schema>;
  const job = { prompt: 'p' };
  const checks: Array<[string, unknown]> = [];
  for (const example of (top['version']?.['examples'] as unknown[]) ?? []) checks.push(['version', { version: example, jobs: { a: job } }]);
  for (const example of (top['concurrency']?.['examples'] as unknown[]) ?? []) checks.push(['concurrency', { version: 1, concurrency: example, jobs: { a: job } }]);
  for (const example of (top['defaults']?.['examples'] as unknown[]) ?? []) checks.push(['defaults', { version: 1, defaults: example, jobs: { a: job } }]);
  for (const example of (top['jobs']?.['examples'] as unknown[]) ?? []) checks.push(['jobs', { version: 1, jobs: example }]);
  for (const example of ((top['jobs']?.['additionalProperties'] as Schema)['examples'] as unknown[]) ?? []) checks.push(['jobs.*', { version: 1, jobs: { a: example } }]);
  for (const [name, field] of Object.entries(fields)) {
    for (const example of (field['examples'] as unknown[]) ?? []) {
      const base = name === 'command' || example === 'command' ? { agent: 'command', command: ['x'] } : { prompt: 'p' };
      checks.push([name, { version: 1, jobs: { a: { ...base, [name]: example } } }]);
    }
  }
  assert.ok(checks.length >= 15);
  for (const [what, data] of checks) assert.deepEqual(validateAgainstSchema(data), [], `${what}: ${JSON.stringify(data)}`);
});

test('the conditional rules: prompt and command are required after defaults apply', () => {
  const valid = (data: unknown): boolean => validateAgainstSchema(data).length === 0;
  assert.equal(valid({ version: 1, jobs: { a: {} } }), false);
  assert.equal(valid({ version: 1, defaults: { prompt: 'p' }, jobs: { a: {} } }), true);
  assert.equal(valid({ version: 1, defaults: { prompt: 'p' }, jobs: { a: { agent: 'command' } } }), false);
  assert.equal(valid({ version: 1, defaults: { command: 'make' }, jobs: { a: { agent: 'command' } } }), true);
  assert.equal(valid({ version: 1, defaults: { agent: 'command' }, jobs: { a: {} } }), false);
  assert.equal(valid({ version: 1, defaults: { agent: 'command', command: ['make'] }, jobs: { a: {}, b: { agent: 'codex' } } }), false);
  assert.equal(valid({ version: 1, defaults: { agent: 'command', command: ['make'] }, jobs: { a: {}, b: { agent: 'codex', prompt: 'p' } } }), true);
});
