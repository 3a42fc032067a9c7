/**
 * Raw terminal bytes to readable lines, as a person would have read them on screen:
 * escape sequences (CSI, OSC, DCS, ...) are dropped, `\r` returns to the start of the line
 * so progress output collapses to its final state, backspace and erase-line edit the line.
 * It is a streaming decoder: sequences and UTF-8 characters may be split across chunks.
 *
 * It runs on every byte a job prints, so the current line is kept as UTF-8 bytes in one
 * Buffer (no per-byte string building) and decoded once, when it completes. The Buffer starts
 * small and doubles up to the line cap: a runner holds two decoders per job (the transcript's
 * and the last line's), and 64 KiB each was ~25 MiB of 200 jobs' peak RSS for lines of ~80 bytes.
 * The cursor is a byte offset that always sits on a character boundary; a "column" is one
 * code point (wide characters count as one, which is good enough for overwrites).
 *
 * Full-screen TUIs position the cursor on other rows; without a screen model the decoder
 * treats any vertical move as the end of the current line (see `dispatchCsi`).
 *
 * Escape-sequence parser (a subset of the VT500 parser by Paul Williams):
 *
 *   ground ──ESC──▶ escape ──'['─────────────▶ csi ──0x40-0x7e──▶ ground
 *                     ├──────']'─────────────▶ osc ──BEL────────▶ ground
 *                     ├──────'P' 'X' '^' '_'─▶ string
 *                     ├──────0x20-0x2f───────▶ escape-intermediate ──0x30-0x7e──▶ ground
 *                     └──────0x30-0x7e───────▶ ground
 *   osc, string ──ESC──▶ string-escape ──'\'──▶ ground
 *                              └──any other byte──▶ escape (the byte is read again there)
 *
 *   CAN/SUB cancel any sequence; other C0 controls inside escape/csi are executed; a byte
 *   >= 0x80 cannot continue escape/csi, so it ends the sequence and is printed.
 *
 * A C port for the native pump lives in native/pump/plaintext.c; test/unit/native-transcript.test.ts
 * keeps the two byte-equal (change both together).
 */
import { unreachable } from '../util/unreachable.js';

/** Where the escape-sequence parser is (see the diagram in the file comment). */
export type ParserState = 'ground' | 'escape' | 'escape-intermediate' | 'csi' | 'osc' | 'string' | 'string-escape';

export interface PlainTextOptions {
  /** A line longer than this many bytes is cut into several lines. Default 64 KiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
// Room past the cap so a UTF-8 character is never cut in two when a long line is split.
const LINE_SLACK = 4;
// The line Buffer's first size; it grows by doubling, up to the cap plus the slack.
const INITIAL_LINE_BYTES = 256;
const MAX_CSI_PARAMS = 16;
const MAX_CSI_PARAM_VALUE = 99_999;
/** Printable runs up to this many bytes are copied byte by byte; longer ones through a view (see print). */
const COPY_BY_LOOP_MAX = 256;

const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;
const BS = 0x08;
const TAB = 0x09;
const BEL = 0x07;
const ESC = 0x1b;
const CAN = 0x18;
const SUB = 0x1a;
const DEL = 0x7f;
const SPACE = 0x20;
const TAB_BYTES = Uint8Array.of(TAB);

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Streaming decoder from terminal bytes to completed lines of plain text. */
export class PlainTextDecoder {
  private readonly maxLineBytes: number;
  private line: Buffer;
  /** The most `line` may ever hold: the cap plus the slack. */
  private readonly capacity: number;
  /** Bytes used in `line`. */
  private len = 0;
  /** Cursor as a byte offset into `line`, on a character boundary; may equal `len`. */
  private pos = 0;
  private state: ParserState = 'ground';
  /** The current CSI's parameters (emptied, not replaced, for each sequence). */
  private readonly params: number[] = [];
  /** The CSI parameter being read, or -1 when none has started (meaning "default"). */
  private param = -1;
  /** A CSI with a private marker (`?`, `>`, ...) or intermediates: never acted on. */
  private csiIgnored = false;
  /** Lines completed during the current push. */
  private out: string[] = [];

  constructor(options: PlainTextOptions = {}) {
    this.maxLineBytes = Math.max(LINE_SLACK, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.capacity = this.maxLineBytes + LINE_SLACK;
    this.line = Buffer.allocUnsafe(Math.min(INITIAL_LINE_BYTES, this.capacity));
  }

  /** Feeds raw bytes; returns the lines they completed (without line terminators). */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    this.out = out;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const b = chunk[i]!;
      if (this.state !== 'ground') {
        if (this.escapeByte(b)) i++;
        continue;
      }
      if (b >= SPACE && b !== DEL) {
        // Fast path: the whole run of printable bytes (including UTF-8) at once.
        let j = i + 1;
        while (j < n) {
          const c = chunk[j]!;
          if (c < SPACE || c === DEL) break;
          j++;
        }
        this.print(chunk, i, j);
        i = j;
        continue;
      }
      this.control(b);
      i++;
    }
    return out;
  }

