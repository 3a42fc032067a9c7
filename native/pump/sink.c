/*
 * The pump's log and transcript writer (see sink.h): a queue of batches from the thread that
 * reads the terminal to the thread that writes the files.
 *
 *   slot states:  free ──reader fills (space/commit)──▶ filling ──end_batch──▶ queued
 *                   ▲                                                            │
 *                   └───────────── writer: log, decode, transcript ◀─────────────┘
 *
 * One mutex guards the counters (head, tail, count); a slot's bytes belong to the reader while
 * it fills the slot and to the writer once queued, so they are never touched by both.
 */
#define _GNU_SOURCE
#include "sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "plaintext.h"

#define NSLOTS 8
#define SLOT_CAP (128 * 1024)
#define TXT_CAP 65536

typedef enum { K_DATA, K_NOTE, K_STOP, K_FINISH } kind;

struct slot {
  kind kind;
  unsigned char *buf; /* SLOT_CAP bytes, allocated at open (pages are touched only when used) */
  size_t len;
  unsigned char *note; /* K_NOTE: malloc'd text */
};

static struct slot slots[NSLOTS];
static size_t head = 0, tail = 0, count = 0; /* guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued_cv = PTHREAD_COND_INITIALIZER, freed_cv = PTHREAD_COND_INITIALIZER;
static int reader_waiting = 0; /* guarded by lock: the reader found no room; the writer signals wake_fd */
static int wake_fd = -1;
static pthread_t writer;
static int threaded = 0, opened = 0;

/* Reader side. */
static int head_free = 0; /* the head slot is known to be free (only the reader makes it queued) */
static size_t fill = 0;   /* bytes in the head slot */
static int finished = 0;  /* sink_finish was called */

/* Writer side (the writer thread, or the reader when inline). */
static int log_fd = -1, txt_fd = -1, has_txt = 0;
static pt_decoder *decoder = NULL;
static unsigned char txt_buf[TXT_CAP];
static size_t txt_len = 0;

static void log_bytes(const unsigned char *data, size_t n) {
  size_t done = 0;
  while (log_fd >= 0 && done < n) {
    ssize_t w = write(log_fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      event("logerror %d %s", e, strerror(e));
      close(log_fd);
      log_fd = -1;
      return;
    }
    done += (size_t)w;
  }
}

static void txt_flush(void) {
  size_t done = 0;
  while (txt_fd >= 0 && done < txt_len) {
    ssize_t w = write(txt_fd, txt_buf + done, txt_len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      event("txterror %d %s", e, strerror(e));
      close(txt_fd);
      txt_fd = -1;
      break;
    }
    done += (size_t)w;
  }
  txt_len = 0;
}

/* The decoder's output: gathered, written when the queue runs empty (or the buffer is full). */
static void txt_out(void *ctx, const unsigned char *bytes, size_t len) {
  (void)ctx;
  while (len > 0 && txt_fd >= 0) {
    if (txt_len == TXT_CAP) txt_flush();
    size_t take = TXT_CAP - txt_len < len ? TXT_CAP - txt_len : len;
    memcpy(txt_buf + txt_len, bytes, take);
    txt_len += take;
    bytes += take;
    len -= take;
  }
}

/* One queued entry, in order. */
static void process(struct slot *s) {
  switch (s->kind) {
    case K_DATA:
      log_bytes(s->buf, s->len);
      if (txt_fd >= 0) pt_push(decoder, s->buf, s->len, txt_out, NULL);
      break;
    case K_NOTE:
      if (txt_fd >= 0) pt_mark(decoder, s->note, s->len, txt_out, NULL);
      free(s->note);
      s->note = NULL;
      break;
    case K_STOP:
      if (log_fd >= 0) close(log_fd);
      log_fd = -1;
      txt_flush();
      if (txt_fd >= 0) close(txt_fd);
      txt_fd = -1;
      break;
    case K_FINISH:
      if (txt_fd >= 0) {
        pt_finish(decoder, txt_out, NULL);
        txt_flush();
        if (txt_fd >= 0) close(txt_fd);
        txt_fd = -1;
      }
      if (log_fd >= 0) close(log_fd);
      log_fd = -1;
      break;
  }
}

