/* TEMPORARY STUB of the transcript decoder API (the real one comes from branch h/ctext). */
#ifndef CODEX_RUN_PLAINTEXT_H
#define CODEX_RUN_PLAINTEXT_H
#include <stddef.h>
/* The pump does not take the transcript while this stub is the decoder. */
#define PT_STUB 1
typedef struct pt_decoder pt_decoder;
typedef void (*pt_out_fn)(void *ctx, const unsigned char *bytes, size_t len); /* exact .txt bytes */
pt_decoder *pt_new(size_t max_line_bytes); /* 0 = 64 KiB */
void pt_push(pt_decoder *d, const unsigned char *bytes, size_t len, pt_out_fn out, void *ctx);
void pt_mark(pt_decoder *d, const unsigned char *text, size_t len, pt_out_fn out, void *ctx);
void pt_finish(pt_decoder *d, pt_out_fn out, void *ctx);
void pt_free(pt_decoder *d);
#endif
