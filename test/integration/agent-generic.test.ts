// `agent: generic` end to end: the built CLI runs test/fixtures/generic-agent.js (a fake agent
// CLI with its own session ids and history files) in a real PTY, supervised from the manifest's
// `generic:` section alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Attempt {
  n: number;
  reason: string | null;
  sessionId: string | null;
  prompt: string;
}
interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  argv: string[];
  sessionId: string | null;
  transcriptFile: string;
  interventions: Array<{ kind: string; sent: string | null; sessionId?: string }>;
  attempts: Attempt[];
}
interface Report {
  resumedFrom?: { runId: string; job: string; sessionId: string };
  jobs: ReportJob[];
}

const AGENT = fixture('generic-agent.js');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The `generic:` section that prints its id (pattern) and resumes with --resume.
const BY_OUTPUT = `    generic:
      argv: [${AGENT}, --prompt, "{prompt}"]
      resume: [${AGENT}, --resume, "{session}", "{prompt}"]
      session: { pattern: "^session: (\\\\S+)$" }
`;

function runs(dir: string): string[] {
  const root = path.join(dir, '.codex-run', 'runs');
  return readdirSync(root).filter((name) => !name.endsWith('.log') && !name.endsWith('.json')).sort().map((name) => path.join(root, name));
}

function report(runDir: string): Report {
  return JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
}

function onlyJob(r: Report): ReportJob {
  const [job] = r.jobs;
  assert.ok(job, 'a job in the report');
  return job;
}

// The fake agent's own record of a session: one line per run that continued it.
function history(dir: string, id: string): string[] {
  return readFileSync(path.join(dir, '.generic-agent', `${id}.history`), 'utf8').trimEnd().split('\n');
}

async function run(dir: string, body: string, args: string[] = ['jobs.yaml']): Promise<{ code: number | null; out: string }> {
  writeFileSync(path.join(dir, 'jobs.yaml'), body);
  const r = await runCli(args, { cwd: dir, deadlineMs: 45_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

test('generic: the prompt is one argv element, the id comes from the output, an answer rule approves, the file is written', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "ask:make write:notes.txt"
${BY_OUTPUT}    answers:
      - match: "Allow running .*\\\\[y/n\\\\]"
        send: "y"
`,
  );
  assert.equal(code, 0, out);
  const job = onlyJob(report(runs(dir)[0]!));
  assert.equal(job.status, 'succeeded');
  assert.deepEqual(job.argv, [AGENT, '--prompt', 'ask:make write:notes.txt']);
  assert.match(job.sessionId ?? '', UUID);
  assert.deepEqual(history(dir, job.sessionId!), [`${job.sessionId} new: ask:make write:notes.txt`], 'the reported id is the agent\'s own');
  assert.equal(readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'written by generic-agent\n');
  assert.deepEqual(job.interventions.filter((i) => i.kind === 'answer').map((i) => i.sent), ['y\\r']);
});

test('generic: a deny rule declines with n + Enter (a line agent\'s default), the job is denied and nothing is written', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "ask:rm-rf-build write:after.txt"
${BY_OUTPUT}    answers:
      - match: "rm-rf"
        action: deny
        fail: true
`,
  );
  assert.equal(code, 1, out);
  const job = onlyJob(report(runs(dir)[0]!));
  assert.equal(job.status, 'failed');
  assert.equal(job.reason, 'denied');
  assert.deepEqual(job.interventions.filter((i) => i.kind === 'deny').map((i) => i.sent), ['n\\r']);
  assert.equal(existsSync(path.join(dir, 'after.txt')), false, 'the agent stopped at the declined step');
});

test('generic: a question no rule answers is recognised by the shared classifier: blocked, then failed as waiting-for-input', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "ask:deploy write:deployed.txt"
${BY_OUTPUT}    idle: { blockedAfter: 1s, onBlocked: fail }
`,
  );
  assert.equal(code, 1, out);
  const job = onlyJob(report(runs(dir)[0]!));
  assert.equal(job.reason, 'waiting-for-input');
  assert.match(out, /Allow running `deploy`\? \[y\/n\]/);
  assert.equal(existsSync(path.join(dir, 'deployed.txt')), false);
});

test('generic: deny rules decline as the job says: Esc for a full-screen agent by default, or generic.decline', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
defaults:
  agent: generic
  prompt: ignored
  answers:
    - match: "1\\\\. Yes, proceed"
      action: deny
jobs:
  by-default:
    generic: { argv: [node, ${fixture('agent-menu.js')}], fullScreen: true }
  by-keys:
    generic: { argv: [node, ${fixture('agent-menu.js')}], decline: { keys: [down, enter] } }
`,
  );
  assert.equal(code, 0, out);
  const runDir = runs(dir)[0]!;
  const jobs = new Map(report(runDir).jobs.map((j) => [j.name, j]));
  const sent = (name: string): Array<string | null> => (jobs.get(name)?.interventions ?? []).filter((i) => i.kind === 'deny').map((i) => i.sent);
  assert.deepEqual(sent('by-default'), ['\\x1b']);
  assert.deepEqual(sent('by-keys'), ['\\x1b[B\\r']);
  assert.match(readFileSync(path.join(runDir, jobs.get('by-default')!.transcriptFile), 'utf8'), /selected: cancelled/);
  assert.match(readFileSync(path.join(runDir, jobs.get('by-keys')!.transcriptFile), 'utf8'), /selected: 2\. No, cancel/);
});

