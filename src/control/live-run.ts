/**
 * A live run's control endpoint: keeps the run record from the event stream, answers the
 * protocol's operations against the run handle, listens on the run's socket and registers
 * the run under the runs root until it ends.
 */
import type { EventBus } from '../run/events.js';
import type { RunHandle } from '../run/start-run.js';
import { reduceRunRecord, type RunRecord } from '../report/run-record.js';
import { isoTime } from '../logs/iso-time.js';
import { parseKeys, visibleEscapes } from '../session/policies/keys.js';
import type { SendSpec } from '../session/policies/spec.js';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { jobView, screenView } from './job-view.js';
import { identityOf } from './process-identity.js';
import { failure, PROTOCOL_VERSION, success, type ControlRequest, type ControlResponse } from './protocol.js';
import { registerRun } from './registry.js';
import { listenControl, type TakeOver } from './server.js';
import type { ScreenSnapshot } from '../session/screen.js';
import { socketPathFor } from './socket-path.js';

/** The run record as of the latest event; subscribe before the run starts so it sees run-started. */
export class RecordWatcher {
  private record: RunRecord | null = null;
  private readonly off: () => void;

  constructor(bus: EventBus) {
    this.off = bus.on((event) => {
      if (event.type === 'job-output') return;
      if (event.type !== 'run-started' && this.record === null) return;
      this.record = reduceRunRecord(this.record, event);
    });
  }

  current(): RunRecord | null {
    return this.record;
  }

  dispose(): void {
    this.off();
  }
}

/** Who acts, as recorded: the client's `by`, cut short and on one line, or `user`. */
function actor(by: string | undefined): string {
  const clean = (by ?? '').replace(/[\x00-\x1f\x7f]/g, ' ').trim().slice(0, 64);
  return clean === '' ? 'user' : clean;
}

