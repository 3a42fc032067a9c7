/*
 * codex-run-pump: owns one job's pseudo-terminal so that Node does not run JavaScript for
 * every ~4 KiB read of the terminal (see docs/benchmarks.md, "Native pump").
 *
 *   codex-run-pump [--bounded] [--burst <bytes>] [--cgroup <dir>] <cols> <rows> <cwd> <drain-ms> <file> [arg ...]
 *     (--bounded: start in bounded mode, as if an 'm' 'b' frame came first; the spawner's
 *      pumps get their control connection only after they started)
 *     (--burst: bounded mode's burst, this job's share of the run's (src/session/screen-budget.ts);
 *      default BURST_BYTES)
 *     (--cgroup: the child joins the cgroup <dir> before it executes <file>, as
 *      libexec/join-cgroup.sh does, without a shell per job; it exits 126 if it cannot)
 *   codex-run-pump --probe     (prints "codex-run-pump 5": the protocol version)
 *
 * The child gets exactly the pump's environment (which the pump then wipes from its own
 * memory: see main), the argv after <file> unchanged (execvp of
 * <file>, never a shell), its own session with the terminal as its controlling terminal
 * (forkpty), and only descriptors 0-2 (the terminal).
 *
 * Descriptors:
 *   0  control, from Node: frames of 1 type byte, 4 length bytes (big endian), payload:
 *        'w' bytes to write to the terminal (answers, pokes, Ctrl-C)
 *        'r' resize: cols (2 bytes BE), rows (2 bytes BE)
 *        'k' signal the child (1 byte: signal number); ignored once it has been reaped
 *        'c' stop writing the log and the transcript (no payload): another file of the run met
 *            a full disk, and the space freed for the final report must not be taken by more output
 *        'm' output mode (1 byte): 'f' full (every byte to Node), 'b' bounded (see below)
 *        'n' a note of codex-run's own for the transcript (text), ordered with the output
 *      End of file (Node went away): hang up the terminal and exit.
 *   1  output, to Node: frames of 1 type byte, 4 length bytes (big endian), payload:
 *        'd' output bytes, raw, in order
 *        's' 8 bytes (big endian): this many output bytes were skipped here (bounded mode); the
 *            'd' frame that follows is the tail, from a line boundary (the screen resets its
 *            parser first). 0: nothing was dropped, the 'd' that follows was only held back.
 *        'o' complete OSC sequences (titles, agent state) found in the skipped bytes, in order;
 *            not output bytes: for the screen model only. Sent between 's' and its tail.
 *        'q' (no payload) the output went quiet. After output within INPUT_WINDOW_US of a 'w'
 *            frame (the reply to an answer or a poke, where the next question can be), when
 *            nothing is held: nothing came for QUIET_EDGE_US after it; Node's screen then shows
 *            the reply at once instead of waiting out its own millisecond timer (the quiet
 *            edge of src/session/screen.ts). And after a tail sent because a flood went quiet
 *            (bounded mode): the flood is over.
 *      Closed once the master has been read empty after the child's exit (and held output
 *      sent).
 *      Modes: full sends every byte as 'd'. Bounded (the screen budget of
 *      src/session/screen-budget.ts, run here): bytes pass while a budget lasts (16 KiB
 *      burst or the --burst share, 2 KiB per 100 ms); past it they are held (a ring of the last 16 KiB plus the
 *      OSC sequences seen) and sent at most once per 100 ms during a flood, and ~1 ms after
 *      the output goes quiet (a flood in steps, a line every 10 ms, is quiet only after two
 *      steps' time: see STEP_MAX_US): whole when nothing was dropped, else as 's' ['o'] 'd'.
 *   3  events, to Node: text lines. "pid <n>" once after the fork (with " transcript" when
 *      the pump writes fd 5); "exit <code> <signal>"
 *      last, after fd 1 is closed; "error <text>" when something failed; "logerror <errno>
 *      <text>" when the log could not be written (nothing more is written to it).
 *   4  optional: the job's log, opened by Node (0600, exclusive). When open, every byte goes
 *      there, byte-exact, in order; complete before "exit" is sent.
 *   5  optional: the job's transcript (<job>.txt), opened by Node. When open, every byte is
 *      decoded to plain text there (plaintext.c, the port of src/logs/plain-text.ts), with the
 *      'n' notes where Node sent them; a write error comes back as "txterror <errno> <text>".
 *      Both files are written by a second thread (sink.c), handed the reads in batches of up
 *      to 128 KiB: the read loop only reads (issue 16). If that thread falls behind (a slow
 *      disk), the pump stops reading the terminal until it catches up: nothing is dropped.
 *
 * Exit ordering (zero bytes lost; see /work/shared/reference/node-pty.md): the pump holds
 * its own descriptor on the child's terminal, so the master never reports a hang-up while
 * output is queued. After the child has been reaped, the master is read until it is empty,
 * the held descriptor is closed, and the master is read until EIO. If a leftover process
 * (a setsid/nohup escapee) keeps the terminal open, the drain ends <drain-ms> after the
 * exit, counted only while Node is taking output (backpressure never loses bytes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "line.h"
#include "plaintext.h"
#include "spawner.h"
#include "sink.h"

#define CONTROL_FD 0
#define DATA_FD 1
#define EVENTS_FD 3
#define LOG_FD 4
#define TRANSCRIPT_FD 5
/* Output held for Node before the master is no longer read (backpressure). */
#define OUT_CAP (512 * 1024)
#define READ_CHUNK 65536
#define CONTROL_CAP (1024 * 1024)
/* Bounded mode (the screen budget; same figures as SCREEN_BUDGET in src/session/screen-budget.ts). */
#define TICK_US 100000LL
#define BURST_BYTES 16384.0
#define BYTES_PER_TICK 2048.0
#define TAIL_CAP 16384
/* Output quiet this long: what is held goes to Node at once (answers are not delayed)... */
#define QUIET_US 1000LL
/* ...or, when the output comes in steps (a line every 10 ms), quiet for twice the recent
 * steps (the longest lately: a step late by a busy machine is not the end), at most a tick: a
 * pause between two steps is not the end of the flood (sending a tail at each one sent Node
 * ~100 tails a second per such job instead of 10, and Node's screen took each for the end of
 * the flood). After a pause longer than a tick, quiet for QUIET_US. */
