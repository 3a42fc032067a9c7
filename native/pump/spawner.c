/*
 * codex-run-pump --spawner <socket>: starts the per-job pumps for a runner, so that the runner
 * (a Node process of 100-400 MB) does not fork once per job.
 *
 * Why: fork copies the parent's page tables, so Node's child_process.spawn costs time in
 * proportion to the runner's memory (2.5 ms from a 48 MB Node, 10.9 ms from a 198 MB one,
 * measured here), on the main thread, and libuv waits for the child's exec. In a batch of
 * 1,000 jobs that exit at once, spawning pumps was 45 % of the runner's main thread. This
 * process is forked once, while the runner is small; it forks from a few hundred KB.
 *
 * Descriptors:
 *   0  requests from the runner: frames of 1 type byte, 4 length bytes (big endian), payload:
 *        'S' spawn a pump: id (u32 BE), token (16 bytes), log fd (i32 BE, -1: none),
 *            transcript fd (i32 BE, -1: none), argc (u32 BE) and argc NUL-terminated strings
 *            (the pump's arguments after its name), envc (u32 BE) and envc NUL-terminated
 *            strings (the job's environment, which the pump hands to the child)
 *        'K' signal a pump: id (u32 BE), signal (1 byte); ignored once the pump was reaped
 *      End of file (the runner went away): remove the socket and its folder, and exit. The
 *      pumps notice on their own (their control sockets end) and hang up their terminals.
 *   1  answers, text lines: "spawned <id> <pid>", "failed <id> <text>" (no pump runs),
 *      "exit <id> <code> <signal>" once a pump has been reaped. First line: "ready".
 *   2  /dev/null (the runner ignores it).
 *
 * A pump's descriptors, as the runner used to give them (see pump.c): 0, 1 and 3 are three
 * connections to the runner's Unix socket <socket> (in a 0700 folder), each opened by the
 * forked child before it executes the pump and introduced by the request's token and the
 * descriptor it becomes ('0', '1' or '3'); 4 and 5, the job's log and transcript, are the
 * runner's own descriptors reopened through /proc/<runner>/fd/<n> (the runner opens both
 * files O_APPEND, so the two open files never disagree about where the end is). The pump runs
 * in a session of its own with /dev/null as stderr, and nothing else open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "line.h"
#include "spawner.h"

#define TOKEN_BYTES 16
#define MAX_REQUEST (16 * 1024 * 1024)
#define MAX_PUMPS 65536

/* A pump this spawner started and has not reaped yet. */
struct pump {
  uint32_t id;
  pid_t pid;
};

static struct pump *pumps;
static size_t pump_count, pump_cap;
static pid_t runner;
static char self_path[4096];
static struct sockaddr_un address;
static socklen_t address_length;

static void answer(const char *format, ...) __attribute__((format(printf, 1, 2)));
static int runner_gone(void);

static void answer(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int failed = write_line(1, format, args);
  va_end(args);
  if (failed != 0) _exit(runner_gone()); /* the runner is gone: so are its socket and folder */
}

static int read_full(int fd, void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t r = read(fd, (char *)buffer + done, length - done);
    if (r == 0) return -1;
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, -1);
        continue;
      }
      return -1;
    }
    done += (size_t)r;
  }
  return 0;
}

static int write_full(int fd, const void *buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t w = write(fd, (const char *)buffer + done, length - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    done += (size_t)w;
  }
  return 0;
}

static uint32_t be32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Splits `count` NUL-terminated strings off the front of [*at, end) into a NULL-terminated array. */
static char **strings(unsigned char **at, unsigned char *end, uint32_t count) {
  if (count > (uint32_t)(end - *at)) return NULL;
  char **list = calloc((size_t)count + 1, sizeof *list);
  if (list == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    unsigned char *nul = memchr(*at, 0, (size_t)(end - *at));
    if (nul == NULL) {
      free(list);
      return NULL;
    }
    list[i] = (char *)*at;
    *at = nul + 1;
  }
  return list;
}

