/* Event and answer lines of the pump and the spawner: see line.h. */
#define _GNU_SOURCE
#include "line.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

int write_line(int fd, const char *format, va_list args) {
  char line[512];
  int n = vsnprintf(line, sizeof line - 1, format, args);
  if (n < 0) return 0;
  if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  size_t done = 0;
  while (done < (size_t)n) {
    ssize_t w = write(fd, line + done, (size_t)n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 1000);
        continue;
      }
      return -1;
    }
    done += (size_t)w;
  }
  return 0;
}
