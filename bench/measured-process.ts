/**
 * A child process started by the bench, timed from spawn to exit, with its peak RSS and CPU
 * time sampled from /proc while it runs. Every child is registered so an interrupted bench
 * can stop exactly the processes it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cpuMs, peakRssKb } from './proc.js';

/** How a measured process ended. */
export interface Measured {
  /** From just before spawn() to the 'exit' event. */
  wallMs: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Highest VmHWM seen while polling (KiB); null without polling or if it exited first. */
  peakRssKb: number | null;
  /** CPU time of the process itself at the last poll (ms); a lower bound of the total. */
  cpuMs: number | null;
  /** The last 8 KiB of its output, when captured. */
  stdout: string;
  stderr: string;
  /** The deadline passed and the bench stopped it. */
  timedOut: boolean;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Poll /proc this often; null: no polling (for many small processes). Default 100 ms. */
  pollMs?: number | null;
  /** Stop it (TERM, then KILL 5 s later) if it runs longer. */
  deadlineMs: number;
  /** Pipe stdout/stderr and keep their tails; otherwise they go to /dev/null. Default true. */
  captureOutput?: boolean;
}

const TAIL_CHARS = 8192;
const live = new Set<ChildProcess>();

/** Sends SIGTERM to every child still running (by pid), then SIGKILL to those left after `graceMs`. */
export async function stopAllChildren(graceMs = 3000): Promise<void> {
  const children = [...live];
  for (const child of children) signal(child, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (live.size > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const child of live) signal(child, 'SIGKILL');
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, name);
  } catch {
    // Already gone.
  }
}

/** A started child; await {@link done}. */
export class MeasuredProcess {
  readonly done: Promise<Measured>;
  private readonly child: ChildProcess;

  private constructor(argv: readonly string[], options: StartOptions) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('Internal error: empty argv');
    const capture = options.captureOutput ?? true;
    const started = performance.now();
    this.child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore'],
    });
    live.add(this.child);
    let stdout = '';
    let stderr = '';
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-TAIL_CHARS)));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-TAIL_CHARS)));
    let peak: number | null = null;
    let cpu: number | null = null;
    const pid = this.child.pid;
    const poll = (): void => {
      if (pid === undefined) return;
      const kb = peakRssKb(pid);
      if (kb !== null) peak = Math.max(peak ?? 0, kb);
      cpu = cpuMs(pid) ?? cpu;
    };
    const pollMs = options.pollMs === undefined ? 100 : options.pollMs;
    const poller = pollMs === null ? null : setInterval(poll, pollMs);
    poll();
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      signal(this.child, 'SIGTERM');
      killer = setTimeout(() => signal(this.child, 'SIGKILL'), 5000);
    }, options.deadlineMs);
    this.done = new Promise((resolve) => {
      const finish = (exitCode: number | null, sig: NodeJS.Signals | null, wallMs: number): void => {
        if (poller !== null) clearInterval(poller);
        clearTimeout(deadline);
        clearTimeout(killer);
        live.delete(this.child);
        resolve({ wallMs, exitCode, signal: sig, peakRssKb: peak, cpuMs: cpu, stdout, stderr, timedOut });
      };
      this.child.once('error', (error) => {
        stderr += `\n${error.message}`;
        finish(null, null, performance.now() - started);
      });
      this.child.once('exit', (code, sig) => {
        const wallMs = performance.now() - started;
        // Let the pipes deliver the last output before resolving.
        if (capture) this.child.once('close', () => finish(code, sig, wallMs));
        else finish(code, sig, wallMs);
      });
    });
  }

  /** Starts `argv` (no shell). */
  static start(argv: readonly string[], options: StartOptions): MeasuredProcess {
    return new MeasuredProcess(argv, options);
  }

  /** Runs `argv` to the end. */
  static run(argv: readonly string[], options: StartOptions): Promise<Measured> {
    return new MeasuredProcess(argv, options).done;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('Internal error: the child has no pid (spawn failed)');
    return this.child.pid;
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A one-line description of how a process ended, for error messages. */
export function describeEnd(m: Measured): string {
  const how = m.timedOut ? 'hit the bench deadline' : m.signal !== null ? `was killed by ${m.signal}` : `exited with ${m.exitCode}`;
  const tail = (m.stderr.trim() || m.stdout.trim()).split('\n').slice(-3).join(' | ');
  return tail === '' ? how : `${how}: ${tail}`;
}
