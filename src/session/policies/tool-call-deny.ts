/**
 * Deny rules for agents that ask no one: in a headless run (Claude Code `-p`, Gemini CLI `-p`)
 * there is no dialog on screen for a job's `action: deny` rule to decline, so the adapter's
 * monitor checks each tool call the agent announces in its event stream against those rules
 * instead, and stops the job as `denied` on a match. Agent-neutral: an adapter turns its own
 * tool-call events into a tool name and its input, this module does the rest.
 *
 * The call is described in one line, the text a rule is matched against and the report shows:
 * the shell command, else `<tool> <file>`, else `<tool> <input as JSON>`.
 */
import { cut, EXCERPT_MAX_LINES, type Intervention } from './policy.js';
import type { AnswerRule } from './spec.js';

/** Input fields that name the file or folder a tool works on, in the order they are looked at. */
const FILE_FIELDS = ['file_path', 'notebook_path', 'dir_path', 'path'] as const;

/** What a tool call does, in one line for messages and deny checks: the shell command, else the file, else the arguments. */
export function describeToolCall(toolName: string, input: unknown): string {
  const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : null;
  const command = fields?.['command'];
  if (typeof command === 'string') return command;
  for (const key of FILE_FIELDS) {
    const file = fields?.[key];
    if (typeof file === 'string') return `${toolName} ${file}`;
  }
  return `${toolName} ${JSON.stringify(input ?? null)}`;
}

/** A tool call one of the job's deny rules refuses: why the job stops, and the intervention that names the rule. */
export interface ToolCallDenial {
  rule: AnswerRule;
  message: string;
  /** The message for when the agent's output later shows the call ran anyway (its approval mode ran it as it announced it). */
  ranMessage: string;
  intervention: Intervention;
}

/**
 * The job's deny rules (`action: deny`) that apply to announced tool calls: the others act on
 * screens only.
 */
export function denyRulesOf(answers: readonly AnswerRule[]): AnswerRule[] {
  return answers.filter((rule) => rule.action === 'deny');
}

/**
 * The first deny rule whose pattern matches the described call, as a denial for `agent` (the
 * name used in the message, e.g. `claude`), or null when none matches.
 */
export function denyToolCall(agent: string, call: string, denyRules: readonly AnswerRule[], now: number): ToolCallDenial | null {
  const rule = denyRules.find((r) => r.action === 'deny' && r.match.lastMatch(call) !== null);
  if (rule === undefined) return null;
  const named = `deny rule ${rule.index + 1} (${JSON.stringify(rule.matchSource)})`;
  return {
    rule,
    message: `${agent} wanted to run \`${call}\`, which ${named} refuses`,
    ranMessage: `${agent} ran \`${call}\` before ${named} could stop it: its approval mode let the call run as it was announced (only the agent's own approval settings can refuse a call beforehand)`,
    intervention: { at: now, kind: 'deny', rule: { index: rule.index, match: rule.matchSource }, excerpt: call.split('\n').slice(0, EXCERPT_MAX_LINES).map(cut), sent: null },
  };
}
