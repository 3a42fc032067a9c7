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
  /**
   * Lends the raw log's descriptor to a PTY that writes the log itself: null when the log
   * cannot be handed over (redacted, failed, not open). While lent, `write` skips the log.
   */
  lendLog?(onStop?: () => void): number | null;
  /** Ends a loan: later bytes go through `write` again; `error` is why the borrower stopped. */
  reclaimLog?(error: NodeJS.ErrnoException | null): void;
  /**
   * Lends the transcript's descriptor to a PTY that decodes the output into it (null when it
   * cannot: a secret is redacted). While lent, `write` only keeps the last line; notes go to `onMark`.
   */
  lendTranscript?(onStop?: () => void, onMark?: (text: string) => void): number | null;
  reclaimTranscript?(error: NodeJS.ErrnoException | null): void;
  /** Bytes a bounded PTY skipped: already in the files, counted (timing index), never given to `write`. */
  skipped?(bytes: number): void;
}
