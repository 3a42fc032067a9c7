/**
 * The pump spawner: one `codex-run-pump --spawner` process per runner that forks the per-job
 * pumps, so the runner does not fork once per job (native/pump/spawner.c says why: a fork
 * from Node costs in proportion to its memory, on the main thread).
 *
 * The spawner is started once, early, while the runner is small. Each pump's three channels
 * (control, output, events: descriptors 0, 1 and 3 of pump.c) are connections to a Unix socket
 * this module listens on, in a private 0700 folder of its own, each introduced by a token
 * (the spawner's secret and the request's id) and its role. The job's log and transcript
 * descriptors are reopened by the spawner's child through /proc (both files are opened
 * O_APPEND: see secure-file.ts).
 *
 *   starting ──"ready"──▶ ready ──stdout ended / exited──▶ gone
 *      │                                                   ▲
 *      └──"unavailable …" / could not start ──────────────┘
 *
 * Requests are only made in `ready`; a caller that finds the spawner anything else spawns the
 * pump itself (pump-host.ts). One request:
 *
 *   requested ──"spawned id pid"──▶ running ──"exit id code signal"──▶ ended
 *       └──"failed id why" / spawner gone──▶ ended
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import { LineSplitter } from '../util/line-splitter.js';
import { unreachable } from '../util/unreachable.js';

const TOKEN_BYTES = 16;
const SECRET_BYTES = 12;
/** A spawner that answers nothing this long while a request waits is taken for hung (stopped, stuck) and killed. */
const HUNG_MS = 5000;
/** After the spawner went away, how long a request's child (forked, maybe) has to connect before the request is given up. */
const ORPHAN_GRACE_MS = 1500;

/** A pump's three channels, once all three connected (descriptors 0, 1 and 3 of pump.c). */
export interface PumpChannels {
  control: net.Socket;
  data: net.Socket;
  events: net.Socket;
}