/* In the child: a connection to the runner's socket, introduced by the token and its role, moved above 9. */
static int connect_as(const unsigned char *token, char role) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return -1;
  while (connect(s, (struct sockaddr *)&address, address_length) != 0) {
    if (errno == EINTR) continue;
    close(s);
    return -1;
  }
  unsigned char hello[TOKEN_BYTES + 1];
  memcpy(hello, token, TOKEN_BYTES);
  hello[TOKEN_BYTES] = (unsigned char)role;
  if (write_full(s, hello, sizeof hello) != 0) {
    close(s);
    return -1;
  }
  if (role == '1') {
    /* A deeper buffer lets the runner take bigger bites less often (best effort). */
    int size = 1024 * 1024;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  int high = fcntl(s, F_DUPFD, 10);
  close(s);
  return high;
}

/* In the child: the runner's descriptor `fd` reopened (write-only, appending), moved above 9. */
static int reopen_runner_fd(int32_t fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)runner, (int)fd);
  int opened = open(path, O_WRONLY | O_APPEND | O_NOCTTY);
  if (opened < 0) return -1;
  int high = fcntl(opened, F_DUPFD, 10);
  close(opened);
  return high;
}

/* In the child: the write end of a close-on-exec pipe; the spawner reads EOF once the pump runs. */
static int report_fd = -1;

/* In the child: tells the spawner why the pump cannot run, through the report pipe. */
_Noreturn static void child_fail(const char *what) {
  char line[256];
  int n = snprintf(line, sizeof line, "%s: %s", what, strerror(errno));
  if (n > 0) write_full(report_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  _exit(127);
}

/* In the child: sets up the pump's descriptors and executes it. Never returns. */
_Noreturn static void become_pump(const unsigned char *token, int32_t log_fd, int32_t txt_fd, char **args, char **env) {
  sigset_t none;
  sigemptyset(&none);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setsid();
  int events = connect_as(token, '3');
  if (events < 0) child_fail("cannot connect to the runner");
  int control = connect_as(token, '0');
  if (control < 0) child_fail("cannot connect to the runner");
  int data = connect_as(token, '1');
  if (data < 0) child_fail("cannot connect to the runner");
  int log = -1, txt = -1;
  if (log_fd >= 0 && (log = reopen_runner_fd(log_fd)) < 0) child_fail("cannot open the job's log");
  if (txt_fd >= 0 && (txt = reopen_runner_fd(txt_fd)) < 0) child_fail("cannot open the job's transcript");
  int report = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
  if (report >= 0) report_fd = report;
  int null = open("/dev/null", O_RDWR);
  if (null < 0) child_fail("/dev/null");
  if (dup2(control, 0) < 0 || dup2(data, 1) < 0 || dup2(null, 2) < 0 || dup2(events, 3) < 0) child_fail("dup2");
  if (log >= 0 && dup2(log, 4) < 0) child_fail("dup2");
  if (log < 0) close(4);
  if (txt >= 0 && dup2(txt, 5) < 0) child_fail("dup2");
  if (txt < 0) close(5);
  /* Everything else closes, but the report pipe stays until the exec closes it. */
  if (close_range(6, (unsigned)report_fd - 1, 0) != 0 || close_range((unsigned)report_fd + 1, ~0U, 0) != 0) {
    struct rlimit limit;
    int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 1048576 ? (int)limit.rlim_cur : 65536;
    for (int fd = 6; fd < top; fd++)
      if (fd != report_fd) close(fd);
  }
  /* argv[0] is the pump's own name, as when the runner spawned it. */
  size_t argc = 0;
  while (args[argc] != NULL) argc++;
  char **argv = calloc(argc + 2, sizeof *argv);
  if (argv == NULL) child_fail("out of memory");
  argv[0] = "codex-run-pump";
  memcpy(argv + 1, args, argc * sizeof *argv);
  execve(self_path, argv, env);
  child_fail("execve");
}

static void remember(uint32_t id, pid_t pid) {
  if (pump_count == pump_cap) {
    size_t cap = pump_cap == 0 ? 64 : pump_cap * 2;
    struct pump *grown = realloc(pumps, cap * sizeof *grown);
    if (grown == NULL) return; /* not remembered: its exit is still reaped, only not reported */
    pumps = grown;
    pump_cap = cap;
  }
  pumps[pump_count].id = id;
  pumps[pump_count].pid = pid;
  pump_count++;
}

static void spawn_request(unsigned char *payload, size_t length) {
  unsigned char *at = payload, *end = payload + length;
  if (length < 4 + TOKEN_BYTES + 4 + 4 + 4) {
    answer("failed 0 malformed spawn request");
    return;
  }
  uint32_t id = be32(at);
  at += 4;
  const unsigned char *token = at;
  at += TOKEN_BYTES;
  int32_t log_fd = (int32_t)be32(at);
  at += 4;
  int32_t txt_fd = (int32_t)be32(at);
  at += 4;
  uint32_t argc = be32(at);
  at += 4;
  char **args = strings(&at, end, argc);
  if (args == NULL || end - at < 4) {
    free(args);
    answer("failed %u malformed spawn request", id);
    return;
  }
  uint32_t envc = be32(at);
  at += 4;
  char **env = strings(&at, end, envc);
  if (env == NULL || pump_count >= MAX_PUMPS) {
    free(args);
    free(env);
    answer("failed %u %s", id, env == NULL ? "malformed spawn request" : "too many pumps");
    return;
  }
  /* "spawned" means the pump runs and its three connections are in the runner's queue; else "failed". */
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    free(args);
    free(env);
    answer("failed %u pipe: %s", id, strerror(errno));
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    report_fd = report[1];
    become_pump(token, log_fd, txt_fd, args, env);
  }
  int saved = errno;
  close(report[1]);
  free(args);
  free(env);
  if (pid < 0) {
    close(report[0]);
    answer("failed %u fork: %s", id, strerror(saved));
    return;
  }
  char why[256];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(report[0], why + got, sizeof why - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
    if (got == sizeof why - 1) break;
  }
  close(report[0]);
  if (got > 0) {
    why[got] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    answer("failed %u %s", id, why);
    return;
  }
  remember(id, pid);
  answer("spawned %u %d", id, (int)pid);
}

