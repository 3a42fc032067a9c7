import type { ErrorObject } from 'ajv/dist/2020.js';
import { closestMatch } from './did-you-mean.js';
import { describeValue, joinList, quote } from './describe-value.js';
import { DURATION_EXAMPLES, notADuration, suggestDuration } from './duration.js';
import type { Diagnostic } from './model.js';
import type { ValuePath, YamlSource } from './yaml-source.js';

// What each JSON type is called in messages.
const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

/** Where each schema error ends up: its value path, and whether it is about the key. */
interface Target {
  path: ValuePath;
  part: 'key' | 'value';
}

/** Schema errors explained: what to print, and which values to leave unchecked. */
export interface SchemaVerdict {
  diagnostics: Diagnostic[];
  /**
   * Paths of the values the schema rejected; nothing at or below them can be trusted. A missing
   * or unknown key rejects only that key, not its siblings, so their checks still run.
   */
  rejected: ValuePath[];
}

/**
 * Turns ajv errors into located diagnostics that say what was expected and what was found.
 * Wrapper errors (`if`, `propertyNames`) are dropped: the error inside them says it better.
 */
export function explainSchemaErrors(errors: readonly ErrorObject[], source: YamlSource): SchemaVerdict {
  const verdict: SchemaVerdict = { diagnostics: [], rejected: [] };
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const path = decodePointer(error.instancePath);
    const target: Target =
      error.propertyName !== undefined ? { path: [...path, error.propertyName], part: 'key' } : { path, part: 'value' };
    const { message, hint, at } = describe(error, target, source);
    verdict.diagnostics.push(source.diagnostic(at?.path ?? target.path, message, { hint, part: at?.part ?? target.part }));
    verdict.rejected.push(rejectedPath(error, target.path));
  }
  return verdict;
}

function rejectedPath(error: ErrorObject, path: ValuePath): ValuePath {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return [...path, String(params['additionalProperty'])];
  if (error.keyword === 'required') return [...path, String(params['missingProperty'])];
  return path;
}

interface Described {
  message: string;
  hint: string | null;
  /** A different place to point at than the error's own path. */
  at?: Target;
}

// The message for one ajv error, by keyword.
function describe(error: ErrorObject, target: Target, source: YamlSource): Described {
  const { path } = target;
  const data: unknown = target.part === 'key' ? error.propertyName : error.data;
  const found = describeValue(data, isEmptyValue(source, path));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((error.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const guess = closestMatch(key, allowed);
      return {
        message: `unknown key '${key}' ${placeOf(path)}`,
        hint: guess !== null ? `did you mean '${guess}'?` : `expected one of: ${allowed.join(', ')}`,
        at: { path: [...path, key], part: 'key' },
      };
    }
    case 'required':
      return { ...missingKey(path, String(params['missingProperty']), error.data), at: { path, part: 'key' } };
    case 'type':
      if (error.schemaPath.startsWith('#/$defs/duration/') || error.schemaPath.startsWith('#/$defs/limit/')) {
        const hint = typeof data === 'number' ? `add a unit, e.g. ${data}s or ${data}m` : null;
        return { message: `expected ${DURATION_EXAMPLES}, found ${found}`, hint };
      }
      return wrongType(path, String(params['type']).split(','), data, found);
    case 'const':
      if (path.length === 1 && path[0] === 'version') {
        return { message: `expected version 1, found ${found}`, hint: 'this codex-run reads manifests with version: 1' };
      }
      return { message: `expected ${JSON.stringify(params['allowedValue'])}, found ${found}`, hint: null };
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value));
      const guess = typeof data === 'string' ? closestMatch(data, (params['allowedValues'] as unknown[]).map(String)) : null;
      return { message: `expected ${joinList(allowed, 'or')}, found ${found}`, hint: guess === null ? null : `did you mean "${guess}"?` };
    }
    case 'minimum':
      return { message: `expected a number of at least ${String(params['limit'])}, found ${found}`, hint: null };
    case 'minLength':
      if (target.part === 'key' && isJobName(path)) return { message: 'expected a job name, found an empty key', hint: null };
      return { message: `expected a non-empty string, found ${found}`, hint: null };
    case 'minItems':
      return { message: `expected a non-empty list, found ${found}`, hint: null };
    case 'minProperties':
      if (isJobsMap(path)) return noJobs(found);
      return { message: `expected at least ${String(params['limit'])} entries, found ${found}`, hint: null };
    case 'pattern':
      return wrongPattern(error.schemaPath, String(params['pattern']), data, found);
    default:
      return { message: `${error.message ?? 'invalid value'} (found ${found})`, hint: null };
  }
}

