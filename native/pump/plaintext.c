/*
 * Raw terminal bytes to readable lines, as a person would have read them on screen: a port
 * of src/logs/plain-text.ts (PlainTextDecoder) and of the bytes src/logs/transcript.ts
 * appends to <job>.txt. Keep the two in step: test/unit/native-transcript.test.ts compares
 * them byte for byte on the fixtures and on generated adversarial input.
 *
 * Escape sequences (CSI, OSC, DCS, ...) are dropped, `\r` returns to the start of the line so
 * progress output collapses to its final state, backspace and erase-line edit the line. It is
 * a streaming decoder: sequences and UTF-8 characters may be split across chunks.
 *
 * The current line is kept as UTF-8 bytes in one buffer allocated with the decoder, and is
 * rendered once, when it completes, the way JavaScript's `buffer.toString('utf8')` does it
 * (each maximal invalid subpart becomes U+FFFD). The cursor is a byte offset that always sits
 * on a character boundary; a "column" is one code point.
 *
 * Full-screen TUIs position the cursor on other rows; without a screen model the decoder
 * treats any vertical move as the end of the current line (see dispatch_csi).
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
 * Output: every completed line is rendered (trailing spaces dropped) followed by "\n" into
 * one gathering buffer, handed to out() when a push ends or when it holds OUT_FLUSH bytes.
 */
#define _GNU_SOURCE
#include "plaintext.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_LINE_BYTES (64 * 1024)
/* Room past the cap so a UTF-8 character is never cut in two when a long line is split. */
#define LINE_SLACK 4
#define MAX_CSI_PARAMS 16
#define MAX_CSI_PARAM_VALUE 99999
/* Gathered output is handed on once it reaches this size (and at the end of every call). */
#define OUT_FLUSH (64 * 1024)

enum {
  BEL = 0x07, BS = 0x08, TAB = 0x09, LF = 0x0a, VT = 0x0b, FF = 0x0c, CR = 0x0d,
  CAN = 0x18, SUB = 0x1a, ESC = 0x1b, SPACE = 0x20, DEL = 0x7f,
};

/* Where the escape-sequence parser is (see the diagram above). */
typedef enum {
  ST_GROUND,
  ST_ESCAPE,
  ST_ESCAPE_INTERMEDIATE,
  ST_CSI,
  ST_OSC,
  ST_STRING,
  ST_STRING_ESCAPE,
} pt_state;

struct pt_decoder {
  size_t max_line;      /* a line longer than this is cut */
  size_t line_cap;      /* max_line + LINE_SLACK: the size of line */
  unsigned char *line;
  size_t len;           /* bytes used in line */
  size_t pos;           /* cursor: a byte offset on a character boundary; may equal len */
  pt_state state;
  int params[MAX_CSI_PARAMS];
  int nparams;
  int param;            /* the CSI parameter being read, -1 when none has started ("default") */
  int csi_ignored;      /* a CSI with a private marker or intermediates: never acted on */
  unsigned char *out;   /* gathered transcript bytes */
  size_t out_len;
  size_t out_cap;
  pt_out_fn out_fn;     /* the sink of the current call */
  void *out_ctx;
};

static inline int is_continuation(unsigned char b) { return (b & 0xc0) == 0x80; }

