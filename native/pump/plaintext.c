/* TEMPORARY STUB (replaced by the real decoder from branch h/ctext): keeps printable bytes and newlines. */
#include "plaintext.h"
#include <stdlib.h>
struct pt_decoder { int any; };
pt_decoder *pt_new(size_t max_line_bytes) { (void)max_line_bytes; return calloc(1, sizeof(pt_decoder)); }
void pt_push(pt_decoder *d, const unsigned char *bytes, size_t len, pt_out_fn out, void *ctx) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (bytes[i] == '\r' || bytes[i] == 0x1b) {
      if (i > start) out(ctx, bytes + start, i - start);
      start = i + 1;
    }
  }
  if (len > start) out(ctx, bytes + start, len - start);
  d->any = 1;
}
void pt_mark(pt_decoder *d, const unsigned char *text, size_t len, pt_out_fn out, void *ctx) {
  (void)d;
  out(ctx, (const unsigned char *)"\n", 1);
  out(ctx, text, len);
  out(ctx, (const unsigned char *)"\n\n", 2);
}
void pt_finish(pt_decoder *d, pt_out_fn out, void *ctx) { (void)d; (void)out; (void)ctx; }
void pt_free(pt_decoder *d) { free(d); }
