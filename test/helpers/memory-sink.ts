import type { OutputSink } from '../../src/session/output-sink.js';

/** An in-memory OutputSink whose backpressure and errors the test controls. */
export class MemorySink implements OutputSink {
  readonly chunks: Buffer[] = [];
  full = false;
  failure: string | null = null;
  closed = false;
  private drainCallbacks: Array<() => void> = [];

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return !this.full;
  }

  onceDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }

  /** Simulates the file catching up. */
  drain(): void {
    this.full = false;
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const callback of callbacks) callback();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  error(): string | null {
    return this.failure;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
