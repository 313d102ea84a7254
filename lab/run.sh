#!/usr/bin/env bash
# lab/run.sh [all | ci | SCENARIO...]: the real-kernel lab in one command, on two machines.
# Builds stackdr, builds (or reuses) the guest image, boots two qemu guests headless under TCG —
# a storage server (OpenZFS pool `storage`, zvols made by `stackdr lun create`, LIO) and a KVM
# host (open-iscsi, MD RAID1, ext4, later a libvirt VM on the array) —
# joined by two storage links (qemu socket netdevs over UDP on 127.0.0.1, guest addresses in
# 192.0.2.0/24), each guest with its own sshd reached through a port forward on 127.0.0.1.
# stackdr runs here, outside both, and reaches each over SSH with a key this script makes.
# Faults are injected from outside: over SSH, or through qemu's monitor (a storage link taken
# down is a real link loss). Prints one JSON line per scenario and "N passed, N failed".
# Scenarios (default: all but m-stall, in the order of $all below): s1-lun s1-backstore
# s1-logout s1-zvol-renamed s1-zvol-volmode s2-leg s2-target s4-events s5-fs s2-all
# s4-superblock s3-pool-disk (a pool disk pulled through qemu's monitor), s5-vm-detach (the
# libvirt VM), s5-vm-pause (both links lost: the VM paused on an I/O error); measurements: m-lun (lun create / remove on the real pool),
# m-runbook (the runbook's diagnosis commands, each a fresh SSH login, against one sweep), m-vm
# (what booting the VM costs under nested TCG), m-sweep (a sweep over SSH against the
# same sweep run inside the guests, and what opening the connections costs), m-resync (bitmap
# re-add vs the runbook's zero-superblock + add, same outage), m-maintain (maintain log-review
# and arc on the real machines), m-stall (write stall on a
# one-link loss, open-iscsi default timers vs the ones stackdr recommends), m-watch (the daemon
# inside the KVM machine against mdadm --monitor: fault to alert), m-lint (the write stall
# with the stack as set up, then after `stackdr lint --fix` and the leg's next login).
#   LAB_CACHE      guest image cache (default /var/tmp/stackdr-lab)
#   LAB_TIMEOUT    seconds before the guests are killed (default 6000: `all` runs about an hour)
#   LAB_PORT_BASE  first of the loopback ports the lab uses (default 22600; it uses 8 from there)
#   LAB_SAVE=1     copy what the guests captured (per scenario and state) and the bundles
#                  stackdr collected into tests/lab_captures/DATE/, named as the tests expect
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
W=${LAB_CACHE:-/var/tmp/stackdr-lab}
# `all` (the default): every scenario and measurement, in this order (the VM's come last: from
# m-vm on, md1 is the VM's disk). `ci`: each scenario class at least once and the measures the
# README quotes that CI can afford, inside CI's budget (see the README's lab section); not the
# libvirt VM (m-vm, s5-vm-*): under nested TCG its boot took 317 to 609 s and s5-vm-detach 9 to
# over 15 minutes on 2026-12-07 (its checks go through the VM's console), too much for CI's 80.
all="s1-lun s1-backstore s1-logout s1-zvol-renamed s1-zvol-volmode s2-leg s2-target s4-events s5-fs s2-all s4-superblock s3-pool-disk m-lun m-maintain m-runbook m-init m-sweep m-watch m-resync m-lint m-vm s5-vm-detach s5-vm-pause m-watch-vm"
ci="s1-zvol-volmode s1-zvol-renamed s2-leg s4-events s5-fs s3-pool-disk m-lun m-runbook"
case "${*:-all}" in
  all) scen=$all ;;
  ci) scen=$ci ;;
  *) scen=$* ;;
esac
base=${LAB_PORT_BASE:-22600}
ssh_port_storage=$base ssh_port_kvm=$((base + 1))
mon_storage=$((base + 2)) mon_kvm=$((base + 3))
link_a_storage=$((base + 4)) link_a_kvm=$((base + 5)) link_b_storage=$((base + 6)) link_b_kvm=$((base + 7))

