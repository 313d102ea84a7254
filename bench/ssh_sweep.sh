#!/usr/bin/env bash
# What SSH costs a sweep: `stackdr status --json` of the same topology with its three hosts
# reached locally, then over SSH to a real sshd this script starts on 127.0.0.1 (its own host
# and client keys and known_hosts, key-only). Every read is the same command either way (on
# this machine the storage tools are absent, so most reads fail fast: this measures the
# transport, not the tools). Prints the median of RUNS sweeps each, and what opening the three
# connections cost. Run: bench/ssh_sweep.sh [RUNS] [BINARY]   (the README's SSH figures)
set -euo pipefail
runs=${1:-9}
bin=$(realpath "${2:-$(dirname "$0")/../build/stackdr}")
config=$(realpath "$(dirname "$0")/../config/stackdr.yaml")
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
. "$(dirname "$0")/lib.sh"
need python3 openssh-server openssh-client
ssh_keys "$dir"
port=$(free_port)
pid=$(start_sshd "$dir" "$port")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
# The shipped topology with every host local, and with every host over SSH.
hosts_local='hosts:\n  storage: {role: storage, address: 127.0.0.1}\n  s01: {role: kvm, address: 127.0.0.1}\n  sjm-explore: {role: vm, address: 127.0.0.1}\n'
ssh="transport: ssh, address: 127.0.0.1, port: $port, user: root, identity: $dir/client_key, ssh_options: [UserKnownHostsFile=$dir/known_hosts, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]"
hosts_ssh="hosts:\n  storage: {role: storage, $ssh}\n  s01: {role: kvm, $ssh}\n  sjm-explore: {role: vm, $ssh}\n"
# The runbook's addresses are real machines: the portal the sweep pings is made a loopback one.
rest=$(sed -n '/^storage:/,$p' "$config" | sed 's/192\.168\.125\./127.0.125./g')
printf "$hosts_local" > "$dir/local.yaml"; echo "$rest" >> "$dir/local.yaml"
printf "$hosts_ssh" > "$dir/ssh.yaml"; echo "$rest" >> "$dir/ssh.yaml"
sweep() {  # sweep CONFIG -> "sweep_ms connect_ms_total reads"
  { "$bin" status --json --config "$1" || true; } | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["sweep"]["ms"], sum(c["ms"] for c in j["sweep"].get("connections", [])), len(j["sweep"]["sources"]))'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for kind in local ssh; do
  for _ in $(seq "$runs"); do sweep "$dir/$kind.yaml"; done > "$dir/$kind.runs"
done
reads=$(awk 'NR == 1 { print $3 }' "$dir/local.runs")
local_ms=$(cut -d' ' -f1 "$dir/local.runs" | median)
ssh_ms=$(cut -d' ' -f1 "$dir/ssh.runs" | median)
connect_ms=$(cut -d' ' -f2 "$dir/ssh.runs" | median)
logins=$(grep -c "Accepted publickey" "$dir/sshd-$port.log" || true)
printf 'reads per sweep          %s (3 hosts)\n' "$reads"
printf 'local sweep, median      %s ms\n' "$local_ms"
printf 'SSH sweep, median        %s ms (opening 3 connections: %s ms of it)\n' "$ssh_ms" "$connect_ms"
awk -v s="$ssh_ms" -v c="$connect_ms" -v l="$local_ms" 'BEGIN { printf "SSH sweep, connections open: %.0f ms = %.2fx local\n", s - c, (s - c) / l }'
printf 'logins seen by sshd      %s over %s sweeps (one per host per run)\n' "$logins" "$runs"