/*
 * Word-at-a-time scans (8 bytes per step) for the two hot loops: runs of printable bytes in
 * the input and runs of ASCII in a rendered line. The bit tricks only say whether a word holds
 * such a byte; the byte loop after them finds where.
 */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load_word(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* The end of the run of bytes >= 0x20 other than DEL (0x7f) that starts at i. */
static size_t printable_end(const unsigned char *bytes, size_t i, size_t n) {
  while (i + 8 <= n) {
    uint64_t v = load_word(bytes + i);
    uint64_t below_space = (v - ONES * SPACE) & ~v & HIGHS;
    uint64_t del = v ^ (ONES * DEL);
    uint64_t is_del = (del - ONES) & ~del & HIGHS;
    if (below_space | is_del) break;
    i += 8;
  }
  while (i < n && bytes[i] >= SPACE && bytes[i] != DEL) i++;
  return i;
}

/* The end of the run of ASCII bytes that starts at i. */
static size_t ascii_end(const unsigned char *bytes, size_t i, size_t n) {
  while (i + 8 <= n && (load_word(bytes + i) & HIGHS) == 0) i += 8;
  while (i < n && bytes[i] < 0x80) i++;
  return i;
}

pt_decoder *pt_new(size_t max_line_bytes) {
  size_t max = max_line_bytes == 0 ? DEFAULT_MAX_LINE_BYTES : max_line_bytes;
  if (max < LINE_SLACK) max = LINE_SLACK;
  if (max > ((size_t)1 << 40)) return NULL;
  pt_decoder *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->max_line = max;
  d->line_cap = max + LINE_SLACK;
  /* A rendered line is at most 3 bytes per line byte (U+FFFD for each invalid one) plus "\n". */
  d->out_cap = OUT_FLUSH + 3 * d->line_cap + 1;
  d->line = malloc(d->line_cap);
  d->out = malloc(d->out_cap);
  if (d->line == NULL || d->out == NULL) {
    pt_free(d);
    return NULL;
  }
  d->state = ST_GROUND;
  d->param = -1;
  return d;
}

void pt_free(pt_decoder *d) {
  if (d == NULL) return;
  free(d->line);
  free(d->out);
  free(d);
}

static void flush_out(pt_decoder *d) {
  if (d->out_len > 0 && d->out_fn != NULL) d->out_fn(d->out_ctx, d->out, d->out_len);
  d->out_len = 0;
}

/* Trailing spaces are dropped: they are invisible on a terminal and mostly left by erases. */
static size_t visible_len(const pt_decoder *d) {
  size_t end = d->len;
  while (end > 0 && d->line[end - 1] == SPACE) end--;
  return end;
}

/*
 * Copies UTF-8 to dst, each maximal subpart of an ill-formed sequence replaced by U+FFFD
 * (EF BF BD), as WHATWG's UTF-8 decoder, V8 and so Buffer.toString do. Returns the bytes written.
 */
static size_t render_utf8(unsigned char *dst, const unsigned char *src, size_t n) {
  unsigned char *o = dst;
  size_t i = 0;
  while (i < n) {
    unsigned char b = src[i];
    if (b < 0x80) {
      size_t j = ascii_end(src, i, n);
      memcpy(o, src + i, j - i);
      o += j - i;
      i = j;
      continue;
    }
    int need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b == 0xe0) need = 2, lo = 0xa0;
    else if (b == 0xed) need = 2, hi = 0x9f;
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b == 0xf0) need = 3, lo = 0x90;
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b == 0xf4) need = 3, hi = 0x8f;
    else need = 0;
    size_t j = i + 1;
    int seen = 0;
    while (seen < need && j < n && src[j] >= lo && src[j] <= hi) {
      lo = 0x80;
      hi = 0xbf;
      j++;
      seen++;
    }
    if (need > 0 && seen == need) {
      memcpy(o, src + i, j - i);
      o += j - i;
    } else {
      /* The lead and the continuation bytes that fitted: one replacement; the next byte is read again. */
      *o++ = 0xef;
      *o++ = 0xbf;
      *o++ = 0xbd;
    }
    i = j;
  }
  return (size_t)(o - dst);
}

static void emit_line(pt_decoder *d) {
  size_t end = visible_len(d);
  d->out_len += render_utf8(d->out + d->out_len, d->line, end);
  d->out[d->out_len++] = '\n';
  d->len = d->pos = 0;
  if (d->out_len >= OUT_FLUSH) flush_out(d);
}

/* Ends the line only if it shows something: vertical cursor moves must not invent blank lines. */
static void soft_break(pt_decoder *d) {
  if (visible_len(d) > 0) emit_line(d);
  else d->len = d->pos = 0;
}

static size_t char_end(const pt_decoder *d, size_t p) {
  size_t q = p + 1;
  while (q < d->len && is_continuation(d->line[q])) q++;
  return q;
}

static size_t char_start(const pt_decoder *d, size_t p) {
  size_t q = p;
  while (q > 0 && is_continuation(d->line[q])) q--;
  return q;
}

static size_t count_chars(const pt_decoder *d, size_t start, size_t end) {
  size_t count = 0;
  for (size_t q = start; q < end; q++) count += !is_continuation(d->line[q]);
  return count;
}

/* At the cap: finish the current character inside the slack, otherwise start a new line with `next`. */
static void break_long_line(pt_decoder *d, unsigned char next) {
  if (!is_continuation(next) || d->len >= d->line_cap) emit_line(d);
  d->line[d->len++] = next;
  d->pos = d->len;
}

/* Replaces the character under the cursor: a lead byte takes its place, continuation bytes follow it. */
static void overwrite_byte(pt_decoder *d, unsigned char b) {
  unsigned char *line = d->line;
  if (is_continuation(b)) {
    if (d->len >= d->line_cap) {
      break_long_line(d, b);
      return;
    }
    memmove(line + d->pos + 1, line + d->pos, d->len - d->pos);
    line[d->pos++] = b;
    d->len++;
    return;
  }
  size_t end = char_end(d, d->pos);
  if (end - d->pos > 1) {
    memmove(line + d->pos + 1, line + end, d->len - end);
    d->len -= end - d->pos - 1;
  }
  line[d->pos++] = b;
}

