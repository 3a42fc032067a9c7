/**
 * Where a job's raw PTY bytes go first (the byte-exact log). `write` returning false asks
 * the session to pause the PTY until `onceDrain` fires: backpressure keeps memory flat.
 */
export interface OutputSink {
  write(chunk: Buffer): boolean;
  onceDrain(callback: () => void): void;
  /** Flushes every byte written so far and closes the file. Never rejects. */
  close(): Promise<void>;
  /** The first write error (e.g. disk full), as a message, or null. */
  error(): string | null;
}
