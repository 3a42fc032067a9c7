/**
 * Branch names from the manifest's `worktree.branch` template (`codex-run/{run}/{job}`): the
 * placeholders it may use, their expansion, and git's rules for a valid branch name
 * (git-check-ref-format(1)), checked here without running git so the manifest loader can
 * point at the exact placeholder or character that is wrong.
 */
import { err, ok, type Result } from '../util/result.js';

/** The placeholders a branch template may use. */
export const BRANCH_PLACEHOLDERS = ['run', 'job', 'date'] as const;
export type BranchPlaceholder = (typeof BRANCH_PLACEHOLDERS)[number];

/** The default template: one branch per job per run, grouped under codex-run/. */
export const DEFAULT_BRANCH_TEMPLATE = 'codex-run/{run}/{job}';

/** A `{name}` in a template, with its offsets in the template text. */
export interface TemplatePart {
  name: string;
  start: number;
  end: number;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The `{...}` parts of a template, known or not. */
export function templateParts(template: string): TemplatePart[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? '', start: m.index, end: m.index + m[0].length }));
}

/** The `{...}` parts that are not placeholders. */
export function unknownPlaceholders(template: string): TemplatePart[] {
  return templateParts(template).filter((part) => !(BRANCH_PLACEHOLDERS as readonly string[]).includes(part.name));
}

/** The template with every known placeholder replaced (unknown ones stay as written). */
export function expandBranch(template: string, values: Record<BranchPlaceholder, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => ((BRANCH_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as BranchPlaceholder] : whole));
}

/** `{date}`: the run's start day, UTC, as YYYY-MM-DD. */
export function branchDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Why `name` is not a valid branch name, or ok. The rules of `git check-ref-format --branch`. */
export function checkBranchName(name: string): Result<string, string> {
  if (name === '') return err('it is empty');
  if (name === '@') return err("'@' alone is not a branch name");
  if (name.startsWith('-')) return err("it starts with '-'");
  if (name.startsWith('/') || name.endsWith('/')) return err("it starts or ends with '/'");
  if (name.includes('//')) return err("it has '//'");
  if (name.endsWith('.')) return err("it ends with '.'");
  if (name.includes('..')) return err("it has '..'");
  if (name.includes('@{')) return err("it has '@{'");
  const bad = [...name].find((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f' || ' ~^:?*[\\'.includes(ch));
  if (bad !== undefined) return err(`it has ${bad === ' ' ? 'a space' : JSON.stringify(bad)}, which git does not allow in a branch name`);
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return err(`its part ${JSON.stringify(component)} starts with '.'`);
    if (component.endsWith('.lock')) return err(`its part ${JSON.stringify(component)} ends with '.lock'`);
  }
  return ok(name);
}
