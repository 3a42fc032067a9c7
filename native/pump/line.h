/* One text line, formatted and written whole to a descriptor (line.c). */
#ifndef CODEX_RUN_LINE_H
#define CODEX_RUN_LINE_H

#include <stdarg.h>

/* Formats `format` (at most 510 bytes kept), adds '\n' and writes it all to `fd`, waiting out
 * EAGAIN (up to a second at a time) and EINTR. 0 when written, -1 when the write failed. */
int write_line(int fd, const char *format, va_list args) __attribute__((format(printf, 2, 0)));

#endif
