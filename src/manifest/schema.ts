import { findUp } from '../util/find-up.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** The manifest's JSON Schema as parsed JSON (only the parts the code reads are typed). */
export interface ManifestSchema {
  $defs: { jobFields: { properties: Record<string, unknown> } };
  [key: string]: unknown;
}

let compiled: { schema: ManifestSchema; validate: ValidateFunction } | null = null;

/**
 * Absolute path of schemas/jobs.schema.json. Compiled code sits at a varying depth below the
 * package root (dist/src/manifest/, or another outDir), so walk up to the folder with package.json.
 */
export function schemaFile(): string {
  const file = findUp(import.meta.url, (dir) => (existsSync(path.join(dir, 'package.json')) ? path.join(dir, 'schemas', 'jobs.schema.json') : null));
  if (file === null) throw new Error(`Internal error: no package.json above ${fileURLToPath(import.meta.url)}`);
  return file;
}

/** The schema, read once. A missing or broken schema file is an installation bug, so it throws. */
export function manifestSchema(): ManifestSchema {
  return compile().schema;
}

/** Validates parsed manifest data against the schema; every problem (allErrors), each with its data. */
export function validateAgainstSchema(data: unknown): ErrorObject[] {
  const { validate } = compile();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

function compile(): { schema: ManifestSchema; validate: ValidateFunction } {
  if (compiled !== null) return compiled;
  const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as ManifestSchema;
  const ajv = new Ajv2020({
    allErrors: true,
    // `data` and `parentSchema` on each error: the found value and the keys allowed at that level.
    verbose: true,
    strict: true,
    // `command` is a list or a string.
    allowUnionTypes: true,
    // The conditional rules (prompt/command required after defaults) use `required` and
    // `additionalProperties` without repeating `properties`/`type`, which would duplicate errors.
    strictRequired: false,
    strictTypes: false,
    logger: false,
  });
  compiled = { schema, validate: ajv.compile(schema) };
  return compiled;
}