/* Writes printable bytes at the cursor: appending is a copy, overwriting goes byte by byte. */
static void print_bytes(pt_decoder *d, const unsigned char *src, size_t start, size_t end) {
  size_t i = start;
  while (i < end && d->pos < d->len) overwrite_byte(d, src[i++]);
  while (i < end) {
    if (d->len >= d->max_line) {
      break_long_line(d, src[i++]);
      continue;
    }
    size_t room = d->max_line - d->len;
    size_t take = end - i < room ? end - i : room;
    memcpy(d->line + d->len, src + i, take);
    d->len += take;
    d->pos = d->len;
    i += take;
  }
}

/* C0 controls (and DEL) in the ground state, and inside sequences where the VT parser executes them. */
static void control(pt_decoder *d, unsigned char b) {
  static const unsigned char tab = TAB;
  switch (b) {
    case LF:
    case VT:
    case FF:
      emit_line(d);
      return;
    case CR:
      d->pos = 0;
      return;
    case BS:
      if (d->pos > 0) d->pos = char_start(d, d->pos - 1);
      return;
    case TAB:
      print_bytes(d, &tab, 0, 1);
      return;
    case ESC:
      d->state = ST_ESCAPE;
      return;
    case CAN:
    case SUB:
      d->state = ST_GROUND;
      return;
    default:
      /* BEL, NUL, DEL and the rest change nothing visible on the line. */
      return;
  }
}

/* Moves right by n columns, padding with spaces past the end (bounded by the line cap). */
static void move_forward(pt_decoder *d, long n) {
  for (long k = 0; k < n; k++) {
    if (d->pos < d->len) {
      d->pos = char_end(d, d->pos);
    } else if (d->len < d->max_line) {
      d->line[d->len++] = SPACE;
      d->pos = d->len;
    } else {
      return;
    }
  }
}

/* Blanks every character before the cursor (and under it, when inclusive); the cursor keeps its column. */
static void blank_to_cursor(pt_decoder *d, int inclusive) {
  size_t end = inclusive && d->pos < d->len ? char_end(d, d->pos) : d->pos;
  size_t columns = count_chars(d, 0, end);
  size_t cursor_column = count_chars(d, 0, d->pos);
  memmove(d->line + columns, d->line + end, d->len - end);
  d->len -= end - columns;
  memset(d->line, SPACE, columns);
  d->pos = cursor_column;
}

/* CSI X: blanks n characters from the cursor without moving it. */
static void erase_chars(pt_decoder *d, long n) {
  size_t p = d->pos;
  for (long k = 0; k < n && p < d->len; k++) {
    size_t end = char_end(d, p);
    if (end - p > 1) {
      memmove(d->line + p + 1, d->line + end, d->len - end);
      d->len -= end - p - 1;
    }
    d->line[p++] = SPACE;
  }
}

/* CSI P: removes n characters at the cursor, pulling the rest of the line left. */
static void delete_chars(pt_decoder *d, long n) {
  size_t end = d->pos;
  for (long k = 0; k < n && end < d->len; k++) end = char_end(d, end);
  memmove(d->line + d->pos, d->line + end, d->len - end);
  d->len -= end - d->pos;
}

/* The n-th CSI parameter, with fallback when missing or given as 0 where 0 means 1. */
static long param_or(const pt_decoder *d, int index, long fallback) {
  long value = index < d->nparams ? d->params[index] : -1;
  return value <= 0 ? fallback : value;
}

/* The CSI functions that change what a line shows; everything else (colours, modes, scrolling) is dropped. */
static void dispatch_csi(pt_decoder *d, unsigned char final) {
  switch (final) {
    case 'K': {
      long mode = d->nparams > 0 && d->params[0] > 0 ? d->params[0] : 0;
      if (mode == 0) d->len = d->pos;
      else if (mode == 1) blank_to_cursor(d, 1);
      else if (mode == 2) {
        blank_to_cursor(d, 0);
        d->len = d->pos;
      }
      return;
    }
    case 'C':
      move_forward(d, param_or(d, 0, 1));
      return;
    case 'D':
      for (long n = param_or(d, 0, 1); n > 0 && d->pos > 0; n--) d->pos = char_start(d, d->pos - 1);
      return;
    case 'G':
    case '`':
      d->pos = 0;
      move_forward(d, param_or(d, 0, 1) - 1);
      return;
    case 'X':
      erase_chars(d, param_or(d, 0, 1));
      return;
    case 'P':
      delete_chars(d, param_or(d, 0, 1));
      return;
    case 'A':
    case 'B':
    case 'E':
    case 'F':
    case 'd':
    case 'J':
      soft_break(d);
      return;
    case 'H':
    case 'f':
      soft_break(d);
      move_forward(d, param_or(d, 1, 1) - 1);
      return;
    default:
      return;
  }
}

