/**
 * GitHub's own workflow parser (@actions/workflow-parser, the one behind the Actions language
 * service), loaded under Node: its build imports its JSON schema without an import attribute,
 * which only bundlers accept, so a loader hook adds `type: 'json'` for that package's JSON files.
 */
import { register } from 'node:module';

const HOOK = `export async function load(url, context, nextLoad) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}`;

let registered = false;

/** The problems GitHub reports for a workflow file's text (schema, expressions, `needs`), as `file (Line: l, Col: c): message`. */
export async function workflowProblems(name: string, content: string): Promise<string[]> {
  if (!registered) {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    registered = true;
  }
  const parser = await import('@actions/workflow-parser');
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  if (parsed.value !== undefined) await parser.convertWorkflowTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => e.message);
}
