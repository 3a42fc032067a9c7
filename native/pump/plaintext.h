/*
 * The readable transcript of a job (<job>.txt) in C: a faithful port of the JavaScript
 * decoder (src/logs/plain-text.ts) and of what src/logs/transcript.ts appends to the file,
 * so that the pump can write the transcript without Node seeing every byte. For any input
 * and any chunking the bytes handed to out() are exactly the bytes the JS Transcript appends
 * (golden-tested: test/unit/native-transcript.test.ts).
 */
#ifndef CODEX_RUN_PLAINTEXT_H
#define CODEX_RUN_PLAINTEXT_H

#include <stddef.h>

typedef struct pt_decoder pt_decoder;

/* Receives transcript bytes exactly as Transcript would append them to <job>.txt. */
typedef void (*pt_out_fn)(void *ctx, const unsigned char *bytes, size_t len);

/* A decoder cutting lines longer than max_line_bytes (0 = the default, 64 KiB); NULL when out of memory. */
pt_decoder *pt_new(size_t max_line_bytes);

/* Feeds raw terminal bytes; the lines they complete go to out() (gathered, possibly in several calls). */
void pt_push(pt_decoder *d, const unsigned char *bytes, size_t len, pt_out_fn out, void *ctx);

/* Transcript.mark(text): ends the pending line if it shows anything, then writes "\n<text>\n\n". */
void pt_mark(pt_decoder *d, const unsigned char *text, size_t len, pt_out_fn out, void *ctx);

/* Transcript.close(): writes the pending line if it shows anything; the decoder is then fresh. */
void pt_finish(pt_decoder *d, pt_out_fn out, void *ctx);

void pt_free(pt_decoder *d);

/*
 * Test entry, `codex-run-pump --decode [max_line_bytes] [--framed]`: raw bytes on stdin (read
 * in random-sized reads) to transcript bytes on stdout. With --framed, stdin is frames of 1
 * type byte, 4 length bytes (big endian) and a payload: 'd' bytes to push, 'm' a mark's text;
 * end of input finishes. Returns the exit status.
 */
int decode_main(int argc, char **argv);

#endif
