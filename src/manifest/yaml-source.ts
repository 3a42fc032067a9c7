import { createRequire } from 'node:module';
import type { Document, LineCounter, Node, Pair, YAMLMap } from 'yaml';
// CommonJS, required directly: start-up skips the ES module wrapper (`validate` is timed against `node -e 0`).
const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
const { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, visit } = yaml;
import type { Diagnostic, SourceLocation } from './model.js';

/** Where a value sits in the manifest: map keys and list indexes (as strings), from the root. */
export type ValuePath = readonly string[];

/** Which part of a map entry a diagnostic points at. */
export type EntryPart = 'key' | 'value';

/** Options for {@link YamlSource.diagnostic}. */
export interface DiagnosticOptions {
  hint?: string | null;
  /** Point at the entry's key instead of its value (default: the value). */
  part?: EntryPart;
  /** Offsets inside a string value; used when the characters appear verbatim in the source. */
  span?: { start: number; end: number };
}

interface Entry {
  key: Node | null;
  value: Node | null;
}

/**
 * One parsed YAML file that can say where any value came from. It owns the `yaml` parse
 * options, the line counter and the walk from a value path (such as an ajv instancePath) to
 * the node and its source range.
 */
export class YamlSource {
  private readonly pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  private constructor(
    /** Absolute path of the file. */
    readonly file: string,
    readonly text: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses text (never throws: YAML problems land in `doc.errors` / `doc.warnings`). */
  static parse(file: string, text: string): YamlSource {
    const lines = new yaml.LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      uniqueKeys: true,
      prettyErrors: false,
      // The library never prints: 'warn' would call process.emitWarning. ('silent' would also
      // drop the error for a second document.)
      logLevel: 'error',
    });
    return new YamlSource(file, text, doc, lines);
  }

  /**
   * The same file with, in every mapping that repeats a key, only its `keep`-th occurrence of
   * that key (0: the first; past the last: the last) where the parsed data keeps the last.
   * Locations stay those of the original text.
   */
  withDuplicateKept(keep: number): YamlSource {
    const doc = this.doc.clone() as Document.Parsed;
    visit(doc, {
      Map(_, map) {
        const totals = new Map<string, number>();
        for (const pair of map.items) {
          const key = keyText(pair.key);
          if (key !== null) totals.set(key, (totals.get(key) ?? 0) + 1);
        }
        if ([...totals.values()].every((total) => total === 1)) return;
        const seen = new Map<string, number>();
        map.items = map.items.filter((pair) => {
          const key = keyText(pair.key);
          if (key === null) return true;
          const index = seen.get(key) ?? 0;
          seen.set(key, index + 1);
          const total = totals.get(key) ?? 1;
          return total === 1 || index === Math.min(keep, total - 1);
        });
      },
    });
    return new YamlSource(this.file, this.text, doc, this.lines);
  }

  /**
   * The same file with the parts that cannot be passed on as data made harmless, in place: a
   * `__proto__` key renamed, and a tag that is not plain data (`!!omap`, `!!set`, ...) dropped
   * so its node reads as the plain mapping, list or value it is written as. Those parts already
   * have their own diagnostic (and problems inside them are masked by the caller); the rest is
   * then checked as usual, so one of them hides no other problem. Locations stay those of the
   * original text.
   */
  withUnsafeDataRemoved(isUnsafeTag: (tag: string) => boolean, isReservedKey: (key: string) => boolean): YamlSource {
    const doc = this.doc.clone() as Document.Parsed;
    visit(doc, {
      Pair(_, pair) {
        const key = keyText(pair.key);
        if (key !== null && isReservedKey(key) && isScalar(pair.key)) pair.key.value = `${key} (refused)`;
      },
      Node(_, node) {
        if (node.tag !== undefined && isUnsafeTag(node.tag)) delete node.tag;
      },
    });
    return new YamlSource(this.file, this.text, doc, this.lines);
  }

  /** The 1-based location of source offsets [start, end). */
  location(start: number, end: number): SourceLocation {
    const from = this.lines.linePos(start);
    const to = this.lines.linePos(Math.max(start, end));
    return { file: this.file, line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  }

  /** The location of a node's own text (without trailing comments), or of 1:1 for none. */
  nodeLocation(node: Node | null): SourceLocation {
    const range = node?.range;
    return range ? this.location(range[0], range[1]) : this.location(0, 0);
  }

  /** The value node at a path (aliases followed), or null when the path does not exist. */
  valueAt(path: ValuePath): Node | null {
    return this.entryAt(path)?.value ?? null;
  }

  /** The distinct keys of the mapping at a path, in document order (empty when it is not a mapping). */
  keysAt(path: ValuePath): string[] {
    const node = this.valueAt(path);
    if (!isMap(node)) return [];
    const keys = node.items.map((pair) => keyText(pair.key)).filter((key): key is string => key !== null);
    return [...new Set(keys)];
  }

  /**
   * Where a path is in the source: its value, or with `part: 'key'` its key. Falls back to the
   * key when the value is empty (`key:` with nothing), and to the nearest existing parent.
   */
  locate(path: ValuePath, part: EntryPart = 'value'): SourceLocation {
    for (let depth = path.length; depth >= 0; depth--) {
      const entry = this.entryAt(path.slice(0, depth));
      if (entry === null) continue;
      const valueIsEmpty = entry.value === null || isEmptyRange(entry.value);
      const node = (part === 'key' || valueIsEmpty) && entry.key !== null ? entry.key : entry.value;
      return this.nodeLocation(node);
    }
    return this.location(0, 0);
  }

  /** An error diagnostic located at a path (or a span inside its string value). */
  diagnostic(path: ValuePath, message: string, options: DiagnosticOptions = {}): Diagnostic {
    let location = this.locate(path, options.part);
    if (options.span !== undefined && options.part !== 'key') {
      const base = this.verbatimStart(this.valueAt(path));
      if (base !== null) location = this.location(base + options.span.start, base + options.span.end);
    }
    const diagnostic: Diagnostic = { severity: 'error', message, location };
    if (options.hint !== undefined && options.hint !== null) diagnostic.hint = options.hint;
    return diagnostic;
  }

  // Source offset of a string scalar's first character when its value is written out verbatim
  // (plain, or quoted without escapes on one line), so offsets in the value are offsets in the file.
  private verbatimStart(node: Node | null): number | null {
    if (!isScalar(node) || typeof node.value !== 'string' || node.range === undefined || node.range === null) return null;
    const [start, end] = node.range;
    const written = this.text.slice(start, end);
    if (node.type === Scalar.PLAIN && written === node.value) return start;
    const quoted = node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE;
    if (quoted && written.slice(1, -1) === node.value) return start + 1;
    return null;
  }

  // The map entry (key and value nodes) at a path; the root has no key.
  private entryAt(path: ValuePath): Entry | null {
    let entry: Entry = { key: null, value: this.doc.contents };
    for (const segment of path) {
      const container = this.follow(entry.value);
      if (isMap(container)) {
        const pair = this.pairsOf(container).get(segment);
        if (pair === undefined) return null;
        entry = { key: asNode(pair.key), value: asNode(pair.value) };
      } else if (isSeq(container)) {
        const index = Number(segment);
        if (!Number.isInteger(index) || index < 0 || index >= container.items.length) return null;
        entry = { key: null, value: asNode(container.items[index]) };
      } else {
        return null;
      }
    }
    return entry;
  }

  // Each mapping's entries by key, built once: walks run per job and per error, and a linear
  // search in every one of them would make large manifests quadratic. Later duplicates win, as
  // they do in the parsed data.
  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let pairs = this.pairIndex.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const pair of map.items) {
        const key = keyText(pair.key);
        if (key !== null) pairs.set(key, pair);
      }
      this.pairIndex.set(map, pairs);
    }
    return pairs;
  }

  // An alias stands for its anchored node when walking into it.
  private follow(node: Node | null): Node | null {
    return isAlias(node) ? (node.resolve(this.doc) ?? null) : node;
  }
}

/** The text a map key has in the parsed data (null for a key that is not a scalar). */
export function keyText(key: unknown): string | null {
  if (!isScalar(key)) return null;
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

function asNode(value: unknown): Node | null {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : null;
}

function isEmptyRange(node: Node): boolean {
  const range = node.range;
  return range !== undefined && range !== null && range[1] <= range[0];
}
