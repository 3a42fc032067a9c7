/*
 * Where the pump's output bytes go on disk: the job's log (fd 4, byte-exact) and its
 * transcript (fd 5, decoded by plaintext.c), written by a second thread so that the thread
 * reading the terminal only reads (issue 16: the flood's critical path is the read loop).
 *
 * The reading thread fills batches in place (sink_space, sink_commit) and hands each one over
 * whole (sink_end_batch); notes ('n'), the stop ('c') and the end of output go through the same
 * queue, so the writer sees everything in the order the reader did. Eight batches of 128 KiB:
 * when all are full the reader gets no space (backpressure: it stops reading the terminal and
 * waits on sink_wait_fd, which turns readable when a batch is free again). Nothing is dropped.
 *
 *   reader: space -> commit... -> end_batch ──queue──▶ writer: log write, decode, transcript write
 *           note / stop / finish ──────────queue──▶          (in order; the transcript is written
 *                                                             out whenever the queue runs empty)
 *   sink_close: finish, then wait for the writer: both files have every byte.
 *
 * Without a thread (pthread_create failed) the same work runs inline at end_batch.
 */
#ifndef CODEX_RUN_SINK_H
#define CODEX_RUN_SINK_H

#include <stddef.h>

/* Takes ownership of log_fd and txt_fd (either may be -1; both -1: nothing is written).
 * Allocates only; returns 0, or -1 when out of memory. */
int sink_open(int log_fd, int txt_fd);

/* Starts the writer thread (after the fork); without it, the writing runs inline. */
void sink_start(void);

/* Whether the transcript is written here (fd 5 was given). */
int sink_has_transcript(void);

/* Room for the next read (at least `want` bytes, or NULL: every batch is queued). */
unsigned char *sink_space(size_t want);

/* `n` bytes were read into the space sink_space returned. */
void sink_commit(size_t n);

/* The batch so far goes to the writer (no-op when empty). */
void sink_end_batch(void);

/* Readable when sink_space would give room again (-1 without a thread); sink_ack clears it. */
int sink_wait_fd(void);
void sink_ack(void);

/* A note for the transcript, ordered with the output (Transcript.mark). */
void sink_note(const unsigned char *text, size_t len);

/* 'c': write nothing more to either file. */
void sink_stop(void);

/* The output is complete: the transcript's last line goes out (idempotent). */
void sink_finish(void);

/* sink_finish, then waits until both files have every byte handed over. */
void sink_close(void);

/* Events to Node (pump.c): thread-safe. */
void event(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
