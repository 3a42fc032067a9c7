import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// End to end with the real Codex CLI (the pinned devDependency) against codex-run's own
// scripted model server on 127.0.0.1: `codex-run --rehearse`, as a user runs it.

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  sessionId: string | null;
  tokensUsed: number | null;
  lastMessage: string | null;
  lastLine: string | null;
  interventions: Array<{ kind: string; sent: string | null; rule: { index: number } | null; sessionId?: string; attempt?: number }>;
}
interface RequestLog {
  kind: string;
  outcome: string;
  sessionId: string | null;
  turns: number[];
  userMessages: string[];
}

async function rehearse(body: (workdir: string) => string): Promise<{ code: number | null; out: string; workdir: string; runDir: string; jobs: Map<string, ReportJob>; requests: Record<string, RequestLog[]> }> {
  const dir = tempDir();
  const workdir = path.join(dir, 'work');
  mkdirSync(path.join(workdir, 'keep'), { recursive: true });
  writeFileSync(path.join(workdir, 'keep', 'precious.txt'), 'keep me');
  writeFileSync(path.join(dir, 'jobs.yaml'), body(workdir));
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 60_000, env: { HOME: dir } });
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.ok(runId !== undefined, r.stdout + r.stderr);
  const runDir = path.join(root, runId);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { jobs: ReportJob[] };
  const requests = JSON.parse(readFileSync(path.join(runDir, 'rehearsal.json'), 'utf8')) as Record<string, RequestLog[]>;
  assert.equal(existsSync(path.join(dir, '.codex')), false, 'the user home is never touched');
  for (const name of ['report.md', 'report.junit.xml', 'report.html']) assert.ok(existsSync(path.join(runDir, name)), `${name} is in the run folder`);
  return { code: r.code, out: r.stdout + r.stderr, workdir, runDir, jobs: new Map(report.jobs.map((j) => [j.name, j])), requests };
}

/** Longer than a screen row, so the TUI wraps it. */
const LONG_MESSAGE = 'Recorded the date in approved.txt, as asked; the file holds one line with the current date and time, written by the date command.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('exec: the model runs a command that creates a file; succeeded, session id and tokens in the report', { timeout: 120_000 }, async () => {
  const { code, out, workdir, jobs } = await rehearse(
    (workdir) => `version: 1
jobs:
  make-file:
    prompt: "Create made.txt"
    workdir: ${workdir}
    codex: { sandbox: workspace-write }
    rehearsal:
      - run: "echo made-by-codex > made.txt"
      - say: "Created made.txt."
`,
  );
  assert.equal(code, 0, out);
  assert.equal(readFileSync(path.join(workdir, 'made.txt'), 'utf8'), 'made-by-codex\n');
  const job = jobs.get('make-file')!;
  assert.equal(job.status, 'succeeded');
  assert.match(job.sessionId ?? '', UUID);
  assert.ok((job.tokensUsed ?? 0) > 0, `tokens: ${job.tokensUsed}`);
  assert.equal(job.lastMessage, 'Created made.txt.');
  // The last line is something a person can read, never codex's token count (`42,751`).
  assert.match(job.lastLine ?? '', /\p{L}{2,}/u, `lastLine: ${job.lastLine}`);
  assert.doesNotMatch(job.lastLine ?? '', /^[\d,]+$|^tokens used$/);
});

test('tui: an approval dialog is answered by a rule and the escalated command runs; a deny rule declines a dangerous one', { timeout: 120_000 }, async () => {
  const { out, workdir, jobs, runDir } = await rehearse(
    (workdir) => `version: 1
defaults:
  workdir: ${workdir}
  codex: { mode: tui }
  idle: { kill: 15s }
  answers:
    - match: "rm -rf"
      action: deny
      fail: true
    - match: "Would you like to run the following command\\\\?"
      send: { keys: [y] }
jobs:
  approve:
    prompt: "Record the date"
    rehearsal:
      - ask: "date > approved.txt"
      - say: "${LONG_MESSAGE}"
  refuse:
    prompt: "Clean up"
    rehearsal:
      - ask: "rm -rf ${workdir}/keep"
      - say: "Cleaned."
`,
  );
  assert.ok(existsSync(path.join(workdir, 'approved.txt')), `the approved command did not run:\n${out}`);
  const approve = jobs.get('approve')!;
  assert.equal(approve.status, 'succeeded', out);
  assert.deepEqual(approve.interventions.filter((i) => i.kind === 'answer').map((i) => [i.rule?.index, i.sent]), [[1, 'y']]);
  // The TUI's transcript is the conversation as a person read it, not the redrawn screen's wraps.
  assert.equal(approve.lastMessage, LONG_MESSAGE);
  assert.equal(approve.lastLine, LONG_MESSAGE);
  const transcript = readFileSync(path.join(runDir, 'approve.txt'), 'utf8');
  const blocks = transcript.trimEnd().split('\n\n');
  assert.deepEqual(
    blocks.map((b) => b.split('\n')[0]),
    ['› Record the date', '[codex-run] answered (rule 2: "Would you like to run the following command\\\\?") with "y"', '$ date > approved.txt', LONG_MESSAGE],
    transcript,
  );
  assert.ok(transcript.split('\n').includes(LONG_MESSAGE), `the message is one paragraph, not a word per line:\n${transcript}`);
  assert.ok(existsSync(path.join(workdir, 'keep', 'precious.txt')), 'the denied command never ran');
  const refuse = jobs.get('refuse')!;
  assert.equal(refuse.status, 'failed');
  assert.equal(refuse.reason, 'denied');
  assert.deepEqual(refuse.interventions.filter((i) => i.kind === 'deny' || i.kind === 'answer').map((i) => [i.kind, i.rule?.index]), [['deny', 0]]);
});

