#!/usr/bin/env bash
# Cost of one `stackdr diagnose --lab` as the stack grows: N arrays of two LUNs each, every LUN
# behind its own target, on the simulated stack (setup, rendering, parsing, graph, diagnosis).
# Prints wall time and peak memory per size, and the ratio of each size to the one before.
# Run: bench/scale.sh [BINARY]   (the README's scaling figures)
set -euo pipefail
bin=${1:-$(dirname "$0")/../build/stackdr}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
topology() {  # topology LUNS > FILE
  local luns=$1
  printf 'hosts:\n  storage: {role: storage, address: 127.0.0.1}\n  kvm: {role: kvm, address: 127.0.0.2}\n'
  printf 'storage:\n  host: storage\n  pool: tank\n  portal: 127.0.0.1:3260\n'
  printf 'initiator:\n  host: kvm\n  iqn: iqn.2024-01.com.example:kvm\nluns:\n'
  for ((i = 0; i < luns; i++)); do
    printf '  - name: l%d\n    target: iqn.2003-01.org.linux-iscsi.storage:l%d\n    lun: 0\n    zvol: tank/l%d\n' "$i" "$i" "$i"
  done
  printf 'arrays:\n'
  for ((a = 0; a < luns / 2; a++)); do
    printf '  - name: md%d\n    host: kvm\n    members: [l%d, l%d]\n' "$a" $((2 * a)) $((2 * a + 1))
  done
}
printf '%8s %8s %10s %12s %8s\n' luns arrays seconds peak_MiB ratio
prev=""
for luns in 1000 2000 4000 8000 20000; do
  topology "$luns" > "$dir/t.yaml"
  /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" diagnose --lab --config "$dir/t.yaml" > "$dir/out" || true
  grep -q "No failure found" "$dir/out" || { echo "unexpected diagnosis at $luns LUNs:"; cat "$dir/out"; exit 1; }
  read -r secs kb < "$dir/time"
  ratio=$([ -n "$prev" ] && awk -v a="$secs" -v b="$prev" 'BEGIN { printf "%.2f", a / b }' || echo "-")
  printf '%8d %8d %10s %12d %8s\n' "$luns" $((luns / 2)) "$secs" $((kb / 1024)) "$ratio"
  prev=$secs
done