test('generic: a stall is stopped by the idle ladder and resumed by its exact id; the agent continues its own history', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "write:first.txt stall"
${BY_OUTPUT}    idle: { kill: 2s }
    resume: { max: 1, prompt: "write:second.txt" }
`,
  );
  assert.equal(code, 0, out);
  const runDir = runs(dir)[0]!;
  const job = onlyJob(report(runDir));
  assert.equal(job.status, 'succeeded');
  const id = job.sessionId ?? '';
  assert.match(id, UUID);
  assert.deepEqual(job.attempts.map((a) => [a.reason, a.sessionId, a.prompt]), [
    ['idle-killed', id, 'first'],
    ['succeeded', id, 'resume'],
  ]);
  // The resumed run was given the id (it found the session's history) and appended to it.
  assert.deepEqual(history(dir, id), [`${id} new: write:first.txt stall`, `${id} resume: write:second.txt`]);
  assert.match(readFileSync(path.join(runDir, job.transcriptFile), 'utf8'), new RegExp(`resumed ${id} with 1 earlier turns`));
  assert.ok(existsSync(path.join(dir, 'second.txt')));
});

test('generic: the id from the newest session file of the attempt; `codex-run resume` continues it by that id', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  // An older session file of another session: not written during the attempt, so never taken.
  mkdirSync(path.join(dir, '.generic-agent', 'sessions'), { recursive: true });
  const stale = path.join(dir, '.generic-agent', 'sessions', 'zzz-stale.json');
  writeFileSync(stale, '{"session":"stale"}');
  utimesSync(stale, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "write:first.txt stall"
    generic:
      argv: [${AGENT}, --quiet-id, --prompt, "{prompt}"]
      resume: [${AGENT}, --quiet-id, --resume, "{session}", "{prompt}"]
      session: { file: "{workdir}/.generic-agent/sessions/*.json", pattern: '"session":"([^"]+)"' }
    idle: { kill: 2s }
`,
  );
  assert.equal(code, 1, out);
  const first = onlyJob(report(runs(dir)[0]!));
  assert.equal(first.reason, 'idle-killed');
  const id = first.sessionId ?? '';
  assert.match(id, UUID, 'the id read from the session file');
  assert.match(out, /Next: Resume it: `codex-run resume acme`\n/, 'no codex command to resume a generic agent by hand');

  const resumed = await runCli(['resume', 'acme', '--prompt', 'write:later.txt'], { cwd: dir, deadlineMs: 45_000 });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  const second = report(runs(dir)[1]!);
  assert.equal(second.resumedFrom?.sessionId, id);
  const job = onlyJob(second);
  assert.deepEqual(job.argv, [AGENT, '--quiet-id', '--resume', id, 'write:later.txt']);
  assert.equal(job.sessionId, id);
  assert.deepEqual(history(dir, id), [`${id} new: write:first.txt stall`, `${id} resume: write:later.txt`]);
});