static void push_param(pt_decoder *d) {
  if (d->nparams < MAX_CSI_PARAMS) d->params[d->nparams++] = d->param;
  d->param = -1;
}

static void start_csi(pt_decoder *d) {
  d->state = ST_CSI;
  d->nparams = 0;
  d->param = -1;
  d->csi_ignored = 0;
}

/* A non-ASCII byte cannot continue a sequence: drop the sequence and print the byte. */
static int abort_sequence(pt_decoder *d) {
  d->state = ST_GROUND;
  return 0;
}

/* Returns 0, like escape_byte, when the byte ends the sequence and must be printed. */
static int csi_byte(pt_decoder *d, unsigned char b) {
  if (b >= 0x30 && b <= 0x39) {
    int value = (d->param < 0 ? 0 : d->param * 10) + (b - 0x30);
    d->param = value < MAX_CSI_PARAM_VALUE ? value : MAX_CSI_PARAM_VALUE;
  } else if (b == 0x3b || b == 0x3a) {
    push_param(d);
  } else if (b >= 0x3c && b <= 0x3f) {
    d->csi_ignored = 1;
  } else if (b >= SPACE && b < 0x30) {
    d->csi_ignored = 1;
  } else if (b >= 0x40 && b < DEL) {
    push_param(d);
    d->state = ST_GROUND;
    if (!d->csi_ignored) dispatch_csi(d, b);
  } else if (b < SPACE) {
    control(d, b);
  } else if (b > DEL) {
    return abort_sequence(d);
  }
  return 1;
}

/* One byte inside an escape sequence; returns 0 when the byte must be reprocessed in the new state. */
static int escape_byte(pt_decoder *d, unsigned char b) {
  switch (d->state) {
    case ST_GROUND:
      abort(); /* Internal error: escape_byte is never called in the ground state. */
    case ST_ESCAPE:
      if (b < SPACE) control(d, b);
      else if (b == 0x5b) start_csi(d);
      else if (b == 0x5d) d->state = ST_OSC;
      else if (b == 0x50 || b == 0x58 || b == 0x5e || b == 0x5f) d->state = ST_STRING;
      else if (b < 0x30) d->state = ST_ESCAPE_INTERMEDIATE;
      else if (b < DEL) d->state = ST_GROUND;
      else if (b == DEL) return 1;
      else return abort_sequence(d);
      return 1;
    case ST_ESCAPE_INTERMEDIATE:
      if (b < SPACE) control(d, b);
      else if (b < 0x30) return 1;
      else if (b < DEL) d->state = ST_GROUND;
      else if (b > DEL) return abort_sequence(d);
      return 1;
    case ST_CSI:
      return csi_byte(d, b);
    case ST_OSC:
      if (b == BEL) d->state = ST_GROUND;
      else if (b == ESC) d->state = ST_STRING_ESCAPE;
      else if (b == CAN || b == SUB) d->state = ST_GROUND;
      return 1;
    case ST_STRING:
      if (b == ESC) d->state = ST_STRING_ESCAPE;
      else if (b == CAN || b == SUB) d->state = ST_GROUND;
      return 1;
    case ST_STRING_ESCAPE:
      if (b == 0x5c) {
        d->state = ST_GROUND;
        return 1;
      }
      /* Not a string terminator: the ESC starts a new sequence. */
      d->state = ST_ESCAPE;
      return 0;
  }
  abort(); /* Internal error: unreachable parser state. */
}

void pt_push(pt_decoder *d, const unsigned char *bytes, size_t n, pt_out_fn out, void *ctx) {
  d->out_fn = out;
  d->out_ctx = ctx;
  size_t i = 0;
  while (i < n) {
    unsigned char b = bytes[i];
    if (d->state != ST_GROUND) {
      if (escape_byte(d, b)) i++;
      continue;
    }
    if (b >= SPACE && b != DEL) {
      /* Fast path: the whole run of printable bytes (including UTF-8) at once. */
      size_t j = printable_end(bytes, i + 1, n);
      print_bytes(d, bytes, i, j);
      i = j;
      continue;
    }
    control(d, b);
    i++;
  }
  flush_out(d);
}

