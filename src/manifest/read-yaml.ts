import { createRequire } from 'node:module';
import type { ErrorCode, Node, YAMLError } from 'yaml';
// CommonJS, required directly (see yaml-source.ts).
const { isAlias, isMap, isNode, isPair, isScalar, isSeq, Scalar, visit } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';
import type { Diagnostic, SourceLocation } from './model.js';
import { keyText, YamlSource } from './yaml-source.js';

/** Most alias expansions a manifest may cause; more is a "billion laughs" document. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Deepest nesting of mappings and lists a manifest may have (a real one needs under 10). Checked
 * without recursion before anything recursive (the yaml library's own walks, ajv) sees the document.
 */
export const MAX_NESTING_DEPTH = 64;

// Tags whose values are plain data (strings, numbers, booleans, null, mappings, lists). Others
// (!!omap, !!set, !!pairs, !!binary, !!timestamp) turn into Maps, Sets, Buffers or Dates that
// validation cannot see into, so their contents would pass unchecked and then be lost.
const PLAIN_TAGS: ReadonlySet<string> = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

// Keys that plain JavaScript objects cannot hold as data: assigning them changes the object's prototype.
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__']);

// yaml error codes after which the document is still whole enough to validate further.
const RECOVERABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DUPLICATE_KEY']);

/** The YAML stage: the parsed source, and its plain data unless the YAML itself is broken. */
export interface YamlRead {
  source: YamlSource;
  data: Result<unknown, Diagnostic[]>;
  /** Problems that still let the data be checked further (duplicate keys, unknown tags). */
  diagnostics: Diagnostic[];
  /** With duplicate keys: the document with earlier duplicates kept instead, to validate as well (see duplicateViews). */
  views?: YamlView[];
  /**
   * Where refused parts were taken out of the data (a tag, a `__proto__` key): a problem found
   * inside one of these ranges only repeats the refusal and is left out.
   */
  masked?: SourceLocation[];
}

/**
 * Parses manifest text into plain data, turning every YAML-level problem into a located
 * diagnostic: syntax errors, duplicate keys, unknown tags, non-scalar keys, unknown aliases
 * and alias bombs. Never throws for bad input.
 */
export function readYaml(file: string, text: string): YamlRead {
  const source = YamlSource.parse(file, text);
  const recoverable: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  const problems = [...source.doc.errors, ...source.doc.warnings];
  // An unterminated quote swallows the rest of the file; what yaml then reports at the end follows from it.
  const quoteEnds = new Set(problems.filter(isMissingQuote).map((problem) => problem.pos[0]));
  let stackExhausted = false;
  for (const problem of problems) {
    if (quoteEnds.has(problem.pos[0]) && !isMissingQuote(problem)) continue;
    // Too deep to parse: every level that gave up reports it; the first says it all.
    if (problem.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(problem.message)) {
      if (stackExhausted) continue;
      stackExhausted = true;
    }
    const diagnostic = yamlDiagnostic(source, problem);
    if (problem.name === 'YAMLWarning' || RECOVERABLE.has(problem.code)) recoverable.push(diagnostic);
    else fatal.push(diagnostic);
  }
  let unsafe: Diagnostic[] = [];
  if (fatal.length === 0) {
    const shape = shapeProblems(source);
    fatal.push(...shape.fatal);
    unsafe = shape.unsafe;
  }
  if (fatal.length === 0) fatal.push(...structureProblems(source));
  if (fatal.length > 0) return { source, data: err([...recoverable, ...unsafe, ...fatal]), diagnostics: [] };
  // A tag or a `__proto__` key is refused, and the rest of the document is still checked without it.
  const checked = unsafe.length === 0 ? source : source.withUnsafeDataRemoved(isUnsafeTag, (key) => RESERVED_KEYS.has(key));
  const views = problems.some((problem) => problem.code === 'DUPLICATE_KEY') ? duplicateViews(checked) : [];
  const masked = unsafe.map((d) => d.location);
  return { source: checked, data: toData(checked), diagnostics: [...recoverable, ...unsafe], views, masked };
}

