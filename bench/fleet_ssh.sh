#!/usr/bin/env bash
# One daemon, many hosts over SSH: `stackdr watch` over a topology folder of M stacks of three
# hosts each (the shipped topology's storage server, KVM host and VM), every host its own sshd
# started here on 127.0.0.1 (its own port; one host key and one client key for all, key-only).
# The daemon keeps one shared connection and one event follower per host. On this machine the
# storage tools are absent, so most reads fail fast: this measures the SSH fan-out (connections,
# followers, sweeps over them), not the tools. Prints JSON lines: start (seconds until every
# stack's first sweep), then after SECONDS: each stack's sweeps against SECONDS / INTERVAL,
# the slowest last sweep, the daemon's memory, its CPU with the reads it ran, and its long-lived
# ssh clients' (the shared connections and the followers: count, memory, CPU).
#   bench/fleet_ssh.sh [STACKS] [INTERVAL] [SECONDS] [BINARY]   (the README's SSH fan-out figures)
set -euo pipefail
m=${1:-17}
interval=${2:-30}
secs=${3:-120}
bin=$(realpath "${4:-$(dirname "$0")/../build/stackdr}")
config=$(realpath "$(dirname "$0")/../config/stackdr.yaml")
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
mkdir -p "$dir/stacks.d"
. "$(dirname "$0")/lib.sh"
need curl bc python3 openssh-server openssh-client
ssh_keys "$dir"
# The runbook's addresses are real machines: the portal the sweep pings is made a loopback one.
rest=$(sed -n '/^storage:/,$p' "$config" | sed 's/192\.168\.125\./127.0.125./g')
hosts=0
for i in $(seq -w 1 "$m"); do
  printf 'name: ssh-%s\nsite: lab\nhosts:\n' "$i" > "$dir/stacks.d/ssh-$i.yaml"
  for h in "storage: {role: storage" "s01: {role: kvm" "sjm-explore: {role: vm"; do
    p=$(free_port)
    pids+=("$(start_sshd "$dir" "$p")")
    hosts=$((hosts + 1))
    echo "  $h, transport: ssh, address: 127.0.0.1, port: $p, user: root, identity: $dir/client_key, ssh_options: [UserKnownHostsFile=$dir/known_hosts, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]}" \
      >> "$dir/stacks.d/ssh-$i.yaml"
  done
  echo "$rest" >> "$dir/stacks.d/ssh-$i.yaml"
done
sleep 1
t0=$(date +%s.%N)
"$bin" watch --config "$dir/stacks.d" --state-dir "$dir/state" --listen 127.0.0.1:0 --interval "$interval" \
  >"$dir/out" 2>"$dir/err" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 2400); do grep -q '^ready$' "$dir/out" && break; sleep 0.05; done
grep -q '^ready$' "$dir/out" || { echo "not ready: $(tail -3 "$dir/err")" >&2; exit 1; }
t1=$(date +%s.%N)
port=$(awk '/listening on port/ { print $4 }' "$dir/out")
printf '{"measure":"fleet-ssh-start","stacks":%d,"hosts":%d,"ready_s":%.2f}\n' "$m" "$hosts" "$(echo "$t1 - $t0" | bc -l)"
sleep 5  # the followers start after the first sweep
ticks() { local s=0; for p in "$@"; do s=$((s + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$s"; }
rss() { local s=0; for p in "$@"; do s=$((s + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo "$s"; }
# Proportional set size: shared pages (ssh's binary and libraries) counted once across them all.
pss() { local s=0; for p in "$@"; do s=$((s + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0))); done; echo "$s"; }
children() { pgrep -P "$daemon" -x ssh || true; }
# The daemon's CPU with the commands it ran and reaped (each read is a short ssh client over the
# shared connection): utime, stime, cutime, cstime.
all_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
curl -s "127.0.0.1:$port/metrics" >"$dir/before"
mapfile -t kids < <(children)
d0=$(all_ticks "$daemon")
k0=$(ticks "${kids[@]}")
sleep "$secs"
d1=$(all_ticks "$daemon")
k1=$(ticks "${kids[@]}")
curl -s "127.0.0.1:$port/metrics" >"$dir/after"
read -r swept counted fewest most < <(sweeps_between "$dir/before" "$dir/after")
slowest=$(awk '/^stackdr_sweep_duration_seconds\{/ { if ($2 > m) m = $2 } END { print m + 0 }' "$dir/after")
tick=$(getconf CLK_TCK)
logins=$(cat "$dir"/sshd-*.log | grep -c "Accepted publickey" || true)
printf '{"measure":"fleet-ssh-idle","stacks":%d,"hosts":%d,"interval_s":%d,"seconds":%d,"sweeps":%d,"sweeps_expected":%.0f,"stacks_in_metrics":%d,"sweeps_per_stack_min":%d,"sweeps_per_stack_max":%d,"slowest_sweep_s":%.2f,"daemon_rss_mib":%.1f,"daemon_pss_mib":%.1f,"daemon_threads":%d,"daemon_and_reads_cpu_pct_of_a_core":%.2f,"ssh_clients":%d,"ssh_clients_rss_mib":%.1f,"ssh_clients_pss_mib":%.1f,"ssh_clients_cpu_pct_of_a_core":%.2f,"ssh_logins":%d}\n' \
  "$m" "$hosts" "$interval" "$secs" "$swept" "$(echo "$m * $secs / $interval" | bc -l)" "$counted" "$fewest" "$most" \
  "$slowest" "$(echo "$(rss "$daemon") / 1024" | bc -l)" "$(echo "$(pss "$daemon") / 1024" | bc -l)" "$(awk '/^Threads:/ { print $2 }' "/proc/$daemon/status")" \
  "$(echo "100 * ($d1 - $d0) / $tick / $secs" | bc -l)" "${#kids[@]}" "$(echo "$(rss "${kids[@]}") / 1024" | bc -l)" "$(echo "$(pss "${kids[@]}") / 1024" | bc -l)" \
  "$(echo "100 * ($k1 - $k0) / $tick / $secs" | bc -l)" "$logins"
