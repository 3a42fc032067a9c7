import type { PtyExit, PtyFactory, PtyProcess, PtySpawnOptions } from '../../src/session/pty.js';

/** A scripted PTY for unit tests: the test plays the agent by calling emit/exit. */
export class FakePty implements PtyProcess {
  readonly written: Array<string | Buffer> = [];
  readonly signals: NodeJS.Signals[] = [];
  paused = false;
  private dataListeners: Array<(chunk: Buffer) => void> = [];
  private exitListeners: Array<(exit: PtyExit) => void> = [];

  constructor(
    readonly pid: number,
    readonly options: PtySpawnOptions,
  ) {}

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onExit(listener: (exit: PtyExit) => void): void {
    this.exitListeners.push(listener);
  }

  write(data: string | Buffer): void {
    this.written.push(data);
  }

  resize(): void {}

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }

  /** The agent prints. */
  emit(data: string | Buffer): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    for (const listener of this.dataListeners) listener(chunk);
  }

  /** The agent exits. */
  exit(exit: PtyExit): void {
    for (const listener of this.exitListeners) listener(exit);
  }
}

/** A factory that records every spawned FakePty; `throwOnSpawn` simulates a spawn error. */
export function fakePtyFactory(options: { throwOnSpawn?: Error } = {}): { factory: PtyFactory; spawned: FakePty[] } {
  const spawned: FakePty[] = [];
  let nextPid = 90_000;
  const factory: PtyFactory = (spawnOptions) => {
    if (options.throwOnSpawn !== undefined) throw options.throwOnSpawn;
    const pty = new FakePty(nextPid++, spawnOptions);
    spawned.push(pty);
    return pty;
  };
  return { factory, spawned };
}