#define STEP_MAX_US TICK_US
/* ...but not more often than this during a flood that stutters. */
#define QUIET_MIN_GAP_US 10000LL
/* The 'q' frame: output this long after codex-run typed into the terminal is a reply to it... */
#define INPUT_WINDOW_US 500000LL
/* ...and once nothing more came for this long, the reply is whole (a prompt written in two
 * writes back to back is seen at once; docs/benchmarks.md, "Answer latency and floods in steps"). */
#define QUIET_EDGE_US 250LL
/* OSC sequences kept from skipped output: at most this many bytes (oldest dropped), each at most OSC_MAX. */
#define OSC_CAP 16384
#define OSC_MAX 4096
#define OSC_KEEP 64
/* The most one flush of held output writes: 's' + 'o' + 'd' frames. */
#define FLUSH_MAX (13 + 5 + OSC_CAP + 5 + TAIL_CAP)

extern char **environ;

static char out_buf[OUT_CAP];
static size_t out_len = 0;
static unsigned char *input_buf = NULL; /* bytes for the child's terminal */
static size_t input_len = 0, input_cap = 0;
static unsigned char control_buf[CONTROL_CAP + 5];
static size_t control_len = 0;
/* A pty read returns at most ~4 KiB; the reads gather in the sink's batches (sink.c), whose
 * writer thread writes the log and the transcript one batch at a time. */
#define READ_WANT 16384

/* Bounded mode: the budget, the held ring, the OSC sequences seen in held output. */
static int bounded = 0;
static double burst_bytes = BURST_BYTES; /* --burst */
static double budget = BURST_BYTES;
static long long budget_at = -1;
static unsigned char ring[TAIL_CAP];
static size_t ring_start = 0, ring_len = 0;
static unsigned long long held_total = 0; /* bytes held since the last flush */
static long long last_tail_at = -(1LL << 60), last_output_at = 0;
/* The recent pauses between reads: up to the longest at once, then down by an eighth of the
 * difference per read; 0 after a pause longer than STEP_MAX_US (see there). */
static long long step_us = 0;
/* When a 'w' frame last came, and whether output since is owed a 'q' once it goes quiet. */
static long long input_at = -(1LL << 60);
static int quiet_owed = 0;
static int want_flush = 0;
struct osc_seq {
  unsigned long long start; /* offset in the held bytes */
  size_t off, len;          /* in osc_buf */
};
static unsigned char osc_buf[OSC_CAP];
static size_t osc_used = 0;
static struct osc_seq oscs[OSC_KEEP];
static int osc_count = 0;
/* OSC scanner: 0 ground, 1 after ESC, 2 in an OSC, 3 in an OSC after ESC. */
static int osc_state = 0;
static unsigned char osc_cur[OSC_MAX];
static size_t osc_cur_len = 0;
static int osc_cur_over = 0;
static unsigned long long osc_cur_start = 0;