static void *writer_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (count == 0) pthread_cond_wait(&queued_cv, &lock);
    struct slot *s = &slots[tail];
    pthread_mutex_unlock(&lock);
    kind k = s->kind;
    process(s);
    pthread_mutex_lock(&lock);
    tail = (tail + 1) % NSLOTS;
    count--;
    int empty = count == 0;
    int wake = reader_waiting;
    reader_waiting = 0;
    pthread_cond_signal(&freed_cv);
    pthread_mutex_unlock(&lock);
    if (wake) {
      uint64_t one = 1;
      while (write(wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
      }
    }
    /* Nothing more queued: the transcript so far goes to its file (a quiet job's text is current). */
    if (empty) txt_flush();
    if (k == K_FINISH) return NULL;
  }
}

int sink_open(int log, int txt) {
  log_fd = log;
  txt_fd = txt;
  has_txt = txt >= 0;
  if (has_txt) {
    decoder = pt_new(0);
    if (decoder == NULL) return -1;
  }
  for (int i = 0; i < NSLOTS; i++) {
    slots[i].buf = malloc(SLOT_CAP);
    if (slots[i].buf == NULL) return -1;
  }
  opened = 1;
  return 0;
}

void sink_start(void) {
  if (!opened || (log_fd < 0 && txt_fd < 0)) return; /* nothing to write: batches are dropped */
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd >= 0 && pthread_create(&writer, NULL, writer_main, NULL) == 0) {
    threaded = 1;
  } else if (wake_fd >= 0) {
    close(wake_fd);
    wake_fd = -1;
  }
}

int sink_has_transcript(void) { return has_txt; }

/* Queues the head slot (the reader has filled it); inline, processes it at once. */
static void publish(kind k) {
  struct slot *s = &slots[head];
  s->kind = k;
  if (!threaded) {
    if (log_fd >= 0 || txt_fd >= 0) {
      process(s);
      txt_flush();
    } else if (s->note != NULL) {
      free(s->note);
      s->note = NULL;
    }
    return;
  }
  pthread_mutex_lock(&lock);
  head = (head + 1) % NSLOTS;
  count++;
  pthread_cond_signal(&queued_cv);
  pthread_mutex_unlock(&lock);
  head_free = 0;
}

/* Waits (blocking) until the head slot is free: for notes, the stop and the end, which must
 * not be lost (as a synchronous write to a slow disk would, it holds the reader up). */
static void wait_head(void) {
  if (!threaded || head_free) return;
  pthread_mutex_lock(&lock);
  while (count == NSLOTS) pthread_cond_wait(&freed_cv, &lock);
  pthread_mutex_unlock(&lock);
  head_free = 1;
}

unsigned char *sink_space(size_t want) {
  if (!opened) return NULL;
  if (want > SLOT_CAP) want = SLOT_CAP;
  if (fill > 0 && SLOT_CAP - fill < want) sink_end_batch();
  if (threaded && !head_free) {
    pthread_mutex_lock(&lock);
    if (count < NSLOTS) head_free = 1;
    else reader_waiting = 1;
    pthread_mutex_unlock(&lock);
    if (!head_free) return NULL;
  }
  return slots[head].buf + fill;
}

void sink_commit(size_t n) { fill += n; }

void sink_end_batch(void) {
  if (fill == 0) return;
  slots[head].len = fill;
  fill = 0;
  if (finished) return;
  publish(K_DATA);
}

int sink_wait_fd(void) { return threaded ? wake_fd : -1; }

void sink_ack(void) {
  uint64_t n;
  if (wake_fd >= 0)
    while (read(wake_fd, &n, sizeof n) > 0) {
    }
}

void sink_note(const unsigned char *text, size_t len) {
  if (!opened || finished || !has_txt) return;
  sink_end_batch();
  unsigned char *copy = malloc(len > 0 ? len : 1);
  if (copy == NULL) {
    event("error out of memory for a transcript note");
    return;
  }
  memcpy(copy, text, len);
  wait_head();
  slots[head].note = copy;
  slots[head].len = len;
  publish(K_NOTE);
}

void sink_stop(void) {
  if (!opened || finished) return;
  sink_end_batch();
  wait_head();
  publish(K_STOP);
}

void sink_finish(void) {
  if (!opened || finished) return;
  sink_end_batch();
  wait_head();
  publish(K_FINISH);
  finished = 1;
}

void sink_close(void) {
  if (!opened) return;
  sink_finish();
  if (threaded) pthread_join(writer, NULL);
  threaded = 0;
}