mkdir -p "$W"
exec 9>"$W/run.lock"  # one lab at a time: a second would take the first one's ports and files
flock -n 9 || { echo "lab/run.sh: another lab is running ($W/run.lock)"; exit 1; }
"$repo/dev.sh" build >/dev/null
"$here/build.sh"
for p in jq openssh-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

out=$W/out
rm -rf "$out"
mkdir -p "$out"/{keys,storage,kvm,captures,bundles,state}
SD=$out/stackdr
strip -o "$SD" "$repo/build/stackdr"  # the guests run it too (m-sweep); they need no debug info
cp "$here/guest/lab.sh" "$out/lab.sh"

# Keys: one client key for stackdr and this script, a host key per machine, known in advance.
K=$out/keys
ssh-keygen -q -t ed25519 -N '' -C stackdr-lab -f "$K/client"
for m in storage kvm; do ssh-keygen -q -t ed25519 -N '' -C "lab-$m" -f "$out/$m/ssh_host_ed25519_key"; done
echo "[127.0.0.1]:$ssh_port_storage $(cut -d' ' -f1,2 "$out/storage/ssh_host_ed25519_key.pub")" >"$K/known_hosts"
echo "[127.0.0.1]:$ssh_port_kvm $(cut -d' ' -f1,2 "$out/kvm/ssh_host_ed25519_key.pub")" >>"$K/known_hosts"

# The topology stackdr is given: the two machines over SSH, the storage network's portals.
ssh_host() {  # ROLE PORT
  cat <<EOF
  $1:
    role: $1
    address: 127.0.0.1
    transport: ssh
    port: $2
    user: root
    identity: $K/client
    ssh_options: [UserKnownHostsFile=$K/known_hosts, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]
EOF
}
topology() {  # the lab's stack; $1 is the hosts section
  cat <<EOF
# The two-machine lab (lab/run.sh writes this each run): a storage server with an OpenZFS
# mirror pool exporting two zvols through LIO, and a KVM host with MD RAID1 over the two iSCSI
# disks and ext4 on it.
# Each LUN has its own storage link and portal, so one link can be lost alone.
hosts:
$1
storage:
  host: storage
  pool: storage
  portal: 192.0.2.1:3260
  service: ""                   # the guests run no systemd: LIO is restored with targetctl restore
  disks: [virtio-pool-a, virtio-pool-b]   # the mirror, by id (qemu gives each disk a serial)
  spare_disks: [virtio-pool-c, virtio-pool-d]   # installed, in no pool
initiator:
  host: kvm
  iqn: iqn.2024-01.lab.example:initiator01
luns:
  - name: test01
    target: iqn.2003-01.org.linux-iscsi.lab:test01
    lun: 0
    zvol: storage/iscsi-test01
    backstore: lun01
  - name: test02
    target: iqn.2003-01.org.linux-iscsi.lab:test02
    lun: 0
    zvol: storage/iscsi-test02
    backstore: lun02
    portal: 192.0.2.65:3260
arrays:
  - name: md1
    host: kvm
    device: /dev/md1
    level: raid1
    members: [test01, test02]
    mountpoint: /mnt/md1
EOF
}
CFG=$out/lab.yaml
topology "$(ssh_host storage $ssh_port_storage; ssh_host kvm $ssh_port_kvm)" >"$CFG"