/* Serializes event lines: the sink's writer thread reports log and transcript errors too. */
static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;

void event(const char *format, ...) {
  va_list args;
  va_start(args, format);
  pthread_mutex_lock(&event_lock);
  write_line(EVENTS_FD, format, args);
  pthread_mutex_unlock(&event_lock);
  va_end(args);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int parse_int(const char *s, long min, long max, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max) return -1;
  *out = v;
  return 0;
}

static void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static size_t out_room(void) { return OUT_CAP - out_len; }

/* Appends one frame to out_buf (the caller made sure there is room). */
static void frame(unsigned char type, const unsigned char *a, size_t alen, const unsigned char *b, size_t blen) {
  size_t len = alen + blen;
  unsigned char *h = (unsigned char *)out_buf + out_len;
  h[0] = type;
  h[1] = (unsigned char)(len >> 24);
  h[2] = (unsigned char)(len >> 16);
  h[3] = (unsigned char)(len >> 8);
  h[4] = (unsigned char)len;
  if (alen > 0) memcpy(h + 5, a, alen);
  if (blen > 0) memcpy(h + 5 + alen, b, blen);
  out_len += 5 + len;
}

static void refill_budget(long long now) {
  if (budget_at >= 0) budget += (double)(now - budget_at) * BYTES_PER_TICK / (double)TICK_US;
  if (budget > burst_bytes) budget = burst_bytes;
  budget_at = now;
}

/* When held output counts as quiet (see QUIET_US and STEP_MAX_US). */
static long long held_quiet_at(void) {
  long long wait = 2 * step_us;
  if (wait < QUIET_US) wait = QUIET_US;
  if (wait > TICK_US) wait = TICK_US;
  long long at = last_output_at + wait;
  if (at < last_tail_at + QUIET_MIN_GAP_US) at = last_tail_at + QUIET_MIN_GAP_US;
  return at;
}

static void osc_keep(void) {
  if (osc_cur_over || osc_cur_len == 0) return;
  /* Room: drop the oldest until this one fits. */
  while (osc_count > 0 && (osc_count == OSC_KEEP || osc_used + osc_cur_len > OSC_CAP)) {
    size_t first = oscs[0].len;
    memmove(osc_buf, osc_buf + first, osc_used - first);
    osc_used -= first;
    memmove(oscs, oscs + 1, (size_t)(osc_count - 1) * sizeof oscs[0]);
    osc_count--;
    for (int i = 0; i < osc_count; i++) oscs[i].off -= first;
  }
  if (osc_used + osc_cur_len > OSC_CAP) return;
  memcpy(osc_buf + osc_used, osc_cur, osc_cur_len);
  oscs[osc_count++] = (struct osc_seq){osc_cur_start, osc_used, osc_cur_len};
  osc_used += osc_cur_len;
}

static void osc_add(unsigned char c) {
  if (osc_cur_len < OSC_MAX) osc_cur[osc_cur_len++] = c;
  else osc_cur_over = 1;
}

/* Finds complete OSC sequences (ESC ] ... BEL or ESC \) in held output; `at` is the held offset of p[0]. */
static void osc_scan(const unsigned char *p, size_t n, unsigned long long at) {
  for (size_t i = 0; i < n; i++) {
    if (osc_state == 0) {
      /* Ground: only an ESC can start anything; skip to the next one (most floods have none). */
      const unsigned char *esc = memchr(p + i, 0x1b, n - i);
      if (esc == NULL) return;
      i = (size_t)(esc - p);
      osc_state = 1;
      continue;
    }
    unsigned char c = p[i];
    switch (osc_state) {
      case 1:
        if (c == ']') {
          osc_state = 2;
          osc_cur_len = 0;
          osc_cur_over = 0;
          osc_cur_start = at + i - 1;
          osc_add(0x1b);
          osc_add(']');
        } else if (c != 0x1b) {
          osc_state = 0;
        }
        break;
      case 2:
        if (c == 0x07) {
          osc_add(c);
          osc_keep();
          osc_state = 0;
        } else if (c == 0x1b) {
          osc_state = 3;
        } else if (c == 0x18 || c == 0x1a) {
          osc_state = 0; /* CAN/SUB cancel the sequence */
        } else {
          osc_add(c);
        }
        break;
      case 3:
        if (c == '\\') {
          osc_add(0x1b);
          osc_add('\\');
          osc_keep();
          osc_state = 0;
        } else {
          /* ESC followed by something else ends the OSC unfinished (as a terminal does). */
          osc_state = c == 0x1b ? 1 : 0;
          if (c == ']') {
            osc_state = 1;
            i--; /* handled as the start of a new OSC */
          }
        }
        break;
      default:
        osc_state = 0;
    }
  }
}

