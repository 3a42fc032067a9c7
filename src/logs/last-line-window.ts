/**
 * The last meaningful line of a job's output while another process writes its transcript
 * (the native pump decodes every byte into `<job>.txt` itself; src/logs/transcript.ts lends it
 * the file). Node still wants the line for people (the live display, `job-activity`, the
 * report), and decoding every byte that reached Node for it was 16 % of the runner's
 * allocations with 20 busy jobs (issue 16; 20-21 scavenges in 10 s, now 16).
 *
 * So the window keeps the newest {@link WINDOW_BYTES} bytes as they come (a copy into a ring,
 * no decoding) and decodes only their end, when asked and only if something came since: from
 * the first line start ({@link firstLineStart}) in the last {@link FIRST_LOOK_BYTES}, then from
 * further back while that shows no meaningful line, over what came since the last search and a
 * little more (the older bytes were searched then). A line that scrolled out of the window
 * before anyone asked is not seen; the answer is then the last one found (a window of only blank
 * lines, numbers or spinner frames keeps showing the line before them).
 *
 * A restart (the output skipped before a tail, or a note between attempts) ends the current
 * line and the escape sequence it may be in, as the eager decoder's `flush()` did: CAN then LF.
 */
import { PlainTextDecoder } from './plain-text.js';

/** Bytes of the newest output kept. */
export const WINDOW_BYTES = 8 * 1024;
/** The first decode covers this much of the end (from the line boundary in it). */
const FIRST_LOOK_BYTES = 512;
/** CAN (back to the ground state from any sequence), then LF (the line ends). */
const RESTART = Uint8Array.of(0x18, 0x0a);
const LF = 0x0a;
const ESC = 0x1b;
const CSI_OPEN = 0x5b;
/** CSI finals that end the current line in plain-text.ts (dispatchCsi: softBreak). */
const LINE_ENDING_FINALS = new Set([...'ABEFdJHf'].map((c) => c.charCodeAt(0)));

/**
 * Where decoding can start in the middle of a stream and read on as the eager decoder did: after
 * a line feed, or at a CSI that ends the line in plain-text.ts (a vertical move, a cursor
 * position, an erase of the display: how full-screen TUIs, which print no line feeds, start
 * a line). ESC `[` begins a CSI from any parser state, so that one starts in step. -1: none.
 */
export function firstLineStart(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === LF) return i + 1;
    if (b !== ESC || bytes[i + 1] !== CSI_OPEN) continue;
    // Parameters (digits, `;`, `:`) then the final byte; a private marker or an intermediate is never acted on.
    let j = i + 2;
    while (j < bytes.length && bytes[j]! >= 0x30 && bytes[j]! <= 0x3b) j++;
    if (j < bytes.length && LINE_ENDING_FINALS.has(bytes[j]!)) return i;
  }
  return -1;
}

export class LastLineWindow {
  private readonly ring = Buffer.allocUnsafe(WINDOW_BYTES);
  /** Bytes ever pushed (the ring holds the last min(total, WINDOW_BYTES) of them). */
  private total = 0;
  /** `total` at the last decode: nothing new, the same answer. */
  private decodedAt = 0;
  /** The newest meaningful line found so far (completed or not), or null. */
  private found: string | null = null;

  /**
   * @param meaningful whether a trimmed line is worth showing (transcript.ts, isMeaningfulLine)
   * @param newDecoder makes the decoder of one search (tests count what it reads)
   */
  constructor(
    private readonly meaningful: (line: string) => boolean,
    private readonly newDecoder: () => PlainTextDecoder = () => new PlainTextDecoder(),
  ) {}

  /** Keeps the newest bytes of `chunk` (the caller may reuse it afterwards). */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    const from = n > WINDOW_BYTES ? n - WINDOW_BYTES : 0;
    let at = (this.total + from) % WINDOW_BYTES;
    for (let i = from; i < n; ) {
      const take = Math.min(n - i, WINDOW_BYTES - at);
      this.ring.set(chunk.subarray(i, i + take), at);
      i += take;
      at = (at + take) % WINDOW_BYTES;
    }
    this.total += n;
  }

  /** The output that follows does not continue what came before (see the file comment). */
  restart(): void {
    if (this.total > 0) this.push(RESTART);
  }

  /**
   * The last meaningful line, trimmed (the unfinished one counts), or null before any. The
   * search reaches back over what came since the last one and {@link FIRST_LOOK_BYTES} more
   * (the older bytes were searched then): its work follows the output, however often it is
   * asked and however long nothing meaningful comes.
   */
  lastLine(): string | null {
    const fresh = this.total - this.decodedAt;
    if (fresh === 0) return this.found;
    this.decodedAt = this.total;
    const reach = Math.min(this.total, WINDOW_BYTES, fresh + FIRST_LOOK_BYTES);
    for (let look = Math.min(FIRST_LOOK_BYTES, reach); ; look = Math.min(look * 4, reach)) {
      const line = this.lastIn(look, look < this.total);
      if (line !== null) {
        this.found = line;
        break;
      }
      if (look === reach) break;
    }
    return this.found;
  }

  // The last meaningful line in the newest `look` bytes; `cut`: they start mid-stream, so
  // decoding starts at their first line start (before it may be the rest of an escape sequence).
  private lastIn(look: number, cut: boolean): string | null {
    const bytes = this.newest(look);
    const start = cut ? firstLineStart(bytes) : 0;
    if (start < 0) return null;
    const decoder = this.newDecoder();
    const lines = decoder.push(bytes.subarray(start));
    const current = decoder.currentLine().trim();
    if (this.meaningful(current)) return current;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (this.meaningful(line)) return line;
    }
    return null;
  }

  // The newest `look` bytes, in order (a copy when they wrap around the ring).
  private newest(look: number): Buffer {
    const end = this.total % WINDOW_BYTES;
    if (look <= end) return this.ring.subarray(end - look, end);
    const head = this.ring.subarray(WINDOW_BYTES - (look - end));
    return Buffer.concat([head, this.ring.subarray(0, end)], look);
  }
}