function missingKey(path: ValuePath, key: string, data: unknown): Described {
  if (path.length === 0 && key === 'version') {
    return { message: "missing 'version': expected 'version: 1' at the top level", hint: null };
  }
  if (path.length === 0 && key === 'jobs') return noJobs('nothing');
  if (path.length === 2 && path[0] === 'jobs') {
    const job = path[1] ?? '';
    const hasCommand = typeof data === 'object' && data !== null && 'command' in data;
    if (key === 'prompt') {
      return {
        message: `job '${job}' has no 'prompt': agent jobs (codex, the default, claude, gemini, generic) need one`,
        hint: hasCommand
          ? "to run its command instead, add 'agent: command'"
          : "add 'prompt: ...' to the job, or to 'defaults:' to give every job the same one",
      };
    }
    if (key === 'command') {
      return {
        message: `job '${job}' has no 'command': agent: command needs one`,
        hint: "add 'command: [program, arg, ...]' (argv, no shell) or a string, which runs through /bin/sh -c",
      };
    }
  }
  return { message: `missing '${key}' ${placeOf(path)}`, hint: null };
}

function wrongType(path: ValuePath, types: readonly string[], data: unknown, found: string): Described {
  const expected = joinList(types.map((type) => TYPE_NAMES[type] ?? type), 'or');
  if (path.length === 0) {
    return { message: `expected a mapping with 'version: 1' and 'jobs:' at the top level, found ${found}`, hint: null };
  }
  if (isJobsMap(path)) return noJobs(found);
  if (path.length === 2 && path[0] === 'jobs') {
    return { message: `expected job '${path[1] ?? ''}' to be a mapping of its fields (prompt, agent, ...), found ${found}`, hint: null };
  }
  const quotable = types.includes('string') && (typeof data === 'number' || typeof data === 'boolean');
  return { message: `expected ${expected}, found ${found}`, hint: quotable ? `quote it to make it a string: "${String(data)}"` : null };
}

// Pattern errors, by the schema definition they come from: each has its own wording.
function wrongPattern(schemaPath: string, pattern: string, data: unknown, found: string): Described {
  // A limit (`timeout`, `idle.kill`) is a duration or `none`; the schema's description says so.
  if (schemaPath.startsWith('#/$defs/duration/') || schemaPath.startsWith('#/$defs/limit/')) {
    const suggestion = suggestDuration(String(data));
    return { message: notADuration(String(data)), hint: suggestion === null ? null : `write ${suggestion}` };
  }
  if (schemaPath.startsWith('#/$defs/envName/')) {
    return {
      message: `expected an environment variable name (letters, digits and _, not starting with a digit), found ${quote(String(data))}`,
      hint: null,
    };
  }
  return { message: `expected a value matching /${pattern}/, found ${found}`, hint: null };
}

function noJobs(found: string): Described {
  return {
    message: `no jobs: expected at least one job under 'jobs:', found ${found}`,
    hint: "add a job, e.g.  jobs: { fix-tests: { prompt: 'Fix the failing tests' } }",
  };
}

// "in job 'x'", "in 'env' of job 'x'", "in 'defaults'", "at the top level".
function placeOf(path: ValuePath): string {
  if (path.length === 0) return 'at the top level';
  if (path[0] === 'jobs' && path.length >= 2) {
    const job = `job '${path[1] ?? ''}'`;
    return path.length === 2 ? `in ${job}` : `in '${path.slice(2).join('.')}' of ${job}`;
  }
  return `in '${path.join('.')}'`;
}

function isJobsMap(path: ValuePath): boolean {
  return path.length === 1 && path[0] === 'jobs';
}

function isJobName(path: ValuePath): boolean {
  return path.length === 2 && path[0] === 'jobs';
}

function isEmptyValue(source: YamlSource, path: ValuePath): boolean {
  const range = source.valueAt(path)?.range;
  return range === undefined || range === null || range[1] <= range[0];
}

/** An ajv instancePath (JSON Pointer) as path segments: `/jobs/a~1b` -> ['jobs', 'a/b']. */
export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