static void hold(const unsigned char *p, size_t n) {
  if (held_total == 0) {
    osc_state = 0;
    osc_count = 0;
    osc_used = 0;
  }
  osc_scan(p, n, held_total);
  held_total += n;
  if (n >= TAIL_CAP) {
    memcpy(ring, p + n - TAIL_CAP, TAIL_CAP);
    ring_start = 0;
    ring_len = TAIL_CAP;
    return;
  }
  for (size_t i = 0; i < n;) {
    size_t end = (ring_start + ring_len) % TAIL_CAP;
    size_t chunk = n - i;
    if (chunk > TAIL_CAP - end) chunk = TAIL_CAP - end;
    memcpy(ring + end, p + i, chunk);
    ring_len += chunk;
    if (ring_len > TAIL_CAP) {
      ring_start = (ring_start + (ring_len - TAIL_CAP)) % TAIL_CAP;
      ring_len = TAIL_CAP;
    }
    i += chunk;
  }
  want_flush = want_flush || !bounded;
}

/* Sends what is held: whole when nothing was dropped, else 's', the OSCs of the skipped part and the tail. */
static int flush_held(void) {
  if (held_total == 0 || out_room() < FLUSH_MAX) return 0;
  static unsigned char tail[TAIL_CAP];
  size_t first = TAIL_CAP - ring_start < ring_len ? TAIL_CAP - ring_start : ring_len;
  memcpy(tail, ring + ring_start, first);
  memcpy(tail + first, ring, ring_len - first);
  size_t len = ring_len;
  const unsigned char *from = tail;
  if (held_total <= len) {
    /* Nothing dropped: 's' 0 says the output was held back (Node's screen is flooding). */
    unsigned char zero[8] = {0};
    frame('s', zero, 8, NULL, 0);
  } else {
    const unsigned char *nl = memchr(tail, '\n', len);
    if (nl != NULL && nl < tail + len - 1) {
      len -= (size_t)(nl + 1 - tail);
      from = nl + 1;
    }
    unsigned long long skipped = held_total - len;
    unsigned char count[8];
    for (int i = 0; i < 8; i++) count[i] = (unsigned char)(skipped >> (56 - 8 * i));
    frame('s', count, 8, NULL, 0);
    size_t osc_len = 0;
    for (int i = 0; i < osc_count && oscs[i].start < skipped; i++) osc_len = oscs[i].off + oscs[i].len;
    if (osc_len > 0) frame('o', osc_buf, osc_len, NULL, 0);
  }
  frame('d', from, len, NULL, 0);
  long long now = now_us();
  refill_budget(now);
  budget -= (double)len; /* the tail is paid from the budget (into debt if need be) */
  held_total = 0;
  ring_start = ring_len = 0;
  osc_count = 0;
  osc_used = 0;
  last_tail_at = now;
  want_flush = 0;
  return 1;
}

/* One read's bytes (already in the sink's batch for the log and the transcript): to Node as the mode says. */
static void on_output(const unsigned char *p, size_t n) {
  long long now = now_us();
  long long step = now - last_output_at;
  step_us = step > STEP_MAX_US ? 0 : step >= step_us ? step : step_us - (step_us - step) / 8;
  last_output_at = now;
  if (last_output_at - input_at <= INPUT_WINDOW_US) quiet_owed = 1;
  /* Switched to full while output was held: that goes first (can_read left room for both). */
  if (held_total > 0 && !bounded) flush_held();
  if (held_total == 0) {
    if (!bounded) {
      frame('d', p, n, NULL, 0);
      return;
    }
    refill_budget(last_output_at);
    if ((double)n <= budget) {
      budget -= (double)n;
      frame('d', p, n, NULL, 0);
      return;
    }
  }
  hold(p, n);
}

