/**
 * `codex-run mcp`: the control operations as MCP tools over stdio, so an agent (Claude Code,
 * Codex, any MCP client) can supervise codex-run's jobs: start a manifest in the background,
 * list runs, read a job's state, screen and logs, type into it, kill it, resume it. The only
 * module that imports @modelcontextprotocol/sdk. Tools act as the client (its name is the
 * `by` of every intervention). Runs are looked for in `out` or `.codex-run/runs` under the
 * server's working folder.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { askRun } from './ask-run.js';
import { codexRunBin, startDetached, type DetachOutcome } from './detach.js';
import { readJobLog } from './job-logs.js';
import { jobsFromReport, listRuns } from './list-runs.js';
import { locateJob, readReport, runsRootOf } from './locate.js';

const JOB = { type: 'string', description: 'JOB (its name in the newest run), or RUN/JOB; RUN may be latest' } as const;
const OUT = { type: 'string', description: 'the runs folder (default: .codex-run/runs under the server\'s working folder)' } as const;

/** The tools, with their JSON schemas. */
const TOOLS = [
  {
    name: 'run_manifest',
    description: 'Start a codex-run manifest in the background; returns its run id, folder and runner pid.',
    inputSchema: {
      type: 'object',
      properties: {
        manifest: { type: 'string', description: 'path of the manifest (jobs.yaml)' },
        jobs: { type: 'array', items: { type: 'string' }, description: 'run only these jobs' },
        rehearse: { type: 'boolean', description: 'run agent jobs (codex, claude, gemini) against their scripted rehearsal model' },
        out: OUT,
      },
      required: ['manifest'],
    },
  },
  {
    name: 'list_runs',
    description: 'Live runs and the state of each job (working, waiting-for-input with the question, idle, parked at a usage limit, finished; turns and tokens); with all, recent finished and dead runs too.',
    inputSchema: { type: 'object', properties: { all: { type: 'boolean' }, out: OUT } },
  },
  {
    name: 'job_status',
    description: "One job's state: status, live state and label, the question it waits on, pid, elapsed time, tokens, session id.",
    inputSchema: { type: 'object', properties: { job: JOB, out: OUT }, required: ['job'] },
  },
  {
    name: 'job_screen',
    description: "A live job's current screen as supervision sees it (lines), with its classified state and question.",
    inputSchema: { type: 'object', properties: { job: JOB, out: OUT }, required: ['job'] },
  },
  {
    name: 'job_logs',
    description: "A job's readable transcript (or raw log), its last lines.",
    inputSchema: {
      type: 'object',
      properties: { job: JOB, tail: { type: 'integer', minimum: 0, description: 'last lines (default 200)' }, raw: { type: 'boolean' }, out: OUT },
      required: ['job'],
    },
  },
  {
    name: 'send_input',
    description: "Type into a live job's terminal: text (then Enter unless enter is false) or key names (esc, enter, up, down, tab, ctrl-c, y, ...). Recorded as an intervention by this client.",
    inputSchema: {
      type: 'object',
      properties: { job: JOB, text: { type: 'string' }, enter: { type: 'boolean' }, keys: { type: 'array', items: { type: 'string' } }, out: OUT },
      required: ['job'],
    },
  },
  {
    name: 'kill_job',
    description: 'Stop a live job through its stop ladder (Ctrl-C, SIGTERM, SIGKILL); recorded as killed by this client.',
    inputSchema: { type: 'object', properties: { job: JOB, out: OUT }, required: ['job'] },
  },
  {
    name: 'resume_job',
    description: 'Continue a finished, failed or interrupted agent job (codex, claude, gemini, generic) by its session id, in a new background run linked to the old one.',
    inputSchema: { type: 'object', properties: { job: JOB, prompt: { type: 'string' }, out: OUT }, required: ['job'] },
  },
] as const;

