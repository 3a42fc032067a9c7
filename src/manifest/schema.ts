import { findUp } from '../util/find-up.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv/dist/2020.js';
// Compiled ahead of time from schemas/jobs.schema.json (src/manifest/schema-codegen.ts): no ajv at run time.
import generatedValidate from './jobs-schema.validator.js';

/** The manifest's JSON Schema as parsed JSON (only the parts the code reads are typed). */
export interface ManifestSchema {
  $defs: { jobFields: { properties: Record<string, unknown> } };
  [key: string]: unknown;
}

let schemaData: ManifestSchema | null = null;

/** The generated validator: ajv's validate function, which leaves its errors on itself. */
const validate = generatedValidate as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

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
  schemaData ??= JSON.parse(readFileSync(schemaFile(), 'utf8')) as ManifestSchema;
  return schemaData;
}

/** Validates parsed manifest data against the schema; every problem (allErrors), each with its data. */
export function validateAgainstSchema(data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
