/**
 * Failures explain themselves: for a job that did not succeed, the reason in words, the last
 * meaningful lines of its output, and what to do next. One pure function shared by the
 * end-of-run summary and every report format, so they all say the same thing.
 */
import { readLine } from '../session/classify/lines.js';
import { isKeyHintLine } from '../session/classify/key-hints.js';
import { isWorkingLine } from '../session/classify/working.js';
import { sanitizeLine } from '../ui/text.js';
import type { ReportJob } from './report-input.js';
import type { AgentAdapter } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';

/** Why a job did not succeed, what it printed last, and what to do about it. */
export interface FailureExplanation {
  /** The reason in words, one sentence. */
  reason: string;
  /** The last meaningful lines of its output (at most {@link TAIL_LINES}), oldest first. */
  tail: string[];
  /** What to do next, each a sentence; commands in backticks. */
  next: string[];
}

/** How many meaningful output lines an explanation keeps. */
export const TAIL_LINES = 10;

/** Outcomes (issue 11's `outcome`) that count as success. */
const GOOD_OUTCOMES = new Set(['verified', 'succeeded']);

/** Whether a job ended well: succeeded, and its outcome (when known) is a success. */
export function jobSucceeded(job: Pick<ReportJob, 'status' | 'outcome'>): boolean {
  if (job.status !== 'succeeded') return false;
  return job.outcome === undefined || job.outcome === null || GOOD_OUTCOMES.has(job.outcome);
}