# The machines. Each boots its own copy of the image; the storage server also gets the pool's
# four disks (two in the mirror, two spares: s3-pool-disk and m-watch each pull one), each with a serial (its /dev/disk/by-id name) and
# a qemu id, so a disk can be pulled out from under the guest through qemu's monitor. Cards: a management card (qemu user networking, isolated from everything but its
# ssh port forward) and one per storage link, found in the guest by MAC address.
cp --sparse=always "$W/root.raw" "$W/storage.raw"
cp --sparse=always "$W/root.raw" "$W/kvm.raw"
rm -f "$W"/lun0?.raw "$W"/pool-?.raw
for d in pool-a pool-b pool-c pool-d; do truncate -s 2G "$W/$d.raw"; done
machine() {  # ROLE SSH_PORT MONITOR_PORT LINK_A_LOCAL LINK_A_PEER LINK_B_LOCAL LINK_B_PEER HOST_OCTET_A HOST_OCTET_B DISKS...
  local role=$1 sp=$2 mp=$3 al=$4 ap=$5 bl=$6 bp=$7 oa=$8 ob=$9
  shift 9
  local n; [ "$role" = storage ] && n=1 || n=2
  local nics="52:54:00:00:0$n:01=10.0.2.15/24,52:54:00:00:0$n:0a=192.0.2.$oa/26,52:54:00:00:0$n:0b=192.0.2.$ob/26"
  # Every disk an explicit device, the root first: qemu adds if=virtio drives after all
  # -device ones, so the root would not be vda.
  local drives=()
  for d in "$@"; do
    local id; id=$(basename "$d" .raw)
    drives+=(-drive "file=$d,format=raw,if=none,id=drive-$id,cache=unsafe"
      -device "virtio-blk-pci,drive=drive-$id,id=$id,serial=$id")
  done
  timeout "${LAB_TIMEOUT:-6000}" qemu-system-x86_64 -nodefaults -accel tcg -cpu max -smp 1 -m 1024 -name "$role" \
    -display none -serial "file:$out/$role/serial.log" -no-reboot \
    -monitor "tcp:127.0.0.1:$mp,server=on,wait=off" \
    -kernel "$W/vmlinuz" -initrd "$W/initrd.img" \
    -append "console=ttyS0 root=/dev/vda rw init=/lab/init panic=-1 quiet log_buf_len=4M mitigations=off lab.role=$role lab.nics=$nics" \
    -drive "file=$W/$role.raw,format=raw,if=none,id=drive-root,cache=unsafe" \
    -device virtio-blk-pci,drive=drive-root,id=root "${drives[@]}" \
    -netdev "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:$sp-:22" \
    -device "virtio-net-pci,netdev=mgmt,mac=52:54:00:00:0$n:01" \
    -netdev "socket,id=linkA,udp=127.0.0.1:$ap,localaddr=127.0.0.1:$al" \
    -device "virtio-net-pci,netdev=linkA,id=nicA,mac=52:54:00:00:0$n:0a" \
    -netdev "socket,id=linkB,udp=127.0.0.1:$bp,localaddr=127.0.0.1:$bl" \
    -device "virtio-net-pci,netdev=linkB,id=nicB,mac=52:54:00:00:0$n:0b" \
    -virtfs "local,path=$out,mount_tag=out,security_model=none,id=out" \
    </dev/null >"$out/$role/qemu.log" 2>&1
}
t_boot=$(date +%s)
pids=()
machine storage $ssh_port_storage $mon_storage $link_a_storage $link_a_kvm $link_b_storage $link_b_kvm 1 65 \
  "$W/pool-a.raw" "$W/pool-b.raw" "$W/pool-c.raw" "$W/pool-d.raw" &