static void kill_request(const unsigned char *payload, size_t length) {
  if (length != 5) return;
  uint32_t id = be32(payload);
  int signal_number = payload[4];
  for (size_t i = 0; i < pump_count; i++)
    if (pumps[i].id == id) {
      kill(pumps[i].pid, signal_number);
      return;
    }
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (size_t i = 0; i < pump_count; i++) {
      if (pumps[i].pid != pid) continue;
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      answer("exit %u %d %d", pumps[i].id, code, sig);
      pumps[i] = pumps[--pump_count];
      break;
    }
  }
}

/* The runner went away (its end of the request pipe closed, e.g. it was SIGKILLed): its socket
 * and the private folder holding it go too. The pumps notice on their own. */
static int runner_gone(void) {
  unlink(address.sun_path);
  char *slash = strrchr(address.sun_path, '/');
  if (slash != NULL && slash != address.sun_path) {
    *slash = 0;
    rmdir(address.sun_path);
  }
  return 0;
}

int spawner_main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: codex-run-pump --spawner <socket>\n");
    return 2;
  }
  runner = getppid();
  ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
  if (n <= 0) {
    answer("unavailable cannot find the pump's own binary: %s", strerror(errno));
    return 1;
  }
  self_path[n] = 0;
  if (strlen(argv[2]) >= sizeof address.sun_path) {
    answer("unavailable the socket path is too long");
    return 1;
  }
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  strcpy(address.sun_path, argv[2]);
  address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(argv[2]) + 1);
  /* The log and transcript are reopened through the runner's /proc entry: check it can be read. */
  char fds[64];
  snprintf(fds, sizeof fds, "/proc/%d/fd", (int)runner);
  if (access(fds, R_OK | X_OK) != 0) {
    answer("unavailable cannot read %s: %s", fds, strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) {
    answer("unavailable signalfd: %s", strerror(errno));
    return 1;
  }
  answer("ready");
  unsigned char *payload = NULL;
  size_t payload_cap = 0;
  for (;;) {
    struct pollfd p[2] = {{0, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof info) > 0) {
      }
      reap();
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      unsigned char header[5];
      if (read_full(0, header, sizeof header) != 0) return runner_gone();
      size_t length = be32(header + 1);
      if (length > MAX_REQUEST) return 1;
      if (length > payload_cap) {
        unsigned char *grown = realloc(payload, length);
        if (grown == NULL) return 1;
        payload = grown;
        payload_cap = length;
      }
      if (length > 0 && read_full(0, payload, length) != 0) return runner_gone();
      if (header[0] == 'S') spawn_request(payload, length);
      else if (header[0] == 'K') kill_request(payload, length);
      /* Any exits while the request was read are reported now rather than after the next poll. */
      reap();
    }
  }
}