  /** Ends the stream: returns the unfinished line if it shows anything, and resets. */
  flush(): string[] {
    const out: string[] = [];
    this.out = out;
    this.softBreak();
    this.state = 'ground';
    return out;
  }

  /** The line being written, as it would look now. */
  currentLine(): string {
    return this.render();
  }

  // Writes printable bytes at the cursor: appending is a copy, overwriting goes byte by byte.
  private print(src: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end && this.pos < this.len) this.overwriteByte(src[i++]!);
    while (i < end) {
      const room = this.maxLineBytes - this.len;
      if (room <= 0) {
        this.breakLongLine(src[i++]!);
        continue;
      }
      const take = Math.min(room, end - i);
      this.reserve(this.len + take);
      if (take <= COPY_BY_LOOP_MAX) {
        // A short run (most of a coloured line's pieces): a view of it would be an allocation per run.
        const line = this.line;
        for (let k = 0; k < take; k++) line[this.len + k] = src[i + k]!;
      } else {
        this.line.set(src.subarray(i, i + take), this.len);
      }
      this.len += take;
      this.pos = this.len;
      i += take;
    }
  }

  // At the cap: finish the current character inside the slack, otherwise start a new line with `next`.
  private breakLongLine(next: number): void {
    if (!isContinuation(next) || this.len >= this.capacity) this.emitLine();
    this.reserve(this.len + 1);
    this.line[this.len++] = next;
    this.pos = this.len;
  }

  // Replaces the character under the cursor: a lead byte takes its place, continuation bytes follow it.
  private overwriteByte(b: number): void {
    if (isContinuation(b)) {
      if (this.len >= this.capacity) {
        this.breakLongLine(b);
        return;
      }
      this.reserve(this.len + 1);
    }
    const line = this.line;
    if (isContinuation(b)) {
      line.copyWithin(this.pos + 1, this.pos, this.len);
      line[this.pos++] = b;
      this.len++;
      return;
    }
    const end = this.charEnd(this.pos);
    if (end - this.pos > 1) {
      line.copyWithin(this.pos + 1, end, this.len);
      this.len -= end - this.pos - 1;
    }
    line[this.pos++] = b;
  }

  // C0 controls (and DEL) in the ground state, and inside sequences where the VT parser executes them.
  private control(b: number): void {
    switch (b) {
      case LF:
      case VT:
      case FF:
        this.emitLine();
        return;
      case CR:
        this.pos = 0;
        return;
      case BS:
        if (this.pos > 0) this.pos = this.charStart(this.pos - 1);
        return;
      case TAB:
        this.print(TAB_BYTES, 0, 1);
        return;
      case ESC:
        this.state = 'escape';
        return;
      case CAN:
      case SUB:
        this.state = 'ground';
        return;
      default:
        // BEL, NUL, DEL and the rest change nothing visible on the line.
        return;
    }
  }

  // One byte inside an escape sequence; returns false when the byte must be reprocessed in the new state.
  private escapeByte(b: number): boolean {
    const state = this.state;
    switch (state) {
      case 'ground':
        throw new Error('Internal error: escapeByte called in the ground state');
      case 'escape':
        if (b < SPACE) this.control(b);
        else if (b === 0x5b) this.startCsi();
        else if (b === 0x5d) this.state = 'osc';
        else if (b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.state = 'string';
        else if (b < 0x30) this.state = 'escape-intermediate';
        else if (b < DEL) this.state = 'ground';
        else if (b === DEL) return true;
        else return this.abortSequence();
        return true;
      case 'escape-intermediate':
        if (b < SPACE) this.control(b);
        else if (b < 0x30) return true;
        else if (b < DEL) this.state = 'ground';
        else if (b > DEL) return this.abortSequence();
        return true;
      case 'csi':
        return this.csiByte(b);
      case 'osc':
        if (b === BEL) this.state = 'ground';
        else if (b === ESC) this.state = 'string-escape';
        else if (b === CAN || b === SUB) this.state = 'ground';
        return true;
      case 'string':
        if (b === ESC) this.state = 'string-escape';
        else if (b === CAN || b === SUB) this.state = 'ground';
        return true;
      case 'string-escape':
        if (b === 0x5c) {
          this.state = 'ground';
          return true;
        }
        // Not a string terminator: the ESC starts a new sequence.
        this.state = 'escape';
        return false;
      default:
        return unreachable(state);
    }
  }

  // A non-ASCII byte cannot continue a sequence: drop the sequence and print the byte.
  private abortSequence(): boolean {
    this.state = 'ground';
    return false;
  }

  private startCsi(): void {
    this.state = 'csi';
    this.params.length = 0;
    this.param = -1;
    this.csiIgnored = false;
  }

  // Returns false, like escapeByte, when the byte ends the sequence and must be printed.
  private csiByte(b: number): boolean {
    if (b >= 0x30 && b <= 0x39) {
      this.param = Math.min(MAX_CSI_PARAM_VALUE, (this.param < 0 ? 0 : this.param * 10) + (b - 0x30));
    } else if (b === 0x3b || b === 0x3a) {
      this.pushParam();
    } else if (b >= 0x3c && b <= 0x3f) {
      this.csiIgnored = true;
    } else if (b >= SPACE && b < 0x30) {
      this.csiIgnored = true;
    } else if (b >= 0x40 && b < DEL) {
      this.pushParam();
      this.state = 'ground';
      if (!this.csiIgnored) this.dispatchCsi(b);
    } else if (b < SPACE) {
      this.control(b);
    } else if (b > DEL) {
      return this.abortSequence();
    }
    return true;
  }

  private pushParam(): void {
    if (this.params.length < MAX_CSI_PARAMS) this.params.push(this.param);
    this.param = -1;
  }

  /** The n-th CSI parameter, with `fallback` when missing or given as 0 where 0 means 1. */
  private paramOr(index: number, fallback: number): number {
    const value = this.params[index] ?? -1;
    return value <= 0 ? fallback : value;
  }

  // The CSI functions that change what a line shows; everything else (colours, modes, scrolling) is dropped.
  private dispatchCsi(final: number): void {
    switch (String.fromCharCode(final)) {
      case 'K': {
        const mode = Math.max(0, this.params[0] ?? 0);
        if (mode === 0) this.len = this.pos;
        else if (mode === 1) this.blankToCursor(true);
        else if (mode === 2) {
          this.blankToCursor(false);
          this.len = this.pos;
        }
        return;
      }
      case 'C':
        this.moveForward(this.paramOr(0, 1));
        return;
      case 'D':
        for (let n = this.paramOr(0, 1); n > 0 && this.pos > 0; n--) this.pos = this.charStart(this.pos - 1);
        return;
      case 'G':
      case '`':
        this.pos = 0;
        this.moveForward(this.paramOr(0, 1) - 1);
        return;
      case 'X':
        this.eraseChars(this.paramOr(0, 1));
        return;
      case 'P':
        this.deleteChars(this.paramOr(0, 1));
        return;
      case 'A':
      case 'B':
      case 'E':
      case 'F':
      case 'd':
      case 'J':
        this.softBreak();
        return;
      case 'H':
      case 'f':
        this.softBreak();
        this.moveForward(this.paramOr(1, 1) - 1);
        return;
      default:
        return;
    }
  }

  // Moves right by `n` columns, padding with spaces past the end (bounded by the line cap).
  private moveForward(n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.pos < this.len) {
        this.pos = this.charEnd(this.pos);
      } else if (this.len < this.maxLineBytes) {
        this.reserve(this.len + 1);
        this.line[this.len++] = SPACE;
        this.pos = this.len;
      } else {
        return;
      }
    }
  }

  // Blanks every character before the cursor (and under it, when `inclusive`); the cursor keeps its column.
  private blankToCursor(inclusive: boolean): void {
    const end = inclusive && this.pos < this.len ? this.charEnd(this.pos) : this.pos;
    const columns = this.countChars(0, end);
    const cursorColumn = this.countChars(0, this.pos);
    this.line.copyWithin(columns, end, this.len);
    this.len -= end - columns;
    this.line.fill(SPACE, 0, columns);
    this.pos = cursorColumn;
  }

  // CSI X: blanks `n` characters from the cursor without moving it.
  private eraseChars(n: number): void {
    let p = this.pos;
    for (let k = 0; k < n && p < this.len; k++) {
      const end = this.charEnd(p);
      if (end - p > 1) {
        this.line.copyWithin(p + 1, end, this.len);
        this.len -= end - p - 1;
      }
      this.line[p++] = SPACE;
    }
  }

  // CSI P: removes `n` characters at the cursor, pulling the rest of the line left.
  private deleteChars(n: number): void {
    let end = this.pos;
    for (let k = 0; k < n && end < this.len; k++) end = this.charEnd(end);
    this.line.copyWithin(this.pos, end, this.len);
    this.len -= end - this.pos;
  }

  // Makes room for `bytes` in `line` (never past the capacity), keeping what it holds.
  private reserve(bytes: number): void {
    if (bytes <= this.line.length) return;
    let size = this.line.length * 2;
    while (size < bytes) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, this.capacity));
    this.line.copy(grown, 0, 0, this.len);
    this.line = grown;
  }

  private charEnd(p: number): number {
    let q = p + 1;
    while (q < this.len && isContinuation(this.line[q]!)) q++;
    return q;
  }

  private charStart(p: number): number {
    let q = p;
    while (q > 0 && isContinuation(this.line[q]!)) q--;
    return q;
  }

  private countChars(start: number, end: number): number {
    let count = 0;
    for (let q = start; q < end; q++) if (!isContinuation(this.line[q]!)) count++;
    return count;
  }

  // Ends the line only if it shows something: vertical cursor moves must not invent blank lines.
  private softBreak(): void {
    if (this.render() !== '') this.emitLine();
    else this.len = this.pos = 0;
  }

  private emitLine(): void {
    this.out.push(this.render());
    this.len = this.pos = 0;
  }

  // Trailing spaces are dropped: they are invisible on a terminal and mostly left by erases.
  private render(): string {
    let end = this.len;
    while (end > 0 && this.line[end - 1] === SPACE) end--;
    return this.line.toString('utf8', 0, end);
  }
}