/** What a request reports, in order: `onSpawned` or `onFailed` once, then `onChannels`, then `onExit`. */
export interface SpawnListener {
  /** The pump runs; its three connections are on their way (they are queued at the socket). */
  onSpawned(pumpPid: number): void;
  /**
   * No pump runs: the spawner said why, or it went away first. `notStarted`: it went away and
   * no part of this pump ever connected, so the caller may start the pump another way.
   */
  onFailed(why: string, notStarted: boolean): void;
  /** All three channels connected. */
  onChannels(channels: PumpChannels): void;
  /** The pump was reaped (code null and signal null: the spawner died first, status unknown). */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/** The request as the spawner sees it. */
export interface SpawnRequest {
  /** The pump's arguments after its name. */
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  logFd: number | null;
  transcriptFd: number | null;
}

type SpawnerState = { kind: 'starting' } | { kind: 'ready' } | { kind: 'gone'; why: string };

type RequestState = { kind: 'requested' } | { kind: 'running'; pid: number } | { kind: 'ended' };

interface Pending {
  id: number;
  requestedAt: number;
  state: RequestState;
  listener: SpawnListener;
  channels: Partial<PumpChannels>;
  /** Channels all connected (reported once). */
  connected: boolean;
}

/** One spawner process and its socket. */
export class PumpSpawner {
  private state: SpawnerState = { kind: 'starting' };
  private readonly requests = new Map<number, Pending>();
  private nextId = 1;
  private readonly answers = new LineSplitter((line) => this.onAnswer(line));
  private readonly secret = randomBytes(SECRET_BYTES);
  /** When the spawner last answered anything (for the hang check). */
  private lastAnswerAt = Date.now();
  private watchdog: NodeJS.Timeout | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly server: net.Server,
    private readonly folder: string,
  ) {
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (text: string) => this.onAnswers(text));
    child.stdout!.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    child.on('error', () => this.gone('the spawner could not start'));
    child.on('exit', (code, signal) => this.gone(`the spawner ended (${signal ?? `exit code ${code ?? 'none'}`})`));
    server.on('connection', (socket) => this.onConnection(socket));
    server.on('error', () => this.gone('its socket failed'));
    this.idle();
  }

  /**
   * Starts a spawner for `binary` (a pump of protocol 3 or later that knows `--spawner`); null
   * when it cannot (no private folder, no socket): the caller spawns pumps itself.
   */
  static start(binary: string): PumpSpawner | null {
    let folder: string;
    try {
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-spawner-'));
    } catch {
      return null;
    }
    const socketPath = path.join(folder, 's');
    const server = net.createServer({ pauseOnConnect: true });
    try {
      server.listen(socketPath);
    } catch {
      fs.rmSync(folder, { recursive: true, force: true });
      return null;
    }
    let child: ChildProcess;
    try {
      // No environment: the spawner needs none (each pump gets its job's), so none of the
      // runner's variables (tokens, keys) sits in /proc/<spawner>/environ.
      child = spawn(binary, ['--spawner', socketPath], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
    } catch {
      server.close();
      fs.rmSync(folder, { recursive: true, force: true });
      return null;
    }
    if (child.stdin === null || child.stdout === null) {
      child.kill('SIGKILL');
      server.close();
      fs.rmSync(folder, { recursive: true, force: true });
      return null;
    }
    const spawner = new PumpSpawner(child, server, folder);
    void sweepStaleFolders(folder);
    // The socket's folder goes with the process (the spawner itself ends when its pipe closes).
    const removeFolder = (): void => fs.rmSync(folder, { recursive: true, force: true });
    process.once('exit', removeFolder);
    return spawner;
  }

  /** The spawner process's pid. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The private folder of its socket. */
  get socketFolder(): string {
    return this.folder;
  }

  /** Ends the spawner (its pumps run on: each ends with its own job). */
  close(): void {
    this.gone('closed');
  }

  /** True when requests are taken (else the caller spawns the pump itself). */
  ready(): boolean {
    return this.state.kind === 'ready';
  }

  /** Why the spawner cannot take requests, or null. */
  problem(): string | null {
    return this.state.kind === 'gone' ? this.state.why : null;
  }

  /** Asks for a pump; returns the request's id (for {@link kill}). Only in {@link ready}. */
  request(request: SpawnRequest, listener: SpawnListener): number {
    if (this.state.kind !== 'ready') throw new Error('Internal error: the pump spawner is not ready');
    const id = this.nextId++;
    this.requests.set(id, { id, requestedAt: Date.now(), state: { kind: 'requested' }, listener, channels: {}, connected: false });
    this.busy();
    this.watchdog ??= setInterval(() => this.checkHung(), 1000).unref();
    // One string for the arguments and one for the environment, NUL-terminated each.
    let env = '';
    let envCount = 0;
    for (const name in request.env) {
      const value = request.env[name];
      if (value === undefined) continue;
      env += `${name}=${value}\0`;
      envCount++;
    }
    const args = request.args.length === 0 ? '' : `${request.args.join('\0')}\0`;
    const argsBytes = Buffer.byteLength(args, 'utf8');
    const envBytes = Buffer.byteLength(env, 'utf8');
    const headBytes = 4 + TOKEN_BYTES + 4 + 4 + 4;
    const payloadBytes = headBytes + argsBytes + 4 + envBytes;
    const frame = Buffer.allocUnsafe(5 + payloadBytes);
    let at = frame.write('S', 0, 'latin1');
    at = frame.writeUInt32BE(payloadBytes, at);
    at = frame.writeUInt32BE(id, at);
    at += this.token(id).copy(frame, at);
    at = frame.writeInt32BE(request.logFd ?? -1, at);
    at = frame.writeInt32BE(request.transcriptFd ?? -1, at);
    at = frame.writeUInt32BE(request.args.length, at);
    at += frame.write(args, at, 'utf8');
    at = frame.writeUInt32BE(envCount, at);
    frame.write(env, at, 'utf8');
    this.child.stdin!.write(frame);
    return id;
  }

  /** Signals request `id`'s pump, if it has not been reaped (the spawner checks: no reused pid is hit). */
  kill(id: number, signal: NodeJS.Signals): void {
    const number = osConstants.signals[signal];
    if (number === undefined || this.state.kind === 'gone') return;
    const frame = Buffer.alloc(10);
    frame.write('K', 0, 'latin1');
    frame.writeUInt32BE(5, 1);
    frame.writeUInt32BE(id, 5);
    frame.writeUInt8(number, 9);
    this.child.stdin!.write(frame);
  }

  private token(id: number): Buffer {
    const token = Buffer.alloc(TOKEN_BYTES);
    this.secret.copy(token, 0);
    token.writeUInt32BE(id, SECRET_BYTES);
    return token;
  }

  // Requests wait and the spawner has said nothing for HUNG_MS: it is stopped or stuck. Killed,
  // it goes the way of a dead one (gone): its requests' pumps are forked by the runner.
  private checkHung(): void {
    if (this.state.kind !== 'ready') return;
    const now = Date.now();
    for (const pending of this.requests.values()) {
      if (pending.state.kind === 'requested' && now - Math.max(pending.requestedAt, this.lastAnswerAt) > HUNG_MS) {
        this.child.kill('SIGKILL');
        return;
      }
    }
  }

  private onAnswers(text: string): void {
    this.lastAnswerAt = Date.now();
    this.answers.push(text);
  }

  private onAnswer(line: string): void {
    const space = line.indexOf(' ');
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (word) {
      case 'ready':
        if (this.state.kind === 'starting') this.state = { kind: 'ready' };
        return;
      case 'unavailable':
        this.gone(rest);
        return;
      case 'spawned': {
        const [id, pid] = rest.split(' ').map(Number);
        const pending = this.requests.get(id!);
        if (pending === undefined || pending.state.kind !== 'requested') return;
        pending.state = { kind: 'running', pid: pid! };
        pending.listener.onSpawned(pid!);
        return;
      }
      case 'failed': {
        const at = rest.indexOf(' ');
        const pending = this.requests.get(Number(rest.slice(0, at)));
        if (pending === undefined) return;
        this.end(pending);
        for (const socket of Object.values(pending.channels)) socket.destroy();
        pending.listener.onFailed(rest.slice(at + 1), false);
        return;
      }
      case 'exit': {
        const [id, code, signal] = rest.split(' ').map(Number);
        const pending = this.requests.get(id!);
        if (pending === undefined) return;
        pending.state = { kind: 'ended' };
        // Its channels may still wait in the socket's queue: the request stays open until they came.
        if (pending.connected) this.end(pending);
        const name = signal === 0 ? null : ((Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0] as NodeJS.Signals | undefined) ?? null);
        pending.listener.onExit(code === -1 ? null : code!, name);
        return;
      }
      default:
        return;
    }
  }

  // A pump's connection: its first 17 bytes say whose and which; the rest is the channel's own.
  private onConnection(socket: net.Socket): void {
    socket.on('error', () => undefined);
    const readHello = (): void => {
      const hello = socket.read(TOKEN_BYTES + 1) as Buffer | null;
      if (hello === null) return;
      socket.off('readable', readHello);
      const pending = hello.subarray(0, SECRET_BYTES).equals(this.secret) ? this.requests.get(hello.readUInt32BE(SECRET_BYTES)) : undefined;
      const role = String.fromCharCode(hello[TOKEN_BYTES]!);
      const key = role === '0' ? 'control' : role === '1' ? 'data' : role === '3' ? 'events' : null;
      if (pending === undefined || key === null || pending.channels[key] !== undefined || pending.connected) {
        socket.destroy();
        return;
      }
      pending.channels[key] = socket;
      const { control, data, events } = pending.channels;
      if (control !== undefined && data !== undefined && events !== undefined) {
        pending.connected = true;
        pending.listener.onChannels({ control, data, events });
        if (this.state.kind === 'gone' && pending.state.kind !== 'ended') {
          // Forked before the spawner went away: it runs, and its end shows as its events closing.
          pending.listener.onExit(null, null);
          this.end(pending);
        } else if (pending.state.kind === 'ended') {
          this.end(pending);
        }
      }
    };
    socket.on('readable', readHello);
  }

  private end(pending: Pending): void {
    pending.state = { kind: 'ended' };
    this.requests.delete(pending.id);
    if (this.requests.size === 0) {
      this.idle();
      if (this.state.kind === 'gone') this.closeSocket();
    }
  }

  private closeSocket(): void {
    this.server.close();
    fs.rm(this.folder, { recursive: true, force: true }, () => undefined);
  }

  // The spawner keeps the runner alive only while a request is open.
  private busy(): void {
    this.server.ref();
    this.child.ref();
    (this.child.stdout as net.Socket).ref();
  }

  private idle(): void {
    this.child.unref();
    (this.child.stdout as net.Socket).unref();
    (this.child.stdin as net.Socket).unref();
    this.server.unref();
  }

  // The spawner is gone (it died, was killed as hung, or was closed). Its socket stays open
  // while pumps it forked may still connect: "spawned" ones have connected (their connections
  // wait in the queue), and one asked for just before it died may have been forked; those that
  // do not connect within ORPHAN_GRACE_MS never started, and are left to the caller.
  private gone(why: string): void {
    if (this.state.kind === 'gone') return;
    this.state = { kind: 'gone', why };
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.child.stdin!.end();
    const orphans: Pending[] = [];
    for (const pending of [...this.requests.values()]) {
      const state = pending.state;
      switch (state.kind) {
        case 'requested':
          if (pending.connected) {
            this.end(pending);
            pending.listener.onExit(null, null);
          } else {
            orphans.push(pending);
          }
          break;
        case 'running':
          // It may still run (reparented); its end shows as its events channel closing.
          pending.listener.onExit(null, null);
          if (pending.connected) this.end(pending);
          else pending.state = { kind: 'ended' }; // its channels are queued: end() once they came
          break;
        case 'ended':
          break; // reaped; its channels are queued
        default:
          unreachable(state);
      }
    }
    if (orphans.length > 0) {
      setTimeout(() => {
        for (const pending of orphans) {
          if (pending.connected || !this.requests.has(pending.id)) continue;
          const partial = Object.values(pending.channels);
          for (const socket of partial) socket.destroy();
          this.end(pending);
          pending.listener.onFailed(`the pump spawner is gone (${why})`, partial.length === 0);
        }
      }, ORPHAN_GRACE_MS);
    }
    if (this.requests.size === 0) {
      this.closeSocket();
      this.idle();
    }
  }
}