test('generic: an agent that stays open after its work is closed as succeeded once its `done` pattern shows', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  acme:
    agent: generic
    prompt: "write:notes.txt stay"
    generic:
      argv: [${AGENT}, --prompt, "{prompt}"]
      done: "^Task complete\\\\.$"
    idle: { kill: 30s }
`,
  );
  assert.equal(code, 0, out);
  const job = onlyJob(report(runs(dir)[0]!));
  assert.equal(job.status, 'succeeded');
  assert.match(out, /done pattern/);
  assert.ok(existsSync(path.join(dir, 'notes.txt')));
});

test('generic: --dry-run shows the argv with the prompt in place, appended when there is no {prompt}, and an id chosen for {session}', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  placed:
    agent: generic
    prompt: "fix it; rm -rf / {session}"
${BY_OUTPUT}  appended:
    agent: generic
    prompt: "-v looks like a flag"
    generic: { argv: [${AGENT}] }
  chosen:
    agent: generic
    prompt: go
    generic: { argv: [${AGENT}, --session-id, "{session}", --prompt, "{prompt}"] }
`,
    ['--dry-run', 'jobs.yaml'],
  );
  assert.equal(code, 0, out);
  assert.match(out, new RegExp(`argv: +${AGENT} --prompt 'fix it; rm -rf / \\{session\\}'\\n`));
  assert.match(out, new RegExp(`  resume: +${AGENT} --resume \\{session\\} \\{prompt\\}\\n  session: from the output: /\\^session: \\(\\\\S\\+\\)\\$/\\n`));
  assert.match(out, /  resume: +none \(no generic\.resume\)\n  session: none \(the job cannot resume\)\n/);
  assert.match(out, /  session: chosen by codex-run up front/);
  assert.match(out, new RegExp(`argv: +${AGENT} '-v looks like a flag'\\n`));
  assert.match(out, new RegExp(`argv: +${AGENT} --session-id [0-9a-f-]{36} --prompt go\\n`));
});

