#!/bin/sh
# codex-run's job launcher: join-cgroup.sh <cgroup directory> <program> [argument ...]
# Moves itself into the job's cgroup, then execs the program with the arguments unchanged.
# exec keeps the pid, so the process stays the PTY's session leader with its controlling
# terminal, and nothing the job starts can run outside the cgroup. Arguments are never
# interpreted by the shell.
cgroup=$1
shift
if ! echo $$ > "$cgroup/cgroup.procs"; then
  echo "codex-run: could not join the job's cgroup $cgroup" >&2
  exit 126
fi
exec "$@"