function isUnsafeTag(tag: string): boolean {
  return tag.startsWith('tag:yaml.org,2002:') && !PLAIN_TAGS.has(tag);
}

/**
 * With duplicate keys the data keeps the last value of each; these are the same document with
 * an earlier one kept instead (first, second, ...), so that the problems inside every
 * duplicate are reported too, not only inside the last.
 */
export interface YamlView {
  source: YamlSource;
  data: unknown;
}

/** At most this many views: a key written more often than this has its later copies checked only. */
const MAX_DUPLICATE_VIEWS = 4;

function duplicateViews(source: YamlSource): YamlView[] {
  let most = 1;
  visit(source.doc, {
    Map(_, map) {
      const counts = new Map<string, number>();
      for (const pair of map.items) {
        const key = keyText(pair.key);
        if (key === null) continue;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        most = Math.max(most, count);
      }
    },
  });
  const views: YamlView[] = [];
  for (let keep = 0; keep < Math.min(most - 1, MAX_DUPLICATE_VIEWS); keep++) {
    const view = source.withDuplicateKept(keep);
    const data = toData(view);
    if (data.ok) views.push({ source: view, data: data.value });
  }
  return views;
}

// One iterative walk over the whole document for what must be refused before any recursive walk:
// nesting deeper than MAX_NESTING_DEPTH, `__proto__` keys and tags that are not plain data.
function shapeProblems(source: YamlSource): { fatal: Diagnostic[]; unsafe: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  const stack: Array<{ node: unknown; depth: number }> = [{ node: source.doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isNode(node)) continue;
    if (node.tag !== undefined && isUnsafeTag(node.tag)) {
      const shown = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      problems.push({
        severity: 'error',
        message: `unsupported YAML tag ${quote(shown)}: expected a plain mapping, list or value`,
        location: source.nodeLocation(node),
        hint: 'remove the tag: manifests use plain YAML values (write a mapping as `key: value` lines)',
      });
      continue;
    }
    if (isMap(node) || isSeq(node)) {
      if (depth >= MAX_NESTING_DEPTH) {
        fatal.push({
          severity: 'error',
          message: `the document nests mappings and lists more than ${MAX_NESTING_DEPTH} levels deep`,
          location: source.nodeLocation(node),
          hint: 'a manifest needs only a few levels; check for unbalanced brackets',
        });
        return { fatal, unsafe: problems };
      }
      for (const item of node.items) {
        if (isPair(item)) {
          const key = keyText(item.key);
          if (key !== null && RESERVED_KEYS.has(key) && isNode(item.key)) {
            problems.push({
              severity: 'error',
              message: `the key ${quote(key)} is not allowed: it cannot be passed on as data`,
              location: source.nodeLocation(item.key),
              hint: 'rename or remove it',
            });
          }
          stack.push({ node: item.value, depth: depth + 1 });
        } else {
          stack.push({ node: item, depth: depth + 1 });
        }
      }
    }
  }
  return { fatal, unsafe: problems };
}

function yamlDiagnostic(source: YamlSource, problem: YAMLError): Diagnostic {
  const [start, end] = problem.pos;
  const located = (message: string, hint?: string): Diagnostic => {
    const diagnostic: Diagnostic = { severity: 'error', message, location: source.location(start, end) };
    if (hint !== undefined) diagnostic.hint = hint;
    return diagnostic;
  };
  switch (problem.code) {
    case 'DUPLICATE_KEY':
      return duplicateKey(source, start) ?? located('duplicate key: each key may appear once in a mapping');
    case 'MISSING_CHAR':
      return (isMissingQuote(problem) ? unterminatedQuote(source, start) : null) ?? located(lowerFirst(problem.message));
    case 'MULTIPLE_DOCS':
      return located('expected a single YAML document, found a second one after "---"', 'a manifest is one document: remove the "---" line and merge the two');
    case 'RESOURCE_EXHAUSTION':
      if (/call stack/i.test(problem.message)) {
        return located(`the document nests too deeply to read (the most is ${MAX_NESTING_DEPTH} levels)`, 'a manifest needs only a few levels; check for unbalanced brackets');
      }
      return located(lowerFirst(problem.message));
    case 'TAG_RESOLVE_FAILED':
      return located(`unknown YAML tag ${quote(source.text.slice(start, end))}`, 'remove the tag: manifests use plain YAML values');
    default:
      return located(lowerFirst(problem.message));
  }
}