/** Lines that are chrome rather than content: footers, prompts, bare numbers (token counts), lone glyphs. */
const FOOTER = [
  /^\d[\d,.]*$/, // `42,751`: a token count on its own
  /\btokens used\b/i,
  /\bcontext left\b/i,
  /\b\d+% (?:context )?left\b/i,
  /^[›>❯$#%]\s*\S{0,2}$/, // an empty prompt, perhaps with a cursor glyph
  /^[^\p{L}\p{N}]*$/u, // only glyphs and punctuation
  /\bfor shortcuts\b/i,
  /^\/\w+\s+-\s/, // slash-command menus
];

/** Whether one transcript line says something a person would want to read. */
export function isMeaningfulLine(raw: string): boolean {
  const line = readLine(sanitizeLine(raw), 0);
  if (line.blank || line.frameTitle !== null) return false;
  const body = line.body;
  if (isWorkingLine(body) || isKeyHintLine(body)) return false;
  return !FOOTER.some((re) => re.test(body));
}

/**
 * The last `count` meaningful lines of a transcript, oldest first. A line repeated (a screen
 * redrawn) is kept once, at its last place.
 */
export function meaningfulTail(text: string, count = TAIL_LINES): string[] {
  const picked: string[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = lines.length - 1; i >= 0 && picked.length < count; i--) {
    const raw = lines[i]!;
    if (!isMeaningfulLine(raw)) continue;
    const clean = sanitizeLine(raw).replace(/^[│┃║]\s?|\s?[│┃║]$/g, '').trim();
    if (seen.has(clean)) continue;
    seen.add(clean);
    picked.push(clean);
  }
  return picked.reverse();
}

/** What a run's manifest is called in commands shown to the user (relative names stay readable). */
export interface ExplainContext {
  /** The manifest path as the user should type it. */
  manifest: string;
}

/**
 * The explanation of a job that did not succeed, or null when it did. `transcript` is the
 * tail of its `<job>.txt` ('' when unknown).
 */
export function explainFailure(job: ReportJob, transcript: string, context: ExplainContext): FailureExplanation | null {
  if (jobSucceeded(job)) return null;
  const tail = verifyTail(job) ?? meaningfulTail(transcript);
  return { reason: reasonInWords(job), tail, next: nextSteps(job, context) };
}

// A failed verification explains itself best by the verify command's own output.
function verifyTail(job: ReportJob): string[] | null {
  const verify = job.attempts?.at(-1)?.verify;
  if (job.outcome !== 'verify-failed' || verify === undefined || verify === null || verify.tail == null) return null;
  const text = Array.isArray(verify.tail) ? verify.tail.join('\n') : verify.tail;
  const tail = meaningfulTail(text);
  return tail.length === 0 ? null : tail;
}

function exitPart(job: ReportJob): string {
  if (job.signal !== null) return ` (signal ${job.signal})`;
  return job.exitCode !== null && job.exitCode !== 0 ? ` (exit ${job.exitCode})` : '';
}

/** The reason in words: the recorded message when there is one, else a sentence for the tag. */
export function reasonInWords(job: ReportJob): string {
  const message = job.message === null ? '' : sanitizeLine(job.message);
  const said = (fallback: string): string => (message !== '' ? `${fallback}: ${message}` : fallback);
  if (job.status === 'succeeded' && job.outcome != null) {
    switch (job.outcome) {
      case 'verify-failed': {
        const verify = job.attempts?.at(-1)?.verify;
        const code = verify?.exitCode != null ? ` (exit ${verify.exitCode})` : '';
        return `The agent finished, but the verify command failed${code}.`;
      }
      case 'budget-exhausted':
        return 'The agent stopped because its budget (turns, tokens or time) ran out before the work was verified.';
      case 'rate-limited':
        return 'The provider kept answering "too many requests".';
      default:
        return `The job ended with outcome ${job.outcome}.`;
    }
  }
  switch (job.reason) {
    case 'waiting-for-input':
      return said('It stopped waiting for an answer nobody gave');
    case 'idle-killed':
      return said('It was stopped because it went quiet for too long');
    case 'timeout':
      return said('It ran out of time');
    case 'binary-missing':
      return said('Its program was not found');
    case 'not-logged-in':
      return said('The agent is not signed in');
    case 'workdir-missing':
      return said('Its working folder does not exist');
    case 'exit-non-zero':
      // The generic "exited with code N" message says no more than the code itself.
      if (job.exitCode !== null && (message === '' || /exited with code \d+$/.test(message))) return `It exited with code ${job.exitCode}.`;
      return said(`It exited with an error${exitPart(job)}`);
    case 'killed-by-signal':
      return said(`It was killed${exitPart(job)}`);
    case 'looping':
      return said('It was stopped because it kept repeating the same output');
    case 'output-limit':
      return said('It was stopped because it printed more than its output limit');
    case 'denied':
      return said('A deny rule refused what it asked to do');
    case 'rule-failed':
    case 'rule-killed':
      return said('An answer rule ended it');
    case 'interrupted':
      return said('The run was interrupted');
    case 'not-selected':
      return 'It was not selected to run (--job).';
    case 'rate-limited':
      return said('The provider kept answering "too many requests"');
    case 'usage-limit':
      return said("The account's usage limit is used up");
    case 'model-error':
      return said('The model stream kept failing');
    case 'sandbox-denied':
      return said('The sandbox refused what the agent needed');
    case 'agent-usage':
      return said('The agent refused its arguments or configuration');
    case 'spawn-failed':
      return said('It could not be started');
    case 'log-write-failed':
      return said('Its log could not be written');
    case 'resume-lost-context':
      return said('Its resumed session lost the conversation');
    case 'shard-lost':
      // The merge's own sentence: which shard should have run it, and why its result is missing.
      return message === '' ? 'Its shard left no result for it.' : `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
    case null:
      return said(`It ended ${job.status}${exitPart(job)}`);
    default:
      return said(`It ended ${job.status} (${String(job.reason)})`);
  }
}

// Double-quoted YAML scalar: safe for any text.
function yamlString(text: string): string {
  return JSON.stringify(text);
}

// A regex that matches the question text literally (answers: match is a regex).
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The question a job was left waiting on, from its blocked interventions. */
function openQuestion(job: ReportJob): { text: string; options: Array<{ label: string; keys: string[] }> } | null {
  for (let i = job.interventions.length - 1; i >= 0; i--) {
    const info = job.interventions[i]!;
    if (info.kind === 'answer' || info.kind === 'deny') return null;
    if (info.kind === 'blocked') {
      const q = info['question'] as { text?: unknown; options?: unknown } | undefined;
      if (q !== undefined && typeof q.text === 'string') {
        const options = Array.isArray(q.options) ? (q.options as Array<{ label: string; keys: string[] }>) : [];
        return { text: q.text, options };
      }
      return null;
    }
  }
  return null;
}

// The adapter of the job's agent, when the report says which (reports before `agent` was recorded do not).
function adapterOf(job: ReportJob): AgentAdapter | null {
  return job.agent === undefined ? null : adapterFor(job.agent);
}

// Whether `codex-run resume` can continue the job: its agent reported a session, or (before it
// said one) its adapter can resume by id.
function resumable(job: ReportJob): boolean {
  return job.sessionId !== null || adapterOf(job)?.resumePlan !== undefined;
}

function rerun(job: ReportJob, context: ExplainContext): string {
  return `\`codex-run ${context.manifest} --job ${shellWord(job.name)}\``;
}

// A job name as one shell word (quoted when it has anything but safe characters).
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function resumeSteps(job: ReportJob): string[] {
  const steps = [`Resume it: \`codex-run resume ${shellWord(job.name)}\``];
  // The agent's own resume command, when its adapter knows one; only `codex-run resume` otherwise.
  const byHand = job.sessionId === null ? null : (adapterOf(job)?.resumeByHand?.(job.argv, job.sessionId) ?? null);
  if (byHand !== null) steps[0] += `, or by hand: \`${byHand}\``;
  return steps;
}

/** What to do next, for the job's reason. */
export function nextSteps(job: ReportJob, context: ExplainContext): string[] {
  if (job.status === 'succeeded' && job.outcome === 'verify-failed') {
    return ['Read the verify output above, fix what it reports or tighten the prompt, then re-run: ' + rerun(job, context) + '.'];
  }
  // The agent's own advice first (how it signs in, how it is installed), then the neutral one.
  const own = job.reason === null ? null : (adapterOf(job)?.advice?.(job.reason, { rerun: rerun(job, context) }) ?? null);
  if (own !== null) return [own];
  switch (job.reason) {
    case 'waiting-for-input':
    case 'rule-failed': {
      const question = openQuestion(job);
      if (question === null) return [`Look at the screen in ${job.transcriptFile}, add an \`answers:\` rule for what it asked, and re-run: ${rerun(job, context)}.`];
      const option = question.options[0];
      const key = option?.keys.join('') ?? 'y';
      const shown = key === '\r' ? 'enter' : key === '\x1b' ? 'esc' : key;
      const rule = `answers:\n  - match: ${yamlString(escapeRegex(sanitizeLine(question.text)))}\n    send: ${yamlString(shown)}`;
      const chose = option === undefined ? '' : ` (chooses "${sanitizeLine(option.label)}")`;
      return [`Add an answer rule to the job's \`answers:\`${chose}, then re-run: ${rerun(job, context)}.\n${rule}`];
    }
    case 'idle-killed':
    case 'looping':
      return resumable(job) ? [...resumeSteps(job), `Or raise \`idle:\` in the manifest if it was only thinking.`] : [`Raise \`idle:\` if it was only slow, then re-run: ${rerun(job, context)}.`];
    case 'timeout':
      return resumable(job) ? [...resumeSteps(job), 'Or raise `timeout:` for the job.'] : [`Raise \`timeout:\` for the job, then re-run: ${rerun(job, context)}.`];
    case 'not-logged-in':
      return [`Sign the agent in (or set its API key in the job's \`env:\`), check with \`codex-run doctor\`, then re-run: ${rerun(job, context)}.`];
    case 'binary-missing':
      return [
        job.argv[0] === undefined
          ? `Install the agent's program or fix where the job points to it (see above), check with \`codex-run doctor\`, then re-run: ${rerun(job, context)}.`
          : `Install \`${job.argv[0]}\` or fix the job's \`command:\` / PATH, then re-run: ${rerun(job, context)}.`,
      ];
    case 'workdir-missing':
      return [`Create the folder or fix the job's \`workdir:\`: ${job.workdir}.`];
    case 'rate-limited':
    case 'usage-limit':
      return [`Wait for the limit to reset (or lower \`concurrency:\`), then ${resumable(job) ? `resume: \`codex-run resume ${shellWord(job.name)}\`` : `re-run: ${rerun(job, context)}`}.`];
    case 'model-error':
      return resumable(job) ? resumeSteps(job) : [`Re-run: ${rerun(job, context)}.`];
    case 'agent-usage':
      return ['Check the agent version against the manifest: `codex-run doctor`.'];
    case 'sandbox-denied':
      return ["Allow what it needs in the job's sandbox settings, or change the task, then re-run: " + rerun(job, context) + '.'];
    case 'denied':
      return ['Check the deny rule that matched (see interventions); allow the command if it is safe.'];
    case 'output-limit':
      return ['Raise the output limit if the output is expected, or find why it printed so much.'];
    case 'interrupted':
      return [`Re-run: ${rerun(job, context)}.`];
    case 'not-selected':
      return [];
    case 'shard-lost':
      return [
        `Look at that shard's CI job (did its run folder get uploaded?), then run what is missing: \`codex-run ${context.manifest} --rerun-failed <merged folder>/report.json\`, and merge that run with this folder.`,
      ];
    case 'exit-non-zero':
    case 'killed-by-signal':
    case 'spawn-failed':
    case 'log-write-failed':
    case 'rule-killed':
    case 'resume-lost-context':
    case null:
    default:
      return [`Read the output above (full log: ${job.transcriptFile}), fix the cause, then re-run: ${rerun(job, context)}.`];
  }
}

/** The explanation as plain text lines (summary, CI output), without cutting anything. */
export function explanationLines(explanation: FailureExplanation): string[] {
  const lines = [explanation.reason];
  if (explanation.tail.length > 0) {
    lines.push('Last output:');
    for (const line of explanation.tail) lines.push(`  | ${line}`);
  }
  for (const step of explanation.next) {
    const [first, ...rest] = step.split('\n');
    lines.push(`Next: ${first ?? ''}`);
    for (const more of rest) lines.push(`    ${more}`);
  }
  return lines;
}