test('a stalled model: the idle ladder stops codex, which is resumed by its session id and continues the same conversation', { timeout: 120_000 }, async () => {
  const { code, out, jobs, requests, runDir } = await rehearse(
    (workdir) => `version: 1
jobs:
  stalls:
    prompt: "Summarise the project"
    workdir: ${workdir}
    idle: { kill: 3s }
    resume: { max: 1, prompt: "Continue where you stopped." }
    rehearsal:
      - stall: 10m
      - say: "Resumed and done."
`,
  );
  assert.equal(code, 0, out);
  const job = jobs.get('stalls')!;
  assert.equal(job.status, 'succeeded');
  assert.equal(job.lastMessage, 'Resumed and done.');
  const resume = job.interventions.find((i) => i.kind === 'resume');
  assert.ok(resume, JSON.stringify(job.interventions));
  assert.equal(resume.sessionId, job.sessionId);
  assert.equal(resume.attempt, 1);
  assert.deepEqual(job.interventions.map((i) => i.kind), ['kill', 'resume']);
  const turns = (requests['stalls'] ?? []).filter((r) => r.kind === 'turn');
  assert.equal(turns.length, 2, JSON.stringify(requests));
  assert.equal(turns[0]?.outcome, 'client-gone');
  assert.equal(turns[1]?.sessionId, job.sessionId, 'the resumed request belongs to the same session');
  assert.ok(turns[1]?.userMessages.some((m) => m.includes('Summarise the project')), 'the resumed request carries the earlier conversation');
  assert.ok(turns[1]?.userMessages.some((m) => m.includes('Continue where you stopped.')));
  // A person reading the summary or the transcript sees it was stopped and resumed, and why.
  assert.match(out, /stalls: succeeded after 1 resume \(idle-killed\)/, out);
  assert.match(out, /stalls\s+succeeded\s+\S+\s+exit 0, after 1 resume \(idle-killed\)/, out);
  const transcript = readFileSync(path.join(runDir, 'stalls.txt'), 'utf8');
  assert.match(transcript, new RegExp(`\\n──── attempt 2: resuming session ${job.sessionId} after idle-killed: .*────\\n`), transcript);
});

test('exec: the agent-neutral write and edit steps create and change files through codex (apply_patch), and a patch step is codex-only', { timeout: 120_000 }, async () => {
  const { code, out, workdir, jobs, requests } = await rehearse(
    (workdir) => `version: 1
jobs:
  edit-files:
    prompt: "Write and edit notes"
    workdir: ${workdir}
    codex: { sandbox: workspace-write }
    rehearsal:
      - write: notes/todo.txt
        content: "draft\\n"
      - write: notes/todo.txt
        content: "first line\\nsecond line keep\\n"
      - edit: notes/todo.txt
        old: "second line"
        new: "2nd line"
      - say: "Done."
`,
  );
  assert.equal(code, 0, out);
  // The second write replaced the first; the edit replaced the text inside its line and kept the rest of it.
  assert.equal(readFileSync(path.join(workdir, 'notes', 'todo.txt'), 'utf8'), 'first line\n2nd line keep\n');
  assert.equal(jobs.get('edit-files')!.status, 'succeeded');
  assert.deepEqual(requests['edit-files']!.filter((r) => r.kind === 'turn').flatMap((r) => r.turns), [0, 1, 2, 3]);
});
