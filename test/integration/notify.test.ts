import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

// Notifications against real HTTP servers on 127.0.0.1 (node:http) and a real command.

const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object);

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}
interface Delivery {
  event: string;
  job: string | null;
  channel: string;
  target: string;
  outcome: string;
  tries: number;
  error: string | null;
}
interface Report {
  status: string;
  warnings: Array<{ message: string }>;
  notifications?: Delivery[];
}

/** A server that answers each POST with `respond`, keeping what it received. */
async function server(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const srv = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      respond(req, res);
    });
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

function onlyRunDir(dir: string): string {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.equal(runs.length, 1);
  return path.join(root, runs[0]!);
}

function readReport(runDir: string): Report {
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.ok(validateReport(report), JSON.stringify(validateReport.errors, null, 2));
  return report;
}

const TOKEN = 'sekrit-token-4242-abcd';

test('a webhook on 127.0.0.1 receives blocked and run-finished as Slack/Discord-compatible JSON; the token header is expanded but never recorded', { timeout: 60_000 }, async (t) => {
  const hook = await server((_req, res) => res.writeHead(204).end());
  t.after(hook.close);
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
notify:
  - on: [blocked, run-finished]
    webhook:
      url: "${hook.url}/hooks/\${HOOK_PATH}"
      headers: { Authorization: "Bearer \${NOTIFY_TOKEN}" }
jobs:
  deploy:
    agent: command
    command: [node, ${fixture('agent-yn-prompt.js')}]
    idle: { blockedAfter: 1s, onBlocked: fail }
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir, env: { NOTIFY_TOKEN: TOKEN, HOOK_PATH: 'T000/B000/xyz' } });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const events = hook.received.map((x) => x.body['event']);
  assert.deepEqual(events, ['blocked', 'run-finished'], JSON.stringify(hook.received.map((x) => x.body)));
  const [blocked, finished] = hook.received as [Received, Received];
  assert.equal(blocked.path, '/hooks/T000/B000/xyz');
  assert.equal(blocked.headers['authorization'], `Bearer ${TOKEN}`);
  assert.equal(blocked.headers['content-type'], 'application/json');
  assert.match(String(blocked.body['text']), /^codex-run: deploy is waiting for input: Apply changes \(1\/1\)\?/);
  assert.equal(blocked.body['content'], blocked.body['text'], 'Discord reads content');
  assert.deepEqual((blocked.body['job'] as { name: string }).name, 'deploy');
  assert.ok(blocked.body['question'] !== undefined, 'the question is structured too');
  assert.match(String(finished.body['text']), /^codex-run: run \S+ failed: 1 job \(1 failed\)$/);
  assert.deepEqual(finished.body['summary'], { failed: 1 });
  assert.equal(finished.body['job'], null);
  assert.equal((finished.body['run'] as { status: string }).status, 'failed');

  const runDir = onlyRunDir(dir);
  const report = readReport(runDir);
  assert.deepEqual(
    report.notifications?.map((n) => [n.event, n.job, n.channel, n.target, n.outcome, n.tries]),
    [
      ['blocked', 'deploy', 'webhook', hook.url, 'delivered', 1],
      ['run-finished', null, 'webhook', hook.url, 'delivered', 1],
    ],
  );
  for (const file of readdirSync(runDir)) {
    const text = readFileSync(path.join(runDir, file), 'latin1');
    assert.ok(!text.includes(TOKEN), `${file} holds the token`);
    assert.ok(!text.includes('T000/B000/xyz'), `${file} holds the webhook path`);
  }
  assert.ok(!(r.stdout + r.stderr).includes(TOKEN));
});

test('a webhook that answers 500 is retried, then reported as a warning and a failed delivery; the run is not failed by it', { timeout: 60_000 }, async (t) => {
  const hook = await server((_req, res) => res.writeHead(500).end('no'));
  t.after(hook.close);
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
notify:
  - on: [finished]
    webhook: { url: "${hook.url}/x" }
    retries: 2
jobs:
  ok:
    agent: command
    command: [echo, fine]
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(hook.received.length, 3, 'one try and two retries');
  const report = readReport(onlyRunDir(dir));
  assert.equal(report.status, 'succeeded');
  assert.deepEqual(report.notifications?.map((n) => [n.event, n.outcome, n.tries, n.error]), [['finished', 'failed', 3, 'HTTP 500 Internal Server Error']]);
  assert.ok(report.warnings.some((w) => /finished notification to webhook http:\/\/127\.0\.0\.1:\d+ failed after 3 tries: HTTP 500/.test(w.message)), JSON.stringify(report.warnings));
  assert.match(r.stderr, /codex-run: warning: finished notification to webhook .* failed after 3 tries/);
});

