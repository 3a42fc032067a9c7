#!/bin/sh
# Bench agent: mostly idle. Prints a line at start, then a status line every $2 seconds
# (default 3) until the file $1 exists; then exits 0.
stop=$1
every=${2:-3}
n=0
echo "idle agent $$ started"
while [ ! -e "$stop" ]; do
  sleep 1
  n=$((n + 1))
  if [ $((n % every)) -eq 0 ]; then
    echo "still working: tick $n"
  fi
done
echo "idle agent $$ done"
