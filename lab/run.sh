#!/usr/bin/env bash
# lab/run.sh [SCENARIO...]: the real-kernel lab in one command. Builds stackdr, builds (or
# reuses) the qemu guest, boots it headless under TCG with the binary under test on a 9p
# share, runs the scenarios inside (default: all), prints one JSON line per scenario and
# "N passed, N failed". Scenarios (default: all, in this order): s1-lun s1-backstore s1-logout
# s2-leg s2-target s4-events s5-fs s2-all s4-superblock; measurements: m-sweep (what one
# stackdr sweep costs in the guest, and its slowest reads), m-resync (bitmap re-add vs the
# runbook's zero-superblock + add, same outage), m-stall (write stall on one-leg loss,
# open-iscsi default timers vs the ones stackdr recommends).
#   LAB_CACHE    guest image cache (default /var/tmp/stackdr-lab)
#   LAB_TIMEOUT  seconds before qemu is killed (default 2700; all scenarios took 1,334 s)
#   LAB_SAVE=1   copy what the guest captured (per scenario and state) into
#                tests/lab_captures/DATE/, named as the parser tests expect (KIND.STATE.EXT)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
W=${LAB_CACHE:-/var/tmp/stackdr-lab}
scen=${*:-s1-lun s1-backstore s1-logout s2-leg s2-target s4-events s5-fs s2-all s4-superblock m-sweep m-resync m-stall}

"$repo/dev.sh" build >/dev/null
"$here/build.sh"

out=$W/out
rm -rf "$out"
mkdir -p "$out"
strip -o "$out/stackdr" "$repo/build/stackdr"  # the guest needs no debug info
cp "$repo/config/lab.yaml" "$out/lab.yaml"
cp "$here/guest/scenario.sh" "$out/scenario.sh"
rm -f "$W/lun01.raw" "$W/lun02.raw"
truncate -s 512M "$W/lun01.raw"
truncate -s 512M "$W/lun02.raw"

qemu=(qemu-system-x86_64 -nodefaults -accel tcg -cpu max -smp 2 -m 2048
  -display none -monitor none -serial stdio -no-reboot -nic none
  -kernel "$W/vmlinuz" -initrd "$W/initrd.img"
  -append "console=ttyS0 root=/dev/vda rw init=/lab/init panic=-1 quiet log_buf_len=4M mitigations=off lab.scenarios=${scen// /,}"
  -drive "file=$W/root.raw,format=raw,if=virtio,cache=unsafe"
  -drive "file=$W/lun01.raw,format=raw,if=virtio,cache=unsafe"
  -drive "file=$W/lun02.raw,format=raw,if=virtio,cache=unsafe"
  -virtfs "local,path=$out,mount_tag=out,security_model=none,id=out")
t0=$(date +%s)
echo "== booting the lab guest (TCG; about 20 minutes for all scenarios); serial log: $out/serial.log"
timeout "${LAB_TIMEOUT:-2700}" "${qemu[@]}" </dev/null >"$out/serial.log" 2>&1 || true
echo "== guest ran $(($(date +%s) - t0)) s"

pass=0 fail=0 n=0
for s in $scen; do
  case $s in
    m-*)  # a measurement: printed, not judged
      grep '"measure"' "$out/results.jsonl" 2>/dev/null | grep -q . || echo "{\"measure_name\":\"$s\",\"error\":\"no result (see $out/serial.log)\"}"
      continue ;;
  esac
  n=$((n + 1))
  line=$(grep "\"fault\"" "$out/results.jsonl" 2>/dev/null | sed -n "${n}p" || true)
  if [ -z "$line" ]; then
    echo "{\"scenario_name\":\"$s\",\"recovered\":false,\"error\":\"no result (see $out/serial.log)\"}"
    fail=$((fail + 1))
    continue
  fi
  echo "$line"
  if echo "$line" | grep -q '"detected":true' && echo "$line" | grep -q '"recovered":true' &&
     echo "$line" | grep -q '"data_intact":true'; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done
grep '"measure"' "$out/results.jsonl" 2>/dev/null || true
if [ "${LAB_SAVE:-0}" = 1 ] && [ -d "$out/captures" ]; then
  dest=$repo/tests/lab_captures/$(date +%F)
  mkdir -p "$dest"
  for f in "$out"/captures/*; do
    b=$(basename "$f")  # STATE[.fault|.recovered].KIND.EXT → KIND.STATE.EXT
    ext=${b##*.}
    IFS=. read -r -a parts <<<"${b%.*}"
    kind=${parts[${#parts[@]}-1]}
    state=$(IFS=.; echo "${parts[*]:0:${#parts[@]}-1}")
    cp "$f" "$dest/$kind.$state.$ext"
  done
  cp "$out/dmesg.txt" "$dest/dmesg.run.txt"
  cp "$out/results.jsonl" "$dest/results.jsonl"
  echo "== captures saved in $dest"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