test('a webhook that never answers does not hold the run: it ends after the bounded flush, the delivery abandoned', { timeout: 60_000 }, async (t) => {
  // Never answers; keeps every request open.
  const hook = await server(() => undefined);
  t.after(hook.close);
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
notify:
  - on: [run-finished]
    webhook: { url: "${hook.url}/slow" }
    timeout: 60s
jobs:
  ok:
    agent: command
    command: [echo, fine]
`,
  );
  // The try would wait 60s; the run must end on its own long before (its flush waits at most 5s).
  const cli = startCli(['jobs.yaml'], { cwd: dir });
  t.after(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the run did not end while the webhook hung:\n${cli.stdout()}`)), 30_000).unref());
  const r = await Promise.race([cli.result, deadline]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(hook.received.length, 1, 'the request was sent');
  const report = readReport(onlyRunDir(dir));
  assert.deepEqual(report.notifications?.map((n) => [n.event, n.outcome, n.tries]), [['run-finished', 'abandoned', 1]]);
  assert.ok(report.warnings.some((w) => /run-finished notification to webhook .* abandoned: still being tried when the run ended \(waited 5\.0s\)/.test(w.message)), JSON.stringify(report.warnings));
});

test('a command channel gets the event JSON on stdin; a job-level entry adds to the run level', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const out = path.join(dir, 'got.jsonl');
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  broken:
    agent: command
    command: [sh, -c, "echo FAIL; exit 3"]
    notify:
      - on: [failed]
        command: [sh, -c, "cat >> ${out}; echo >> ${out}"]
  fine:
    agent: command
    command: [echo, ok]
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1, 'only the failed job, once');
  const [got] = lines as [Record<string, unknown>];
  assert.equal(got['event'], 'failed');
  assert.deepEqual(got['job'], { name: 'broken', status: 'failed', reason: 'exit-non-zero', message: 'the agent exited with code 3' });
  assert.match(String(got['text']), /^codex-run: broken failed \(exit 3\) in /);
  const report = readReport(onlyRunDir(dir));
  assert.deepEqual(report.notifications?.map((n) => [n.event, n.job, n.channel, n.target, n.outcome]), [['failed', 'broken', 'command', 'sh', 'delivered']]);
});

test('desktop notifications without notify-send: one warning, recorded as unavailable, the run unaffected', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
notify:
  - on: [finished, run-finished]
    desktop: true
jobs:
  a:
    agent: command
    command: [${process.execPath}, -e, "1"]
  b:
    agent: command
    command: [${process.execPath}, -e, "1"]
`,
  );
  // A PATH without notify-send (the jobs use absolute paths).
  const r = await runCli(['jobs.yaml'], { cwd: dir, env: { PATH: dir } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  assert.equal(report.notifications?.length, 3);
  assert.ok(report.notifications?.every((n) => n.outcome === 'unavailable' && n.channel === 'desktop'));
  assert.equal(report.warnings.filter((w) => /notify-send/.test(w.message)).length, 1, JSON.stringify(report.warnings));
});

test('notify entries are validated with locations: one channel per entry, known events, set variables', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
notify:
  - on: [blocked]
  - on: [stuck]
    desktop: true
  - webhook: { url: "http://127.0.0.1:1/\${NO_SUCH_VARIABLE_X}" }
jobs:
  a:
    agent: command
    command: [echo, hi]
    notify:
      - webhook: { url: "ftp://example" }
`,
  );
  const r = await runCli(['validate', 'jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const err = r.stderr + r.stdout;
  assert.match(err, /jobs\.yaml:3:5: error: expected exactly one channel \(webhook, command or desktop\)/);
  assert.match(err, /jobs\.yaml:4:\d+: error: .*stuck/);
  assert.match(err, /jobs\.yaml:6:\d+: error: environment variable NO_SUCH_VARIABLE_X is not set/);
  assert.match(err, /jobs\.yaml:12:\d+: error: expected an http:\/\/ or https:\/\/ URL/);
  void waitFor;
});
