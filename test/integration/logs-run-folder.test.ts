import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EVENTS_FILE_NAME, EventsLog } from '../../src/logs/events-log.js';
import { JobFiles, jobFileNames } from '../../src/logs/job-files.js';
import { createRunFolder } from '../../src/logs/run-folder.js';
import { assignFileNames } from '../../src/logs/safe-name.js';
import { EventBus, type JobPlanInfo } from '../../src/run/events.js';
import type { OutputSink } from '../../src/session/output-sink.js';
import { REPORT_FILE_NAME } from '../../src/report/json-report.js';
import { ReportWriter } from '../../src/report/report-writer.js';
import { systemClock } from '../../src/util/clock.js';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

// Wires the pieces the way the runner does and checks everything on disk afterwards.
test('a run leaves a private folder with byte-exact logs, transcripts, events.jsonl and a valid report.json', { timeout: 20_000 }, async () => {
  const project = tempDir();
  const folder = await createRunFolder(path.join(project, '.codex-run', 'runs'), systemClock);
  assert.ok(folder.ok, JSON.stringify(folder));
  const { runId, dir } = folder.value;

  const jobNames = ['build', '../escape', 'a b', 'a/b'];
  const bases = assignFileNames(jobNames);
  const plans: JobPlanInfo[] = jobNames.map((name) => ({
    name,
    argv: ['/bin/sh', '-c', 'true'],
    workdir: project,
    envKeys: ['SECRET_NAME'],
    timeoutMs: null,
    ...jobFileNames(bases.get(name)!),
  }));

  const bus = new EventBus();
  const events = EventsLog.create(path.join(dir, EVENTS_FILE_NAME), bus);
  const report = new ReportWriter(path.join(dir, REPORT_FILE_NAME), bus);
  bus.emit({ type: 'run-started', at: Date.now(), runId, runDir: dir, manifest: path.join(project, 'jobs.yaml'), jobs: plans });

  const outputs = new Map<string, Buffer>();
  for (const plan of plans) {
    // Typed as the session sees it: JobFiles must stay an OutputSink.
    const files: OutputSink & { lastLine(): string | null } = JobFiles.create(dir, plan);
    // '✔' (e2 9c 94) arrives split across two chunks, as PTY reads often cut it.
    const chunks = [Buffer.from(`\x1b[1m${plan.name}\x1b[0m working\r\x1b[K`), Buffer.from([0xe2, 0x9c]), Buffer.from([0x94, 0x20, 0x64, 0x6f, 0x6e, 0x65, 0x0d, 0x0a])];
    outputs.set(plan.name, Buffer.concat(chunks));
    bus.emit({ type: 'job-state', at: Date.now(), job: plan.name, phase: 'running', detail: null });
    for (const chunk of chunks) {
      files.write(chunk);
      bus.emit({ type: 'job-output', at: Date.now(), job: plan.name, data: chunk });
    }
    await files.close();
    assert.equal(files.error(), null);
    bus.emit({ type: 'job-activity', at: Date.now(), job: plan.name, line: files.lastLine() ?? '' });
    bus.emit({
      type: 'job-finished',
      at: Date.now(),
      job: plan.name,
      result: { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: Date.now(), finishedAt: Date.now() },
    });
  }
  bus.emit({ type: 'run-finished', at: Date.now(), status: 'succeeded' });
  await Promise.all([events.close(), report.close()]);

  assert.deepEqual(readdirSync(dir).sort(), [
    '_._escape.log',
    '_._escape.txt',
    'a_b-2.log',
    'a_b-2.txt',
    'a_b.log',
    'a_b.txt',
    'build.log',
    'build.txt',
    EVENTS_FILE_NAME,
    REPORT_FILE_NAME,
  ]);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of readdirSync(dir)) assert.equal(statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
  for (const plan of plans) {
    assert.ok(readFileSync(path.join(dir, plan.logFile)).equals(outputs.get(plan.name)!), plan.logFile);
    assert.equal(readFileSync(path.join(dir, plan.transcriptFile), 'utf8'), '✔ done\n', plan.transcriptFile);
  }

  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ strict: true }).compile(schema);
  const written = JSON.parse(readFileSync(path.join(dir, REPORT_FILE_NAME), 'utf8')) as { status: string; jobs: { lastLine: string; logFile: string }[] };
  assert.ok(validate(written), JSON.stringify(validate.errors));
  assert.equal(written.status, 'succeeded');
  assert.deepEqual(written.jobs.map((j) => j.logFile), ['build.log', '_._escape.log', 'a_b.log', 'a_b-2.log']);
  assert.deepEqual(written.jobs.map((j) => j.lastLine), ['✔ done', '✔ done', '✔ done', '✔ done']);

  const eventLines = readFileSync(path.join(dir, EVENTS_FILE_NAME), 'utf8').trimEnd().split('\n');
  assert.deepEqual(
    eventLines.map((line) => (JSON.parse(line) as { type: string }).type),
    ['run-started', ...plans.flatMap(() => ['job-state', 'job-activity', 'job-finished']), 'run-finished'],
  );
});