test('generic: bad generic fields are located errors (exit 2), all of them at once', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
jobs:
  a:
    agent: generic
    prompt: x
    generic:
      argv: "acme --prompt {prompt}"
      resume: [acme, --resume, "{prompt}"]
      session: { pattern: "session: \\\\S+" }
  b:
    agent: generic
    prompt: x
    generic:
      argv: [acme]
      session: { pattern: "(?=x)(y)" }
      fullScreen: "yes"
      decline: { keys: [escape-please] }
      env: { RETRIES: 3 }
  c:
    agent: generic
    prompt: x
  d:
    agent: command
    command: ["true"]
    generic: { argv: [acme] }
  e:
    agent: generic
    prompt: x
    generic: { argv: [acme] }
    rehearsal: [{ say: hi }]
    command: [acme]
  f:
    agent: generic
    prompt: x
    generic: { argv: [acme], resume: [acme, "{session}"] }
    resume: { max: 1 }
`,
    ['validate', 'jobs.yaml'],
  );
  assert.equal(code, 2, out);
  const errors = out.split('\n').filter((line) => / error: /.test(line));
  const expected: Array<[string, RegExp]> = [
    ['jobs.yaml:7:13', /expected a list, found a string/],
    ['jobs.yaml:8:15', /expected the resume argv to name the session with "\{session\}"/],
    ['jobs.yaml:9:27', /exactly one capture group .*found 0/],
    ['jobs.yaml:15:28', /lookahead "\(\?=" is not supported/],
    ['jobs.yaml:16:19', /expected true or false, found a string "yes"/],
    ['jobs.yaml:17:25', /unknown key "escape-please"/],
    ['jobs.yaml:18:23', /expected a string, found a number 3/],
    ['jobs.yaml:20:12', /job "c" is 'agent: generic' but has no 'generic:' section/],
    ['jobs.yaml:25:5', /'generic' is only for 'agent: generic' jobs/],
    ['jobs.yaml:30:5', /'rehearsal' .* is 'agent: generic': it would be ignored/],
    ['jobs.yaml:31:5', /'command' is only for 'agent: command' jobs, and job "e" is 'agent: generic'/],
    ['jobs.yaml:36:5', /job "f" has 'resume:' but no 'generic.session' \(where the session id comes from\): it could never be resumed/],
  ];
  for (const [at, message] of expected) {
    assert.ok(
      errors.some((line) => line.startsWith(`${at}: error: `) && message.test(line)),
      `expected ${at}: error: ${String(message)}; got:\n${errors.join('\n')}`,
    );
  }
  assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
});

test('generic: doctor asks each agent about its jobs: each generic job\'s program (beside codex\'s version check), warns about a resume that cannot happen, fails on a missing program', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const { code, out } = await run(
    dir,
    `version: 1
defaults:
  resume: { max: 1 }
jobs:
  acme:
    agent: generic
    prompt: x
${BY_OUTPUT}  never-resumed:
    agent: generic
    prompt: x
    generic: { argv: [${AGENT}] }
  lint:
    agent: command
    command: ["true"]
  codex-too:
    prompt: x
    codex: { bin: ${fixture('codex-full-auto.sh')} }
`,
    ['doctor', 'jobs.yaml'],
  );
  assert.equal(code, 0, out);
  // The last line names the PTY backend (native pump or node-pty), which depends on the machine.
  assert.deepEqual(out.trimEnd().split('\n').filter((line) => !line.startsWith('pty: ')), [
    'jobs.yaml: 2 generic jobs, 1 codex job',
    `acme (generic generic-agent.js): ${AGENT} (no version check: codex-run has no rules made for this agent)`,
    `never-resumed (generic generic-agent.js): ${AGENT} (no version check: codex-run has no rules made for this agent)`,
    '  warning: the job has `resume:` but `generic.resume` is not set: it is never resumed',
    `codex-too (codex exec): ${fixture('codex-full-auto.sh')} (the job's codex.bin), codex-cli 0.169.0`,
  ]);
  const missing = await run(dir, 'version: 1\njobs:\n  gone:\n    agent: generic\n    prompt: x\n    generic: { argv: [no-such-agent-cli] }\n', ['doctor', 'jobs.yaml']);
  assert.equal(missing.code, 1, missing.out);
  assert.match(missing.out, /^gone \(generic no-such-agent-cli\): error: generic\.argv\[0\]: no executable 'no-such-agent-cli' on the job's PATH$/m);
});

test('examples/generic.yaml runs offline as shipped: the stand-in agent is approved by rule, writes NOTES.md, and resumes by id', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  // Only what a fresh clone has: no NOTES.md left by running the other examples here.
  cpSync(path.join(repoRoot, 'examples'), dir, { recursive: true, filter: (from) => !/workspace[\\/](NOTES\.md|DATE\.txt)$/.test(from) });
  const first = await runCli(['generic.yaml'], { cwd: dir, deadlineMs: 45_000 });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const job = onlyJob(report(runs(dir)[0]!));
  assert.match(job.sessionId ?? '', UUID);
  const resumed = await runCli(['resume', 'acme-notes', '--prompt', 'Add a second line'], { cwd: dir, deadlineMs: 45_000 });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.deepEqual(readFileSync(path.join(dir, 'workspace', 'NOTES.md'), 'utf8').trimEnd().split('\n'), [
    `- acme-agent (session ${job.sessionId}): Describe this folder in NOTES.md`,
    `- acme-agent (session ${job.sessionId}): Add a second line`,
  ]);
});