/* Whether the master may be read: room for a full read and a flush of what is held, and a
 * free batch in the sink (else its writer is behind: sink_wait_fd says when it catches up). */
static int can_read(void) { return out_room() >= READ_CHUNK + 5 + FLUSH_MAX && sink_space(READ_WANT) != NULL; }

/* Reads the master while there is room. Returns bytes read, 0 when it would block, -1 at
 * EIO/end (nobody holds the terminal any more). At most 1 MiB per call, so a flood does not
 * starve the control pipe and the flush ticks. */
static ssize_t read_master(int master) {
  ssize_t total = 0;
  while (can_read() && total < 1024 * 1024) {
    unsigned char *space = sink_space(READ_WANT);
    ssize_t n = read(master, space, READ_WANT);
    if (n > 0) {
      sink_commit((size_t)n);
      on_output(space, (size_t)n);
      total += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    sink_end_batch();
    if (n < 0 && errno == EAGAIN) return total;
    return total > 0 ? total : -1; /* EIO or 0: the terminal is gone */
  }
  sink_end_batch();
  return total;
}

/* Writes as much of out_buf to Node as the pipe takes; -1 when Node is gone. */
static int flush_out(void) {
  while (out_len > 0) {
    ssize_t n = write(DATA_FD, out_buf, out_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return -1;
    }
    memmove(out_buf, out_buf + n, out_len - (size_t)n);
    out_len -= (size_t)n;
  }
  return 0;
}

static void queue_input(const unsigned char *data, size_t n) {
  if (input_len + n > input_cap) {
    size_t cap = input_cap == 0 ? 4096 : input_cap;
    while (cap < input_len + n) cap *= 2;
    unsigned char *grown = realloc(input_buf, cap);
    if (grown == NULL) {
      event("error out of memory for terminal input");
      return;
    }
    input_buf = grown;
    input_cap = cap;
  }
  memcpy(input_buf + input_len, data, n);
  input_len += n;
}

static void flush_input(int master) {
  while (input_len > 0) {
    ssize_t n = write(master, input_buf, input_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) input_len = 0; /* EIO: the terminal is gone */
      return;
    }
    memmove(input_buf, input_buf + n, input_len - (size_t)n);
    input_len -= (size_t)n;
  }
}

