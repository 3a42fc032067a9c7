import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface ToolText {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
}

// The MCP server driven by the SDK's own client over stdio, calling every tool.
test('codex-run mcp: every tool, from starting a manifest to answering, reading, killing and a refused resume', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  const yn = fixture('agent-yn-prompt.js');
  writeFileSync(path.join(dir, 'ask.yaml'), `version: 1\ndefaults:\n  agent: command\n  enterDelay: 100ms\njobs:\n  ask:\n    command: [node, ${yn}]\n`);
  writeFileSync(path.join(dir, 'loop.yaml'), `version: 1\ndefaults:\n  agent: command\njobs:\n  hang:\n    command: [node, ${yn}]\n`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(repoRoot, 'bin', 'codex-run.js'), 'mcp'],
    cwd: dir,
    env: { ...(process.env as Record<string, string>), CI: 'true', NO_COLOR: '1' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const runners: number[] = [];
  t.after(async () => {
    await client.close().catch(() => undefined);
    for (const pid of runners) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolText> => (await client.callTool({ name, arguments: args })) as ToolText;
  const json = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const r = await call(name, args);
    assert.notEqual(r.isError, true, `${name}: ${r.content[0]?.text}`);
    return JSON.parse(r.content[0]!.text);
  };

  const tools = await client.listTools();
  assert.deepEqual(tools.tools.map((tool) => tool.name).sort(), ['job_logs', 'job_screen', 'job_status', 'kill_job', 'list_runs', 'resume_job', 'run_manifest', 'send_input']);
  for (const tool of tools.tools) assert.equal(tool.inputSchema.type, 'object', tool.name);

  const first = await json('run_manifest', { manifest: 'ask.yaml' });
  runners.push(first.pid);
  const waiting = await waitFor('ask to wait for input', async () => {
    const status = await json('job_status', { job: `${first.runId}/ask` });
    return status.state === 'waiting-for-input' && status.question !== null ? status : null;
  }, 20_000, 200);
  assert.equal(waiting.question.text, 'Apply changes (1/1)? [y/n]');
  const runs = await json('list_runs', {});
  assert.equal(runs.runs[0].runId, first.runId);
  const screen = await json('job_screen', { job: `${first.runId}/ask` });
  assert.equal(screen.lines[0].trimEnd(), 'Apply changes (1/1)? [y/n]');
  assert.deepEqual(await json('send_input', { job: `${first.runId}/ask`, text: 'y' }), { job: 'ask', sent: 'y\\r' });
  await waitFor('ask to finish', async () => (await json('job_status', { job: `${first.runId}/ask` })).status === 'succeeded', 20_000, 200);
  const logs = await call('job_logs', { job: `${first.runId}/ask`, tail: 2 });
  assert.equal(logs.content[0]?.text, 'answer 1: "y\\r"\ndone\n');

  const second = await json('run_manifest', { manifest: 'loop.yaml' });
  runners.push(second.pid);
  await waitFor('hang to run', async () => (await json('job_status', { job: `${second.runId}/hang` })).state === 'waiting-for-input', 20_000, 200);
  assert.deepEqual(await json('kill_job', { job: `${second.runId}/hang` }), { job: 'hang', stopping: true });
  await waitFor('hang to be killed', async () => (await json('job_status', { job: `${second.runId}/hang` })).status === 'killed', 20_000, 200);
  // The live status answers from the run's record at once; report.json is written a moment
  // later (writes are coalesced), so read it once the run has written its end.
  type Report = { status: string; jobs: Array<{ reason: string; interventions: Array<{ kind: string; by?: string }> }> };
  const report = await waitFor('report.json to record the end of the run', () => {
    const written = JSON.parse(readFileSync(path.join(second.runDir, 'report.json'), 'utf8')) as Report;
    return written.status === 'running' ? null : written;
  }, 20_000, 100);
  assert.equal(report.jobs[0]?.reason, 'killed-by-user');
  assert.deepEqual(report.jobs[0]?.interventions.map((i) => [i.kind, i.by]), [['kill', 'test-agent']], 'the MCP client is who acted');
  const firstReport = JSON.parse(readFileSync(path.join(first.runDir, 'report.json'), 'utf8')) as { jobs: Array<{ interventions: Array<{ kind: string; by?: string }> }> };
  assert.deepEqual(firstReport.jobs[0]?.interventions.map((i) => [i.kind, i.by]), [['input', 'test-agent']]);

  const resume = await call('resume_job', { job: `${first.runId}/ask` });
  assert.equal(resume.isError, true);
  assert.match(resume.content[0]?.text ?? '', /has no session id to resume/);
  const unknown = await call('job_screen', { job: 'nope' });
  assert.equal(unknown.isError, true);
  assert.match(unknown.content[0]?.text ?? '', /no job "nope"/);
});