/** How old a socket folder without a listener must be before it counts as left behind. */
const STALE_FOLDER_MS = 60_000;

/**
 * Removes the socket folders of spawners that are gone without cleaning up (a SIGKILL of a
 * runner's whole process group takes the spawner too): this user's `codex-run-spawner-*`
 * folders in the temp folder, older than a minute, whose socket no longer answers. In the
 * background at a spawner's start; never throws.
 */
export async function sweepStaleFolders(own: string | null, now = Date.now()): Promise<void> {
  const tmp = os.tmpdir();
  let names: string[];
  try {
    names = await fs.promises.readdir(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith('codex-run-spawner-')) continue;
    const dir = path.join(tmp, name);
    if (dir === own) continue;
    try {
      const stat = await fs.promises.lstat(dir);
      if (!stat.isDirectory() || stat.uid !== process.getuid?.() || now - stat.mtimeMs < STALE_FOLDER_MS) continue;
      if (await answers(path.join(dir, 's'))) continue;
      await fs.promises.rm(dir, { recursive: true, force: true });
    } catch {
      // Gone meanwhile, or not ours to judge.
    }
  }
}

// Whether something listens on the Unix socket at `file`.
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const spawners = new Map<string, PumpSpawner | null>();

/** The process's spawner for `binary`, started on first use (null when it cannot start). */
export function sharedSpawner(binary: string): PumpSpawner | null {
  let spawner = spawners.get(binary);
  if (spawner === undefined || (spawner !== null && spawner.problem() !== null)) {
    spawner = PumpSpawner.start(binary);
    spawners.set(binary, spawner);
  }
  return spawner;
}