pids+=($!)
machine kvm $ssh_port_kvm $mon_kvm $link_a_kvm $link_a_storage $link_b_kvm $link_b_storage 2 66 &
pids+=($!)
followers=()
finish() {
  for p in "${followers[@]}"; do kill "$p" 2>/dev/null || true; done
  for m in storage kvm; do ssh -O exit -o ControlPath="$K/cm-$m" x 2>/dev/null || true; done
  monitor storage quit; monitor kvm quit
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap finish EXIT

# qemu's human monitor, one command per connection.
monitor() {  # ROLE COMMAND
  local port; [ "$1" = storage ] && port=$mon_storage || port=$mon_kvm
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 0
  printf '%s\n' "$2" >&3
  timeout 2 head -c 4096 <&3 >/dev/null 2>&1 || true
  exec 3>&-
}
# A command on a lab machine, over one SSH connection per machine kept open for the run.
on() {  # ROLE COMMAND...
  local port; [ "$1" = storage ] && port=$ssh_port_storage || port=$ssh_port_kvm
  local m=$1
  shift
  ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$K/known_hosts" \
    -o IdentitiesOnly=yes -i "$K/client" -o ControlMaster=auto -o ControlPath="$K/cm-$m" -o ControlPersist=3600 \
    -o ConnectTimeout=10 -p "$port" root@127.0.0.1 "$@"
}
lab() { local m=$1; shift; on "$m" bash /out/lab.sh "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

echo "== booting the two lab machines (TCG; about 25 minutes for all scenarios); logs in $out/{storage,kvm}/"
for m in storage kvm; do
  i=0
  until grep -q "LAB-MARK ready" "$out/$m/serial.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then echo "== $m did not come up in 120 s; see $out/$m/serial.log"; exit 1; fi
    sleep 0.2
  done
done
echo "== both machines up in $(($(date +%s) - t_boot)) s; setting the stack up"
t_setup=$(now)
ZFS_VERSION=$(lab storage storage_setup | tail -1)
# The LUNs as an admin makes them: stackdr, from here over SSH (zvol, backstore, target, LUN,
# ACL, saved configuration).
for l in test01:512M test02:512M boot01:64M; do  # boot01: the VM's boot disk, not mirrored
  "$SD" lun create "${l%%:*}" --size "${l#*:}" --config "$CFG" --yes --state-dir "$out/state" >>"$out/lun-create.txt" 2>&1 ||
    { echo "== stackdr lun create ${l%%:*} failed; see $out/lun-create.txt"; exit 1; }
done
rm -rf "$out/state"/*
lab storage storage_pin_portals
read -r D1 D2 ARRAY_BYTES < <(lab kvm kvm_setup)
echo "== stack up in $(since "$t_setup") s: OpenZFS $ZFS_VERSION, md1 over $D1 $D2, $ARRAY_BYTES bytes"
lab storage capture clean
lab kvm capture clean
# mdadm --monitor's events, stamped with this machine's clock as they arrive.
on kvm tail -n0 -F /tmp/mdadm-monitor.events 2>/dev/null |
  while read -r l; do echo "$(now) $l"; done >"$out/mdadm-monitor.events" &
followers+=($!)
# zed's events (the lab's zedlet), stamped here the same way: ZFS's own event daemon, timed
# beside stackdr's.
on storage tail -n0 -F /tmp/zed.events 2>/dev/null |
  while read -r l; do echo "$(now) $l"; done >"$out/zed.events" &
followers+=($!)
"$SD" status --config "$CFG" >"$out/status.clean.txt" 2>&1 || true

set +e  # a scenario that fails is reported in its line; the others still run
. "$here/scenarios.sh"

for NAME in $scen; do
  echo "LAB-LOG $(date +%T) === $NAME" >>"$out/run.log"
  run_scenario "$NAME"
done
on kvm dmesg >"$out/kvm/dmesg.txt" || true
on storage dmesg >"$out/storage/dmesg.txt" || true
echo "== machines ran $(($(date +%s) - t_boot)) s"

pass=0 fail=0 n=0
for s in $scen; do
  case $s in m-*) continue ;; esac
  n=$((n + 1))
  line=$(grep '"scenario"' "$out/results.jsonl" 2>/dev/null | sed -n "${n}p" || true)
  if [ -z "$line" ]; then
    echo "{\"scenario_name\":\"$s\",\"recovered\":false,\"error\":\"no result (see $out/run.log)\"}"
    fail=$((fail + 1))
    continue
  fi
  echo "$line"
  if [ "$(jq -r '.detected and .recovered and .data_intact and .bundles_match' <<<"$line")" = true ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done
grep '"measure"' "$out/results.jsonl" 2>/dev/null || true
if [ "${LAB_SAVE:-0}" = 1 ]; then
  dest=$repo/tests/lab_captures/$(date +%F)
  mkdir -p "$dest/bundles"
  for f in "$out"/captures/*; do
    b=$(basename "$f")  # STATE[.fault|.recovered].KIND.EXT → KIND.STATE.EXT
    ext=${b##*.}
    IFS=. read -r -a parts <<<"${b%.*}"
    kind=${parts[${#parts[@]}-1]}
    state=$(IFS=.; echo "${parts[*]:0:${#parts[@]}-1}")
    cp "$f" "$dest/$kind.$state.$ext"
  done
  cp "$out"/bundles/*.tar.gz "$dest/bundles/"
  cp "$out/kvm/dmesg.txt" "$dest/dmesg.run.txt"
  cp "$out/results.jsonl" "$dest/results.jsonl"
  echo "== captures and bundles saved in $dest"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