// yaml reports a duplicate at the first character of the repeated key; point at the whole key
// and name the line where it was first set.
function duplicateKey(source: YamlSource, offset: number): Diagnostic | null {
  let found: Diagnostic | null = null;
  visit(source.doc, {
    Map(_, map) {
      const index = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.range?.[0] === offset);
      const pair = map.items[index];
      if (pair === undefined || !isScalar(pair.key)) return undefined;
      const name = keyText(pair.key) ?? '';
      const first = map.items.find((other) => keyText(other.key) === name);
      const firstStart = isScalar(first?.key) ? first.key.range?.[0] : undefined;
      const firstLine = firstStart === undefined ? null : source.location(firstStart, firstStart).line;
      const where = firstLine === null ? '' : `: already set on line ${firstLine}`;
      const range = pair.key.range ?? [offset, offset + 1];
      found = {
        severity: 'error',
        message: `duplicate key ${quote(name)}${where}`,
        location: source.location(range[0], range[1]),
        hint: map === source.valueAt(['jobs']) ? 'job names must be unique: rename one of the jobs' : 'a key may appear once per mapping: remove one',
      };
      return visit.BREAK;
    },
  });
  return found;
}

function isMissingQuote(problem: YAMLError): boolean {
  return problem.code === 'MISSING_CHAR' && /closing ["']quote/.test(problem.message);
}

// yaml reports a missing closing quote where the file ends; point at the quote that opened it.
function unterminatedQuote(source: YamlSource, end: number): Diagnostic | null {
  let opened: Diagnostic | null = null;
  visit(source.doc, {
    Scalar(_, scalar) {
      const quoted = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE;
      if (!quoted || scalar.range?.[1] !== end) return undefined;
      const quote = scalar.type === Scalar.QUOTE_DOUBLE ? '"' : "'";
      opened = {
        severity: 'error',
        message: `unterminated string: no closing ${quote} for the quote opened here`,
        location: source.location(scalar.range[0], scalar.range[0] + 1),
        hint: `close the string with ${quote}`,
      };
      return visit.BREAK;
    },
  });
  return opened;
}

// Shapes the yaml parser accepts but plain data cannot hold faithfully: keys that are lists or
// mappings, and aliases with no anchor before them.
function structureProblems(source: YamlSource): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (node: Node, message: string, hint?: string): void => {
    const diagnostic: Diagnostic = { severity: 'error', message, location: source.nodeLocation(node) };
    if (hint !== undefined) diagnostic.hint = hint;
    problems.push(diagnostic);
  };
  visit(source.doc, {
    Pair(_, pair) {
      const key = pair.key;
      const found = isAlias(key) ? 'an alias' : isMap(key) ? 'a mapping' : isSeq(key) ? 'a list' : null;
      if (found !== null && isNode(key)) at(key, `expected a plain key such as a name, found ${found}`);
    },
    Alias(_, alias) {
      if (alias.resolve(source.doc) === undefined) {
        at(alias, `unknown alias "*${alias.source}": no anchor "&${alias.source}" before it`, 'define the anchor (&name) before using the alias (*name)');
      }
    },
  });
  return problems;
}

// Plain data for validation; alias expansion is capped so a small file cannot expand to gigabytes.
function toData(source: YamlSource): Result<unknown, Diagnostic[]> {
  try {
    return ok(source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let firstAlias: Node | null = null;
    visit(source.doc, {
      Alias(_, alias) {
        firstAlias = alias;
        return visit.BREAK;
      },
    });
    return err([
      {
        severity: 'error',
        message: `too many alias expansions: the document would expand past ${MAX_ALIAS_COUNT} aliased values`,
        location: source.nodeLocation(firstAlias),
        hint: 'aliases that nest aliases multiply; write the values out or use `defaults:`',
      },
    ]);
  }
}

function lowerFirst(text: string): string {
  return text.length > 0 && !/^[A-Z]{2}/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