function result(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function started(outcome: DetachOutcome): CallToolResult {
  switch (outcome.kind) {
    case 'started':
      return result({ runId: outcome.message.runId, runDir: outcome.message.runDir, pid: outcome.message.pid });
    case 'failed':
      return failure(outcome.stderr.trim() || `the runner exited with code ${outcome.exitCode}`);
    case 'timeout':
      return failure(`the background runner (pid ${outcome.pid ?? '?'}) did not say it started`);
  }
}

function str(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : undefined;
}

/** Calls one tool; every failure is a tool error with a sentence, never a protocol error. */
async function callTool(name: string, args: Record<string, unknown>, by: string): Promise<CallToolResult> {
  const root = runsRootOf(args['out']);
  const outArgs = typeof args['out'] === 'string' ? ['--out', root] : [];
  const job = str(args, 'job');
  const findJob = async () => (job === undefined ? null : locateJob(root, job));
  switch (name) {
    case 'run_manifest': {
      const manifest = str(args, 'manifest');
      if (manifest === undefined) return failure('run_manifest needs manifest');
      const jobs = Array.isArray(args['jobs']) ? args['jobs'].filter((j): j is string => typeof j === 'string') : [];
      const runArgs = ['run', path.resolve(manifest), ...jobs.flatMap((j) => ['--job', j]), ...outArgs, ...(args['rehearse'] === true ? ['--rehearse'] : [])];
      return started(await startDetached(codexRunBin(), runArgs, { cwd: process.cwd(), env: process.env }));
    }
    case 'list_runs':
      return result({ runsRoot: root, runs: await listRuns(root, { all: args['all'] === true }) });
    case 'job_status': {
      const found = await findJob();
      if (found === null) return failure('job_status needs job');
      if (!found.ok) return failure(found.error);
      const { run } = found.value;
      const live = await askRun(run, 'status', {});
      if (live.ok) {
        const jobs = (live.value as { jobs: Array<{ name: string }> }).jobs;
        return result({ runId: run.runId, ...jobs.find((j) => j.name === found.value.job.name) });
      }
      const report = await readReport(run.runDir);
      if (!report.ok) return failure(report.error);
      const dead = report.value.status === 'running';
      return result({ runId: run.runId, ...jobsFromReport(report.value, dead).find((j) => j.name === found.value.job.name) });
    }
    case 'job_screen':
    case 'kill_job': {
      const found = await findJob();
      if (found === null) return failure(`${name} needs job`);
      if (!found.ok) return failure(found.error);
      const answer = await askRun(found.value.run, name === 'job_screen' ? 'screen' : 'kill', { job: found.value.job.name, by });
      return answer.ok ? result(answer.value) : failure(answer.error.message);
    }
    case 'send_input': {
      const found = await findJob();
      if (found === null) return failure('send_input needs job');
      if (!found.ok) return failure(found.error);
      const keys = Array.isArray(args['keys']) ? args['keys'] : undefined;
      const text = str(args, 'text');
      if ((keys === undefined) === (text === undefined)) return failure('send_input needs text or keys (not both)');
      const fields = keys !== undefined ? { keys } : { text, enter: args['enter'] !== false };
      const answer = await askRun(found.value.run, 'send', { job: found.value.job.name, by, ...fields });
      return answer.ok ? result(answer.value) : failure(answer.error.message);
    }
    case 'job_logs': {
      const found = await findJob();
      if (found === null) return failure('job_logs needs job');
      if (!found.ok) return failure(found.error);
      const tail = typeof args['tail'] === 'number' && Number.isInteger(args['tail']) && args['tail'] >= 0 ? args['tail'] : 200;
      const read = await readJobLog(found.value, { raw: args['raw'] === true, tail });
      return read.ok ? { content: [{ type: 'text', text: read.value.data.toString('utf8') }] } : failure(read.error);
    }
    case 'resume_job': {
      if (job === undefined) return failure('resume_job needs job');
      const prompt = str(args, 'prompt');
      const resumeArgs = ['resume', job, ...(prompt !== undefined ? ['--prompt', prompt] : []), ...outArgs];
      return started(await startDetached(codexRunBin(), resumeArgs, { cwd: process.cwd(), env: process.env }));
    }
    default:
      return failure(`unknown tool ${JSON.stringify(name)}`);
  }
}

/** Serves the tools on stdin/stdout until the client closes them. */
export async function serveMcp(version: string): Promise<void> {
  const server = new Server({ name: 'codex-run', version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS.map((t) => ({ ...t, inputSchema: t.inputSchema as { type: 'object' } })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const by = server.getClientVersion()?.name ?? 'mcp';
    try {
      return await callTool(request.params.name, request.params.arguments ?? {}, by);
    } catch (e: unknown) {
      return failure(`Internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  // The client closing our stdin ends the session.
  process.stdin.once('end', () => void server.close());
  await closed;
}