/* PlainTextDecoder.flush(): the pending line if it shows anything, and back to the ground state. */
static void decoder_flush(pt_decoder *d) {
  soft_break(d);
  d->state = ST_GROUND;
}

void pt_finish(pt_decoder *d, pt_out_fn out, void *ctx) {
  d->out_fn = out;
  d->out_ctx = ctx;
  decoder_flush(d);
  flush_out(d);
}

void pt_mark(pt_decoder *d, const unsigned char *text, size_t len, pt_out_fn out, void *ctx) {
  d->out_fn = out;
  d->out_ctx = ctx;
  decoder_flush(d);
  flush_out(d);
  static const unsigned char nl = '\n', nl2[2] = {'\n', '\n'};
  if (out == NULL) return;
  out(ctx, &nl, 1);
  if (len > 0) out(ctx, text, len);
  out(ctx, nl2, 2);
}

/* ---- test entry: codex-run-pump --decode [max_line_bytes] [--framed] ---- */

static int write_failed;

static void write_stdout(void *ctx, const unsigned char *bytes, size_t len) {
  (void)ctx;
  while (len > 0 && !write_failed) {
    ssize_t n = write(1, bytes, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_failed = errno;
      return;
    }
    bytes += n;
    len -= (size_t)n;
  }
}

/* Reads exactly len bytes; returns len, fewer at end of input, or -1. */
static ssize_t read_full(unsigned char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(0, buf + got, len - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

static int decode_framed(pt_decoder *d) {
  size_t cap = 64 * 1024;
  unsigned char *payload = malloc(cap);
  if (payload == NULL) return 1;
  int status = 0;
  for (;;) {
    unsigned char head[5];
    ssize_t n = read_full(head, sizeof head);
    if (n == 0) break;
    if (n != (ssize_t)sizeof head) {
      fprintf(stderr, "codex-run-pump --decode: truncated frame header\n");
      status = 1;
      break;
    }
    size_t len = (size_t)head[1] << 24 | (size_t)head[2] << 16 | (size_t)head[3] << 8 | head[4];
    if (len > cap) {
      unsigned char *bigger = realloc(payload, len);
      if (bigger == NULL) {
        status = 1;
        break;
      }
      payload = bigger;
      cap = len;
    }
    if (read_full(payload, len) != (ssize_t)len) {
      fprintf(stderr, "codex-run-pump --decode: truncated frame\n");
      status = 1;
      break;
    }
    if (head[0] == 'd') pt_push(d, payload, len, write_stdout, NULL);
    else if (head[0] == 'm') pt_mark(d, payload, len, write_stdout, NULL);
    else {
      fprintf(stderr, "codex-run-pump --decode: unknown frame type 0x%02x\n", head[0]);
      status = 1;
      break;
    }
  }
  free(payload);
  return status;
}

/* Raw bytes in reads of random sizes (1 byte to 64 KiB), so the decoder sees arbitrary chunk boundaries. */
static int decode_raw(pt_decoder *d) {
  static unsigned char buf[64 * 1024];
  static const size_t bounds[] = {1, 7, 100, 4096, sizeof buf};
  uint64_t seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^ (uint64_t)clock();
  if (seed == 0) seed = 1;
  for (;;) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    size_t want = 1 + (size_t)(seed >> 8) % bounds[(seed >> 3) % (sizeof bounds / sizeof bounds[0])];
    ssize_t n = read(0, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (n == 0) return 0;
    pt_push(d, buf, (size_t)n, write_stdout, NULL);
  }
}

int decode_main(int argc, char **argv) {
  size_t max = 0;
  int framed = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--framed") == 0) {
      framed = 1;
      continue;
    }
    char *end;
    errno = 0;
    unsigned long long value = strtoull(argv[i], &end, 10);
    if (errno != 0 || end == argv[i] || *end != '\0' || argv[i][0] == '-' || value > ((unsigned long long)1 << 32)) {
      fprintf(stderr, "usage: codex-run-pump --decode [max_line_bytes] [--framed]\n");
      return 2;
    }
    max = (size_t)value;
  }
  pt_decoder *d = pt_new(max);
  if (d == NULL) {
    fprintf(stderr, "codex-run-pump --decode: out of memory\n");
    return 1;
  }
  int status = framed ? decode_framed(d) : decode_raw(d);
  if (status == 0) pt_finish(d, write_stdout, NULL);
  pt_free(d);
  if (write_failed) {
    fprintf(stderr, "codex-run-pump --decode: write: %s\n", strerror(write_failed));
    return 1;
  }
  return status;
}
