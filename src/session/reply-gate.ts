/**
 * Which terminal replies (cursor position, device attributes, colours: what the screen
 * model's xterm answers to a query) are typed into a job. A real terminal answers every
 * query, but codex-run records and supervises: random binary output is full of `ESC [ 6 n`
 * and `ESC [ c`, and answering those types replies into the job (and, echoed, into its log).
 *
 * A query is answered only when the job looks like a terminal application asking:
 * - the chunk it arrived in ends with a complete escape sequence (the query is the last
 *   thing the job wrote) and is text (valid UTF-8, no C0 controls a terminal program does
 *   not send), and
 * - the job then stays quiet for `quietMs` (it is waiting for the answer), and
 * - at most `burst` replies are sent per `windowMs` (a few per second).
 * Anything else is dropped. Replies never go to the log: only what the job prints does.
 *
 *   idle ──reply, last chunk eligible──▶ holding{replies} ──quiet for quietMs──▶ (send, rate-limited) idle
 *                                          │ more output
 *                                          ▼
 *                                        idle (replies dropped)
 */
import { isUtf8 } from 'node:buffer';
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

export interface ReplyGateOptions {
  clock: Clock;
  /** Where accepted replies go (the PTY). */
  send: (reply: string) => void;
  /** Silence after the query before its reply is sent. Default 20 ms. */
  quietMs?: number;
  /** Replies allowed per window. Default 8. */
  burst?: number;
  /** Default 1000 ms. */
  windowMs?: number;
}

type GateState = { kind: 'idle' } | { kind: 'holding'; replies: string[]; timer: TimerHandle };

/** Counters for tests and diagnostics. */
export interface ReplyGateStats {
  sent: number;
  dropped: number;
}

const DEFAULT_QUIET_MS = 20;
const DEFAULT_BURST = 8;
const DEFAULT_WINDOW_MS = 1000;
/** Replies held for one quiet moment; more than this many queries at once is not a terminal app asking. */
const MAX_HELD = 8;

// The end of a chunk: a complete CSI, OSC (BEL or ST) or DCS sequence (latin1 view of the bytes).
const ENDS_WITH_SEQUENCE = /(?:\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\)$/;
const TAIL_BYTES = 512;

/** True when `chunk` could be a terminal program writing a query last: text ending in an escape sequence. */
export function endsWithTerminalQuery(chunk: Buffer): boolean {
  if (chunk.length === 0 || chunk[chunk.length - 1]! < 0x07) return false;
  const from = Math.max(0, chunk.length - TAIL_BYTES);
  // Every sequence the pattern accepts starts with ESC: plain text (most chunks) needs no string.
  if (chunk.lastIndexOf(0x1b) < from) return false;
  const tail = chunk.subarray(from).toString('latin1');
  if (!ENDS_WITH_SEQUENCE.test(tail)) return false;
  for (const byte of chunk) {
    // BEL, BS, TAB, LF, CR, SO, SI and ESC are what terminal programs send; the other C0 bytes and DEL are binary.
    if ((byte < 0x20 && byte !== 0x07 && byte !== 0x08 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0e && byte !== 0x0f && byte !== 0x1b) || byte === 0x7f) {
      return false;
    }
  }
  return isUtf8(chunk);
}

/** Decides, reply by reply, whether the job gets it (see the file comment). */
export class ReplyGate {
  private state: GateState = { kind: 'idle' };
  private lastChunkEligible = false;
  private readonly quietMs: number;
  private readonly burst: number;
  private readonly windowMs: number;
  /** Send times within the current rate window. */
  private recent: number[] = [];
  private sent = 0;
  private dropped = 0;

  constructor(private readonly o: ReplyGateOptions) {
    this.quietMs = o.quietMs ?? DEFAULT_QUIET_MS;
    this.burst = o.burst ?? DEFAULT_BURST;
    this.windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
  }

  /** Every raw chunk of the job's output, before the screen model parses it. */
  observe(chunk: Buffer): void {
    this.lastChunkEligible = endsWithTerminalQuery(chunk);
    this.cancel();
  }

  /** A reply the screen model produced while parsing. */
  offer(reply: string): void {
    if (!this.lastChunkEligible) {
      this.dropped++;
      return;
    }
    const s = this.state;
    switch (s.kind) {
      case 'idle': {
        const timer = this.o.clock.setTimeout(() => this.release(), this.quietMs);
        this.state = { kind: 'holding', replies: [reply], timer };
        return;
      }
      case 'holding':
        if (s.replies.length < MAX_HELD) s.replies.push(reply);
        else this.dropped++;
        return;
      default:
        unreachable(s);
    }
  }

  /** Drops held replies and the timer. */
  cancel(): void {
    const s = this.state;
    switch (s.kind) {
      case 'idle':
        return;
      case 'holding':
        this.o.clock.clearTimeout(s.timer);
        this.dropped += s.replies.length;
        this.state = { kind: 'idle' };
        return;
      default:
        unreachable(s);
    }
  }

  stats(): ReplyGateStats {
    return { sent: this.sent, dropped: this.dropped };
  }

  private release(): void {
    const s = this.state;
    if (s.kind !== 'holding') return;
    this.state = { kind: 'idle' };
    const now = this.o.clock.now();
    this.recent = this.recent.filter((t) => now - t < this.windowMs);
    for (const reply of s.replies) {
      if (this.recent.length >= this.burst) {
        this.dropped++;
        continue;
      }
      this.recent.push(now);
      this.sent++;
      this.o.send(reply);
    }
  }
}
