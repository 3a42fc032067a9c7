/**
 * The PTY seen by the rest of codex-run. Only `pty-host.ts` imports node-pty; tests inject
 * a fake {@link PtyFactory}.
 */

export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child (not merged with anything). */
  env: Record<string, string>;
  cols: number;
  rows: number;
  /**
   * The job's open log file. A backend that can write every byte there itself (the native
   * pump) does so, before handing the bytes over, and says so in {@link PtyProcess.writesLog};
   * others ignore it.
   */
  logFd?: number;
  /** The job's open transcript (`<job>.txt`): a backend that decodes it itself says so in {@link PtyProcess.writesTranscript}. */
  transcriptFd?: number;
  /**
   * Start in bounded output mode (see {@link PtyProcess.setBounded}), for a backend that
   * writes both files itself; what `setBounded(true)` right after the spawn would do, without
   * a window in which output goes out in full. Others ignore it.
   */
  bounded?: boolean;
  /**
   * The burst of the screen budget that bounded mode runs (src/session/screen-budget.ts: the
   * job's share of the run's); absent: one job's full burst. Others ignore it.
   */
  burstBytes?: number;
  /** The cgroup directory the child joins before its exec; only for a factory with `joinsCgroup`. */
  cgroup?: string;
}

export interface PtyExit {
  exitCode: number;
  /** Signal number that ended the child, or null. */
  signal: number | null;
  /**
   * Set when what hosts the terminal died before it could report the child's exit (the native
   * pump killed from outside): says so, since the agent then only lost its terminal.
   */
  hostLost?: string;
}

export interface PtyProcess {
  /** The child's pid. A PTY with {@link started} may block to learn it when asked before that resolved. */
  readonly pid: number;
  /**
   * When present, the child is started in the background: resolves with null once it runs
   * (then `pid` is known without waiting), or with why it could not start (then nothing more
   * comes: no data, and onExit is not for the caller). Output waits for the first onData
   * listener, so attaching after this resolved loses nothing.
   */
  readonly started?: Promise<string | null>;
  /** True when this PTY writes the bytes to the `logFd` it was given (then onData is for watching only). */
  readonly writesLog?: boolean;
  /** After onExit: why the PTY stopped writing the log (e.g. the disk is full), or null. */
  logError?(): NodeJS.ErrnoException | null;
  /** A PTY that writes the log: stop writing it and the transcript (the run's disk is full; the log's owner fails it). */
  stopLog?(): void;
  /** True when this PTY decodes the bytes into the `transcriptFd` it was given. */
  readonly writesTranscript?: boolean;
  /** After onExit: why the PTY stopped writing the transcript, or null. */
  transcriptError?(): NodeJS.ErrnoException | null;
  /** A note of codex-run's own for the transcript this PTY writes, ordered with the output. */
  mark?(text: string): void;
  /**
   * Bounded output (a PTY that writes both files): onData then gets only what the screen
   * budget lets through and, during a flood, tails; each tail is preceded by an onGap with the
   * bytes skipped and the complete OSC sequences found in them. False: every byte (default).
   */
  setBounded?(bounded: boolean): void;
  /** Output held back in bounded mode, of which `skipped` bytes were dropped (counted, not delivered; 0: none), before what follows. */
  onGap?(listener: (skipped: number, oscs: Buffer) => void): void;
  /**
   * A PTY that watches its own output closely (the native pump): the output that followed
   * codex-run's input went quiet, microseconds after its last byte. The screen's quiet edge
   * then comes at once instead of after its own timer. Others never call it.
   */
  onQuiet?(listener: () => void): void;
  /** Raw bytes exactly as the master read them. Attach in the same tick as spawn. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Fires once, after every byte the child wrote has been delivered to onData. */
  onExit(listener: (exit: PtyExit) => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** Stop reading from the master (backpressure); the child blocks when the kernel buffer fills. */
  pause(): void;
  resume(): void;
  /** Signals the top process only; use process-tree.ts to stop a whole job. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Makes a PTY. `joinsCgroup`: the factory honours {@link PtySpawnOptions.cgroup} (the child
 * joins the group itself before its exec), so the caller need not wrap the argv in the
 * launcher script.
 */
export type PtyFactory = ((options: PtySpawnOptions) => PtyProcess) & { readonly joinsCgroup?: boolean };

/** Default terminal size for jobs: wide enough that agent TUIs do not wrap their prompts. */
export const DEFAULT_COLS = 120;
export const DEFAULT_ROWS = 40;
