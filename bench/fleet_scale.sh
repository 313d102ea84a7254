#!/usr/bin/env bash
# One daemon, many stacks: `stackdr watch --lab` over a topology folder of N simulated stacks
# (the shipped topology under N names: a storage server, a KVM host and a VM each), every stack
# swept every INTERVAL seconds. Prints, as JSON lines:
#   - start: seconds until READY (every stack's first sweep done);
#   - idle: after SECONDS left alone, resident memory (whole, and per stack over one stack's
#     daemon), threads, CPU as a share of one core, and whether each stack kept its sweep period
#     (its sweeps counted in /metrics against SECONDS / INTERVAL; the oldest last sweep's age);
#   - fault: a fault injected into one stack (POST /lab/faults) while the others are healthy,
#     and the time until its alert reached a webhook receiver on 127.0.0.1.
#   bench/fleet_scale.sh [N] [INTERVAL] [SECONDS] [BINARY]   (the README's fleet figures)
set -euo pipefail
n=${1:-100}
interval=${2:-10}
secs=${3:-60}
bin=$(realpath "${4:-$(dirname "$0")/../build/stackdr}")
config=$(realpath "$(dirname "$0")/../config/stackdr.yaml")
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
. "$(dirname "$0")/lib.sh"
need curl bc python3

# The webhook receiver: the arrival time of each alert's body, one line each.
cat > "$dir/receiver.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[2], "a") as f:
            f.write("%.3f %s\n" % (time.time(), body.decode(errors="replace").replace("\n", " ")))
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$dir/receiver.py" "$dir/hook.port" "$dir/alerts" &
pids+=($!)
for _ in $(seq 100); do [ -s "$dir/hook.port" ] && break; sleep 0.05; done

# One daemon over one stack first: what a stack costs is the difference.
one() {
  local folder=$1 out=$2
  "$bin" watch --lab --config "$folder" --state-dir "$dir/state-$(basename "$folder")" --listen 127.0.0.1:0 \
    --interval "$interval" --webhook "http://127.0.0.1:$(cat "$dir/hook.port")/alerts" >"$out" 2>"$out.err" &
  echo $!
}
mkdir -p "$dir/one" "$dir/many"
{ echo "name: solo"; cat "$config"; } >"$dir/one/solo.yaml"
for i in $(seq -w 1 "$n"); do { echo "name: stack-$i"; echo "site: dc$((10#$i % 4))"; cat "$config"; } >"$dir/many/stack-$i.yaml"; done

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wait_ready() { for _ in $(seq 1200); do grep -q '^ready$' "$1" && return 0; sleep 0.05; done; return 1; }

solo=$(one "$dir/one" "$dir/solo.out")
pids+=("$solo")
wait_ready "$dir/solo.out"
t0=$(date +%s.%N)
many=$(one "$dir/many" "$dir/many.out")
pids+=("$many")
wait_ready "$dir/many.out" || { echo "not ready: $(tail -3 "$dir/many.out.err")" >&2; exit 1; }
t1=$(date +%s.%N)
port=$(awk '/listening on port/ { print $4 }' "$dir/many.out")
printf '{"measure":"fleet-start","stacks":%d,"ready_s":%.2f}\n' "$n" "$(echo "$t1 - $t0" | bc -l)"

curl -s "127.0.0.1:$port/metrics" >"$dir/before"
c0=$(cpu_ticks "$many")
sleep "$secs"
c1=$(cpu_ticks "$many")
curl -s "127.0.0.1:$port/metrics" >"$dir/after"
# Each stack's sweeps in the window (from its stackdr_watch_sweeps_total): all, fewest, most.
read -r swept counted fewest most < <(sweeps_between "$dir/before" "$dir/after")
now=$(date +%s)
oldest=$(curl -s "127.0.0.1:$port/metrics" |
  awk -v now="$now" '/^stackdr_watch_last_sweep_timestamp_seconds\{/ { a = now - $2; if (a > m) m = a } END { print m + 0 }')
tick=$(getconf CLK_TCK)
rss_many=$(rss_kib "$many")
rss_solo=$(rss_kib "$solo")
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$many/status")
expected=$(echo "$n * $secs / $interval" | bc -l)
printf '{"measure":"fleet-idle","stacks":%d,"interval_s":%d,"seconds":%d,"sweeps":%d,"sweeps_expected":%.0f,"stacks_in_metrics":%d,"sweeps_per_stack_min":%d,"sweeps_per_stack_max":%d,"oldest_sweep_age_s":%d,"rss_mib":%.1f,"rss_one_stack_daemon_mib":%.1f,"rss_per_stack_mib":%.2f,"threads":%d,"cpu_pct_of_a_core":%.2f}\n' \
  "$n" "$interval" "$secs" "$swept" "$expected" "$counted" "$fewest" "$most" "$oldest" "$(echo "$rss_many / 1024" | bc -l)" \
  "$(echo "$rss_solo / 1024" | bc -l)" "$(echo "($rss_many - $rss_solo) / 1024 / ($n - 1)" | bc -l)" "$threads" \
  "$(echo "100 * ($c1 - $c0) / $tick / $secs" | bc -l)"

# A fault on one stack while the others are healthy: fault → its alert at the receiver.
: >"$dir/alerts"
victim=stack-$(printf '%0*d' "${#n}" $(( (n + 1) / 2 )))
f0=$(date +%s.%N)
curl -s -X POST "127.0.0.1:$port/lab/faults?stack=$victim&name=session-logout" >/dev/null
for _ in $(seq 600); do grep -q "\"stack\":\"$victim\"" "$dir/alerts" && break; sleep 0.02; done
line=$(grep -m1 "\"stack\":\"$victim\"" "$dir/alerts" || true)
others=$(grep -vc "\"stack\":\"$victim\"" "$dir/alerts" || true)
[ -n "$line" ] || { echo '{"measure":"fleet-fault","error":"no alert within 12 s"}'; exit 1; }
printf '{"measure":"fleet-fault","stacks":%d,"stack":"%s","fault_to_alert_s":%.2f,"alerts_from_other_stacks":%d}\n' \
  "$n" "$victim" "$(echo "${line%% *} - $f0" | bc -l)" "$others"