/* Handles complete control frames; returns -1 on a malformed frame. */
static int handle_control(int master, pid_t child, int reaped) {
  size_t at = 0;
  while (control_len - at >= 5) {
    unsigned char type = control_buf[at];
    uint32_t len = ((uint32_t)control_buf[at + 1] << 24) | ((uint32_t)control_buf[at + 2] << 16) |
                   ((uint32_t)control_buf[at + 3] << 8) | (uint32_t)control_buf[at + 4];
    if (len > CONTROL_CAP) return -1;
    if (control_len - at - 5 < len) break;
    const unsigned char *p = control_buf + at + 5;
    switch (type) {
      case 'w':
        if (master >= 0) queue_input(p, len);
        input_at = now_us();
        break;
      case 'r':
        if (len == 4 && master >= 0) {
          struct winsize ws = {0};
          ws.ws_col = (unsigned short)((p[0] << 8) | p[1]);
          ws.ws_row = (unsigned short)((p[2] << 8) | p[3]);
          ioctl(master, TIOCSWINSZ, &ws);
        }
        break;
      case 'k':
        if (len == 1 && !reaped) kill(child, p[0]);
        break;
      case 'c':
        sink_stop();
        break;
      case 'm':
        if (len != 1 || (p[0] != 'f' && p[0] != 'b')) return -1;
        bounded = p[0] == 'b';
        /* Full from now on: what is held goes first. */
        if (!bounded && held_total > 0) want_flush = 1;
        break;
      case 'n':
        sink_note(p, len);
        break;
      default:
        return -1;
    }
    at += 5 + len;
  }
  memmove(control_buf, control_buf + at, control_len - at);
  control_len -= at;
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--decode") == 0) return decode_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "--spawner") == 0) return spawner_main(argc, argv);
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
    /* The version of this protocol; codex-run refuses a pump that answers anything else. */
    puts("codex-run-pump 5");
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "--bounded") == 0) {
    bounded = 1;
    argv++;
    argc--;
  }
  if (argc >= 3 && strcmp(argv[1], "--burst") == 0) {
    long burst;
    if (parse_int(argv[2], 1, 16L * 1024 * 1024, &burst)) {
      fprintf(stderr, "codex-run-pump: bad burst\n");
      return 2;
    }
    burst_bytes = (double)burst;
    budget = burst_bytes;
    argv += 2;
    argc -= 2;
  }
  const char *join_cgroup = NULL;
  if (argc >= 3 && strcmp(argv[1], "--cgroup") == 0) {
    join_cgroup = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc < 6) {
    fprintf(stderr, "usage: codex-run-pump [--bounded] [--burst <bytes>] [--cgroup <dir>] <cols> <rows> <cwd> <drain-ms> <file> [arg ...]\n");
    return 2;
  }
  long cols, rows, drain_ms;
  if (parse_int(argv[1], 1, 0xffff, &cols) || parse_int(argv[2], 1, 0xffff, &rows) ||
      parse_int(argv[4], 0, 3600000, &drain_ms)) {
    fprintf(stderr, "codex-run-pump: bad size or drain time\n");
    return 2;
  }
  const char *cwd = argv[3];
  char **child_argv = argv + 5;
  if (fcntl(EVENTS_FD, F_GETFD) < 0) {
    fprintf(stderr, "codex-run-pump: descriptor 3 (events) is not open\n");
    return 2;
  }

  int log_fd = -1, txt_fd = -1;
  if (fcntl(LOG_FD, F_GETFD) >= 0) {
    log_fd = LOG_FD;
    fcntl(log_fd, F_SETFD, FD_CLOEXEC);
  }
  if (fcntl(TRANSCRIPT_FD, F_GETFD) >= 0) {
    txt_fd = TRANSCRIPT_FD;
    fcntl(txt_fd, F_SETFD, FD_CLOEXEC);
  }
  if (sink_open(log_fd, txt_fd) != 0) {
    event("error out of memory");
    return 1;
  }

  /* The child's environment is the pump's: copied for execvpe, then wiped from the pump's own
   * memory, so /proc/<pump>/environ no longer shows it. codex-run finds a job's processes by a
   * marker variable in their initial environment (src/session/process-tree.ts): the pump
   * must not be one of them, or the stop ladder would signal it. Secrets leave it too. */
  size_t env_count = 0;
  while (environ[env_count] != NULL) env_count++;
  char **child_env = calloc(env_count + 1, sizeof *child_env);
  if (child_env == NULL) {
    event("error out of memory");
    return 1;
  }
  for (size_t i = 0; i < env_count; i++) {
    child_env[i] = strdup(environ[i]);
    if (child_env[i] == NULL) {
      event("error out of memory");
      return 1;
    }
    memset(environ[i], 0, strlen(environ[i]));
  }

  /* SIGCHLD arrives through a signalfd; the child gets every signal back at its default. */
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old_mask);
  int sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) {
    event("error signalfd: %s", strerror(errno));
    return 1;
  }

  struct winsize ws = {0};
  ws.ws_col = (unsigned short)cols;
  ws.ws_row = (unsigned short)rows;
  struct termios term;
  /* node-pty's defaults: cooked mode with echo, ONLCR, IUTF8. */
  memset(&term, 0, sizeof term);
  term.c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT | IUTF8;
  term.c_oflag = OPOST | ONLCR;
  term.c_cflag = CREAD | CS8 | HUPCL;
  term.c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
  term.c_cc[VEOF] = 4;
  term.c_cc[VEOL] = (cc_t)-1;
  term.c_cc[VEOL2] = (cc_t)-1;
  term.c_cc[VERASE] = 0x7f;
  term.c_cc[VWERASE] = 23;
  term.c_cc[VKILL] = 21;
  term.c_cc[VREPRINT] = 18;
  term.c_cc[VINTR] = 3;
  term.c_cc[VQUIT] = 0x1c;
  term.c_cc[VSUSP] = 26;
  term.c_cc[VSTART] = 17;
  term.c_cc[VSTOP] = 19;
  term.c_cc[VLNEXT] = 22;
  term.c_cc[VDISCARD] = 15;
  term.c_cc[VMIN] = 1;
  term.c_cc[VTIME] = 0;
  cfsetispeed(&term, B38400);
  cfsetospeed(&term, B38400);

  int master = -1;
  pid_t child = forkpty(&master, NULL, &term, &ws);
  if (child < 0) {
    event("error forkpty: %s", strerror(errno));
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Only the terminal: no pipe to Node, no other job's descriptor. */
    if (close_range(3, ~0U, 0) != 0)
      for (int fd = 3; fd < 65536; fd++) close(fd);
    if (join_cgroup != NULL) {
      /* Writing 0 moves the writer: the job, and all it will start, is in the group from here. */
      char procs[4096];
      int n = snprintf(procs, sizeof procs, "%s/cgroup.procs", join_cgroup);
      int fd = n > 0 && (size_t)n < sizeof procs ? open(procs, O_WRONLY | O_CLOEXEC) : -1;
      if (fd < 0 || write(fd, "0\n", 2) != 2) {
        fprintf(stderr, "codex-run: could not join the job's cgroup %s\n", join_cgroup);
        _exit(126);
      }
      close(fd);
    }
    if (chdir(cwd) != 0) {
      perror("chdir(2) failed.");
      _exit(1);
    }
    /* execvp searches the PATH of `environ`: the child's own, as with node-pty. */
    environ = child_env;
    execvp(child_argv[0], child_argv);
    perror("execvp(3) failed.");
    _exit(1);
  }
  fcntl(master, F_SETFD, FD_CLOEXEC);
  /* Hold the child's terminal so the master cannot hang up before it is drained. */
  int held = -1;
  char *pts = ptsname(master);
  if (pts != NULL) held = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (held < 0) event("error cannot hold the terminal: %s", strerror(errno));
  set_nonblocking(master);
  set_nonblocking(DATA_FD);
  /* A deeper pipe lets Node take bigger bites less often (best effort: the system's limit). */
  fcntl(DATA_FD, F_SETPIPE_SZ, 1024 * 1024);
  set_nonblocking(CONTROL_FD);
  signal(SIGPIPE, SIG_IGN);
  /* " transcript": the pump decodes into fd 5 (else Node keeps writing it). */
  /* The writer thread starts after the fork (the child is single-threaded until its exec). */
  sink_start();
  event("pid %d%s", (int)child, txt_fd >= 0 ? " transcript" : "");

  int reaped = 0, exit_code = 0, exit_signal = 0;
  int control_open = 1, master_gone = 0;
  long long drain_deadline = 0;
  for (;;) {
    /* After the exit: finished once the master is gone and Node has every byte. */
    if (reaped && master_gone && held_total == 0 && out_len == 0) break;
    struct pollfd fds[5];
    int nfds = 0;
    int i_master = -1, i_control = -1, i_sig = -1, i_sink = -1;
    if (!master_gone) {
      short ev = 0;
      if (can_read()) ev |= POLLIN;
      if (input_len > 0) ev |= POLLOUT;
      if (ev != 0) {
        i_master = nfds;
        fds[nfds++] = (struct pollfd){master, ev, 0};
      }
    }
    if (out_len > 0) {
      fds[nfds++] = (struct pollfd){DATA_FD, POLLOUT, 0};
    }
    if (!master_gone && sink_space(READ_WANT) == NULL && sink_wait_fd() >= 0) {
      /* The sink's writer is behind: wait for a free batch. */
      i_sink = nfds;
      fds[nfds++] = (struct pollfd){sink_wait_fd(), POLLIN, 0};
    }
    if (control_open) {
      i_control = nfds;
      fds[nfds++] = (struct pollfd){CONTROL_FD, POLLIN, 0};
    }
    if (!reaped) {
      i_sig = nfds;
      fds[nfds++] = (struct pollfd){sigfd, POLLIN, 0};
    }
    long long timeout_us = -1;
    if (reaped && !master_gone) {
      if (!can_read()) {
        /* Node is not taking output: the deadline waits (backpressure loses nothing). */
        drain_deadline = now_ms() + drain_ms;
      } else {
        long long left = drain_deadline - now_ms();
        timeout_us = left < 0 ? 0 : left * 1000;
      }
    }
    if (held_total > 0 && !want_flush) {
      /* Held output goes at the next tick, or once the output has gone quiet. */
      long long quiet_at = held_quiet_at();
      long long due = last_tail_at + TICK_US < quiet_at ? last_tail_at + TICK_US : quiet_at;
      long long left = due - now_us();
      if (left < 0) left = 0;
      if (timeout_us < 0 || left < timeout_us) timeout_us = left;
    }
    if (quiet_owed && held_total == 0 && !master_gone) {
      /* A reply to codex-run's input: say when it goes quiet. */
      long long left = last_output_at + QUIET_EDGE_US - now_us();
      if (left < 0) left = 0;
      if (timeout_us < 0 || left < timeout_us) timeout_us = left;
    }
    if (want_flush && out_room() >= FLUSH_MAX) timeout_us = 0;
    struct timespec wait_ts = {timeout_us / 1000000, (timeout_us % 1000000) * 1000};
    int ready = ppoll(fds, (nfds_t)nfds, timeout_us < 0 ? NULL : &wait_ts, NULL);
    if (ready < 0) {
      if (errno == EINTR) continue;
      event("error poll: %s", strerror(errno));
      break;
    }
    if (i_sig >= 0 && (fds[i_sig].revents & POLLIN)) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof info) > 0) {
      }
      int status;
      pid_t r = waitpid(child, &status, WNOHANG);
      if (r == child) {
        reaped = 1;
        if (WIFSIGNALED(status)) {
          exit_code = 0;
          exit_signal = WTERMSIG(status);
        } else {
          exit_code = WEXITSTATUS(status);
        }
        drain_deadline = now_ms() + drain_ms;
      }
    }
    if (i_sink >= 0 && (fds[i_sink].revents & POLLIN)) sink_ack();
    if (i_master >= 0 && (fds[i_master].revents & POLLOUT)) flush_input(master);
    if (!master_gone && can_read() &&
        (i_master < 0 || (fds[i_master].revents & (POLLIN | POLLHUP | POLLERR)) || reaped)) {
      ssize_t got = read_master(master);
      if (got < 0) {
        master_gone = 1;
      } else if (got == 0 && reaped && held >= 0 && can_read()) {
        /* Read empty after the exit: let go of the terminal; the master then reports EIO
         * once no leftover process holds it. */
        close(held);
        held = -1;
      }
    }
    if (reaped && !master_gone && can_read() && now_ms() >= drain_deadline) {
      /* A leftover process still holds the terminal: take what is queued now and stop. */
      if (held >= 0) close(held);
      held = -1;
      read_master(master);
      master_gone = 1;
    }
    if (held_total > 0) {
      long long now = now_us();
      int quiet = now >= held_quiet_at();
      if (master_gone || now >= last_tail_at + TICK_US || quiet) want_flush = 1;
      /* A tail sent because the output went quiet ends the flood: 'q' says so (Node's screen
       * then notifies as usual again at once). */
      if (want_flush && flush_held() && quiet && !master_gone && out_room() >= 5) frame('q', NULL, 0, NULL, 0);
    }
    if (quiet_owed && (held_total > 0 || master_gone)) {
      /* Held output is a flood (Node's screen ignores quiet edges then); after the exit, none is due. */
      quiet_owed = 0;
    } else if (quiet_owed && now_us() >= last_output_at + QUIET_EDGE_US && out_room() >= 5) {
      frame('q', NULL, 0, NULL, 0);
      quiet_owed = 0;
    }
    /* Every byte is decoded: the transcript is complete before "exit". */
    if (master_gone) sink_finish();
    if (out_len > 0 && flush_out() < 0) {
      /* Node is gone: hang up the terminal (the child gets SIGHUP) and leave. */
      break;
    }
    if (i_control >= 0 && (fds[i_control].revents & (POLLIN | POLLHUP | POLLERR))) {
      for (;;) {
        ssize_t n = read(CONTROL_FD, control_buf + control_len, sizeof control_buf - control_len);
        if (n > 0) {
          control_len += (size_t)n;
          if (handle_control(master_gone ? -1 : master, child, reaped) < 0) {
            event("error malformed control frame");
            control_open = 0;
            break;
          }
          if (control_len == sizeof control_buf) {
            event("error control frame too large");
            control_open = 0;
            break;
          }
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        control_open = 0; /* Node went away */
        break;
      }
      if (!control_open) break;
      if (input_len > 0 && !master_gone) flush_input(master);
    }
  }
  if (held >= 0) close(held);
  if (master >= 0) close(master);
  /* Both files have every byte read (the log is complete before "exit"). */
  sink_close();
  close(DATA_FD);
  if (!control_open && !reaped) {
    /* Node went away first: the hang-up above ends a well-behaved child; report nothing. */
    return 0;
  }
  if (!reaped) {
    int status;
    if (waitpid(child, &status, 0) == child) {
      exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      exit_code = WIFSIGNALED(status) ? 0 : WEXITSTATUS(status);
    }
  }
  event("exit %d %d", exit_code, exit_signal);
  return 0;
}
