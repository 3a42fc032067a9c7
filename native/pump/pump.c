/*
 * codex-run-pump: owns one job's pseudo-terminal so that Node does not run JavaScript for
 * every ~4 KiB read of the terminal (see docs/benchmarks.md, "Native pump").
 *
 *   codex-run-pump <cols> <rows> <cwd> <drain-ms> <file> [arg ...]
 *   codex-run-pump --probe     (prints "codex-run-pump 2": the protocol version)
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
 *        'c' stop writing the log (no payload): another file of the run met a full disk, and
 *            the space freed for the final report must not be taken by more output
 *      End of file (Node went away): hang up the terminal and exit.
 *   1  data, to Node: every byte the master produced, raw, in order, unframed. Closed once
 *      the master has been read empty after the child's exit.
 *   3  events, to Node: text lines. "pid <n>" once after the fork; "exit <code> <signal>"
 *      last, after fd 1 is closed; "error <text>" when something failed; "logerror <errno>
 *      <text>" when the log could not be written (nothing more is written to it).
 *   4  optional: the job's log, opened by Node (0600, exclusive). When open, every byte goes
 *      there first, byte-exact, before it is handed to Node.
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

#include "plaintext.h"

#define CONTROL_FD 0
#define DATA_FD 1
#define EVENTS_FD 3
#define LOG_FD 4
/* Output held for Node before the master is no longer read (backpressure). */
#define OUT_CAP (256 * 1024)
#define READ_CHUNK 65536
#define CONTROL_CAP (1024 * 1024)

extern char **environ;

static char out_buf[OUT_CAP];
static size_t out_len = 0;
static unsigned char *input_buf = NULL; /* bytes for the child's terminal */
static size_t input_len = 0, input_cap = 0;
static unsigned char control_buf[CONTROL_CAP + 5];
static size_t control_len = 0;
static int log_fd = -1;

static void event(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line - 1, format, args);
  va_end(args);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  size_t done = 0;
  while (done < (size_t)n) {
    ssize_t w = write(EVENTS_FD, line + done, (size_t)n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {EVENTS_FD, POLLOUT, 0};
        poll(&p, 1, 1000);
        continue;
      }
      return;
    }
    done += (size_t)w;
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static void log_bytes(const char *data, size_t n) {
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

/* Reads the master into out_buf while there is room. Returns bytes read, 0 when it would
 * block, -1 at EIO/end (nobody holds the terminal any more). */
static ssize_t read_master(int master) {
  ssize_t total = 0;
  while (out_len < OUT_CAP) {
    size_t room = OUT_CAP - out_len;
    ssize_t n = read(master, out_buf + out_len, room < READ_CHUNK ? room : READ_CHUNK);
    if (n > 0) {
      log_bytes(out_buf + out_len, (size_t)n);
      out_len += (size_t)n;
      total += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return total;
    return total > 0 ? total : -1; /* EIO or 0: the terminal is gone */
  }
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
        if (log_fd >= 0) {
          close(log_fd);
          log_fd = -1;
        }
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
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
    /* The version of this protocol; codex-run refuses a pump that answers anything else. */
    puts("codex-run-pump 2");
    return 0;
  }
  if (argc < 6) {
    fprintf(stderr, "usage: codex-run-pump <cols> <rows> <cwd> <drain-ms> <file> [arg ...]\n");
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

  if (fcntl(LOG_FD, F_GETFD) >= 0) {
    log_fd = LOG_FD;
    fcntl(log_fd, F_SETFD, FD_CLOEXEC);
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
  event("pid %d", (int)child);

  int reaped = 0, exit_code = 0, exit_signal = 0;
  int control_open = 1, master_gone = 0;
  long long drain_deadline = 0;
  for (;;) {
    /* After the exit: finished once the master is gone and Node has every byte. */
    if (reaped && master_gone && out_len == 0) break;
    struct pollfd fds[4];
    int nfds = 0;
    int i_master = -1, i_control = -1, i_sig = -1;
    if (!master_gone) {
      short ev = 0;
      if (out_len < OUT_CAP) ev |= POLLIN;
      if (input_len > 0) ev |= POLLOUT;
      if (ev != 0) {
        i_master = nfds;
        fds[nfds++] = (struct pollfd){master, ev, 0};
      }
    }
    if (out_len > 0) {
      fds[nfds++] = (struct pollfd){DATA_FD, POLLOUT, 0};
    }
    if (control_open) {
      i_control = nfds;
      fds[nfds++] = (struct pollfd){CONTROL_FD, POLLIN, 0};
    }
    if (!reaped) {
      i_sig = nfds;
      fds[nfds++] = (struct pollfd){sigfd, POLLIN, 0};
    }
    int timeout = -1;
    if (reaped && !master_gone) {
      if (out_len >= OUT_CAP) {
        /* Node is not taking output: the deadline waits (backpressure loses nothing). */
        drain_deadline = now_ms() + drain_ms;
      } else {
        long long left = drain_deadline - now_ms();
        timeout = left < 0 ? 0 : (int)left;
      }
    }
    int ready = poll(fds, (nfds_t)nfds, timeout);
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
    if (i_master >= 0 && (fds[i_master].revents & POLLOUT)) flush_input(master);
    if (!master_gone && out_len < OUT_CAP &&
        (i_master < 0 || (fds[i_master].revents & (POLLIN | POLLHUP | POLLERR)) || reaped)) {
      ssize_t got = read_master(master);
      if (got < 0) {
        master_gone = 1;
      } else if (got == 0 && reaped && held >= 0 && out_len < OUT_CAP) {
        /* Read empty after the exit: let go of the terminal; the master then reports EIO
         * once no leftover process holds it. */
        close(held);
        held = -1;
      }
    }
    if (reaped && !master_gone && out_len < OUT_CAP && now_ms() >= drain_deadline) {
      /* A leftover process still holds the terminal: take what is queued now and stop. */
      if (held >= 0) close(held);
      held = -1;
      read_master(master);
      master_gone = 1;
    }
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
