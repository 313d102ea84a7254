#!/usr/bin/env bash
# What the daemon costs when nothing happens: `stackdr watch --lab` (the simulated stack, its
# default 60 s interval) left alone for SECONDS (default 600), its resident memory (VmRSS and
# its parts: RssAnon, the daemon's own; RssFile, pages of its binary and shared libraries that
# other processes share) and CPU time, read from /proc at the end.
#   bench/watch_idle.sh [SECONDS] [BINARY]     (the README's daemon figures)
set -euo pipefail
secs=${1:-600}
bin=$(realpath "${2:-$(dirname "$0")/../build/stackdr}")
. "$(dirname "$0")/lib.sh"
need curl
dir=$(mktemp -d)
"$bin" watch --lab --state-dir "$dir" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q '^ready$' "$dir/out" && break; sleep 0.1; done
tick=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
c0=$(cpu)
sleep "$secs"
c1=$(cpu)
port=$(awk '/listening on port/ { print $4 }' "$dir/out")
sweeps=$(curl -s "127.0.0.1:$port/metrics" 2>/dev/null | awk '/^stackdr_watch_sweeps_total/ { print $2 }' || true)
printf 'idle for                 %s s (%s sweeps)\n' "$secs" "${sweeps:-?}"
awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ { m[$1] = $2 / 1024 }
     END { printf "resident memory          %.1f MiB (peak %.1f MiB): its own (RssAnon) %.1f MiB, binary and libraries (RssFile) %.1f MiB\n",
                  m["VmRSS:"], m["VmHWM:"], m["RssAnon:"], m["RssFile:"] }' "/proc/$pid/status"
printf 'threads                  %s\n' "$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
awk -v c="$((c1 - c0))" -v t="$tick" -v s="$secs" 'BEGIN { printf "CPU                      %.2f s = %.4f %% of a core\n", c / t, 100 * c / t / s }'