/** Answers protocol requests for one run. */
export function runHandler(handle: RunHandle, watcher: RecordWatcher, clock: Clock): (request: ControlRequest) => ControlResponse | TakeOver {
  return (request) => {
    const { id } = request;
    const record = watcher.current();
    const jobNamed = (name: string | undefined): Result<string, ControlResponse> => {
      if (name === undefined) return err(failure(id, 'bad-request', `${request.op} needs a job`));
      if (record !== null && !record.jobs.some((j) => j.name === name)) {
        return err(failure(id, 'unknown-job', `no job ${JSON.stringify(name)} in run ${handle.runId}; its jobs: ${record.jobs.map((j) => j.name).join(', ')}`));
      }
      return ok(name);
    };
    const notRunning = (name: string): ControlResponse => failure(id, 'not-running', `job ${JSON.stringify(name)} is not running`);
    switch (request.op) {
      case 'hello':
        return success(id, { protocol: PROTOCOL_VERSION, runId: handle.runId, runDir: handle.runDir, pid: process.pid });
      case 'status': {
        const now = clock.now();
        const jobs = (record?.jobs ?? []).map((job) => {
          const runner = handle.liveJob(job.name);
          const look = runner?.inspect() ?? null;
          return jobView(job, look === null ? null : { pid: runner?.pid ?? null, verdict: look.verdict, state: look.state }, now, runner?.progress() ?? null);
        });
        return success(id, {
          runId: handle.runId,
          runDir: handle.runDir,
          manifest: record?.manifest ?? null,
          status: record?.status ?? 'running',
          startedAt: record === null ? null : isoTime(record.startedAt),
          pid: process.pid,
          jobs,
        });
      }
      case 'screen': {
        const name = jobNamed(request.job);
        if (!name.ok) return name.error;
        const runner = handle.liveJob(name.value);
        const look = runner?.inspect() ?? null;
        if (runner === null || look === null) return notRunning(name.value);
        return success(id, screenView(name.value, look.snapshot, { pid: runner.pid, verdict: look.verdict, state: look.state }));
      }
      case 'send': {
        const name = jobNamed(request.job);
        if (!name.ok) return name.error;
        let spec: SendSpec;
        if (request.keys !== undefined) {
          if (request.text !== undefined) return failure(id, 'bad-request', 'send takes text or keys, not both');
          const bytes = parseKeys(request.keys);
          if (!bytes.ok) return failure(id, 'bad-keys', bytes.error.map((e) => e.message).join('; '));
          if (bytes.value.length === 0) return failure(id, 'bad-request', 'keys is empty');
          spec = { kind: 'keys', keys: request.keys, bytes: bytes.value };
        } else if (request.text !== undefined) {
          spec = { kind: 'text', text: request.text, enter: request.enter ?? true };
        } else {
          return failure(id, 'bad-request', 'send needs text or keys');
        }
        const runner = handle.liveJob(name.value);
        if (runner === null || !runner.sendFromOutside(spec, actor(request.by))) return notRunning(name.value);
        const typed = spec.kind === 'text' ? spec.text + (spec.enter ? '\r' : '') : spec.bytes.join('');
        return success(id, { job: name.value, sent: visibleEscapes(typed) });
      }
      case 'kill': {
        const name = jobNamed(request.job);
        if (!name.ok) return name.error;
        const runner = handle.liveJob(name.value);
        if (runner === null || !runner.killFromOutside(actor(request.by))) return notRunning(name.value);
        return success(id, { job: name.value, stopping: true });
      }
      case 'attach': {
        const name = jobNamed(request.job);
        if (!name.ok) return name.error;
        const runner = handle.liveJob(name.value);
        if (runner === null) return notRunning(name.value);
        const watch = request.watch === true;
        const by = actor(request.by);
        return {
          response: success(id, { job: name.value, watch }),
          stream: (io) => {
            let ended = false;
            const attached = runner.attachFromOutside({
              watch,
              by,
              onOutput: (data) => io.send({ out: data.toString('base64') }),
              onEnd: () => {
                ended = true;
                io.send({ end: true });
                io.close();
              },
            });
            if (attached === null) {
              io.send({ end: true });
              io.close();
              return;
            }
            io.send({ out: Buffer.from(repaint(attached.snapshot)).toString('base64') });
            io.onMessage((message) => {
              if (typeof message['in'] === 'string') attached.input(message['in']);
              const size = message['resize'];
              if (typeof size === 'object' && size !== null) {
                const { cols, rows } = size as Record<string, unknown>;
                if (isTerminalSize(cols) && isTerminalSize(rows)) attached.resize(cols, rows);
              }
              if (message['detach'] === true) {
                attached.detach();
                io.close();
              }
            });
            io.onClose(() => {
              if (!ended) attached.detach();
            });
          },
        };
      }
      case 'stop':
        handle.interruptBy(actor(request.by));
        return success(id, { runId: handle.runId, stopping: true });
      default:
        return unreachable(request.op);
    }
  };
}

/** A terminal dimension an attached client may ask for. */
function isTerminalSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1000;
}

/** The screen as terminal output: cleared, its rows, the cursor where it is (an attach starts with it). */
function repaint(snapshot: ScreenSnapshot): string {
  const rows = snapshot.lines.map((line) => line.trimEnd()).join('\r\n');
  return `\x1b[H\x1b[2J${rows}\x1b[${snapshot.cursor.row + 1};${snapshot.cursor.col + 1}H`;
}

/** A served run: call `close` once the run is finished. */
export interface ServedRun {
  socket: string;
  close(): Promise<void>;
}

/** Serves the run's control socket and registers it under the runs root. */
export async function serveRun(
  handle: RunHandle,
  watcher: RecordWatcher,
  options: { clock: Clock },
): Promise<Result<ServedRun, string>> {
  const socket = await socketPathFor(handle.runDir, handle.runId);
  if (!socket.ok) return err(socket.error);
  const server = await listenControl(socket.value, runHandler(handle, watcher, options.clock));
  if (!server.ok) return err(server.error);
  const registered = await registerRun({
    v: 1,
    runId: handle.runId,
    runDir: handle.runDir,
    manifest: watcher.current()?.manifest ?? '',
    socket: socket.value,
    startedAt: watcher.current()?.startedAt ?? options.clock.now(),
    ...identityOf(process.pid),
  });
  if (!registered.ok) {
    await server.value.close();
    return err(registered.error);
  }
  const unregister = registered.value;
  return ok({
    socket: socket.value,
    close: async () => {
      await unregister();
      await server.value.close();
      watcher.dispose();
    },
  });
}
