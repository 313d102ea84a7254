#!/bin/bash
# Runs inside the lab guest (from the 9p share /out). Sets the stack up as lab-recipe.md does —
# LIO exporting two LUNs as two targets, test01 on 127.0.0.1:3260 and test02 on its own portal
# 127.0.0.2:3260 (so one leg's network can be cut alone), open-iscsi logged in to both, MD
# RAID1 with an internal bitmap over the two iSCSI disks, ext4 (errors=remount-ro) mounted on
# /mnt/md1 with data of known checksum —
# then, for each scenario named on the kernel command line (lab.scenarios=a,b,...), injects the
# fault for real, times stackdr's detection, runs `stackdr recover --yes`, waits for [UU] and
# checks sessions and data. One JSON line per scenario goes to /out/results.jsonl.
set -u
OUT=/out
SD=/tmp/stackdr  # copied off the 9p share once: every run would page it in over 9p
cp /out/stackdr $SD
CFG=/out/lab.yaml
RES=$OUT/results.jsonl
CAP=$OUT/captures
mkdir -p $CAP
: > $RES
IQN1=iqn.2003-01.org.linux-iscsi.lab:test01
IQN2=iqn.2003-01.org.linux-iscsi.lab:test02
INI=iqn.2024-01.lab.example:initiator01
P1=127.0.0.1:3260
P2=127.0.0.2:3260
BP1=/dev/disk/by-path/ip-$P1-iscsi-$IQN1-lun-0
BP2=/dev/disk/by-path/ip-$P2-iscsi-$IQN2-lun-0
SCEN=s1-lun,s1-backstore,s1-logout,s2-leg,s2-target,s4-events,s5-fs,s2-all,s4-superblock,m-sweep,m-resync,m-stall
for a in $(cat /proc/cmdline); do case $a in lab.scenarios=*) SCEN=${a#lab.scenarios=};; esac; done

log() { echo "LAB-LOG $(date +%T) $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
wait_bypath() { local i=0; while [ ! -e "$1" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; udevadm settle; [ -e "$1" ]; }
degraded() { grep -A1 '^md1' /proc/mdstat | grep -q '\[U_\]\|\[_U\]'; }
wait_degraded() { local i=0; while ! degraded && [ $i -lt $(( $1 * 5 )) ]; do sleep 0.2; i=$((i+1)); done; degraded; }
logged_in() { iscsiadm -m session -P 1 2>/dev/null | grep -c 'iSCSI Session State: LOGGED_IN'; }
capture() { # NAME: the state stackdr saw, for the parser tests (mdadm can hang while a session recovers: P8)
  local n=$1
  cat /proc/mdstat > $CAP/$n.mdstat.txt
  timeout 10 mdadm --detail /dev/md1 > $CAP/$n.mdadm-detail.txt 2>&1
  timeout 10 iscsiadm -m session -P 3 > $CAP/$n.iscsiadm-session-P3.txt 2>&1
  # targetcli ls (Python: ~5 s under TCG) for the clean state only: stackdr reads configfs
  [ "$n" = clean ] && timeout 20 targetcli ls > $CAP/$n.targetcli-ls.txt 2>&1
  # LIO as stackdr reads it: configfs itself (the argv of probe_argv::lio_configfs_*)
  find /sys/kernel/config/target -mindepth 1 \( -name attrib -o -name param -o -name auth -o -name statistics \
    -o -name fabric_statistics -o -name alua -o -name pr -o -name discovery_auth -o -name wwn \) -prune \
    -o \( -type d -o -type l \) -printf '%y %P\t%l\n' > $CAP/$n.lio-tree.txt 2>&1
  grep -rs --include=udev_path --include=enable --include=vpd_unit_serial '' /sys/kernel/config/target > $CAP/$n.lio-values.txt 2>&1
  timeout 10 lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN > $CAP/$n.lsblk.json 2>&1
}
# nftables on lo: drop everything to and from a portal's address (ping too), as a cut cable does
nft add table inet lab
nft add chain inet lab out '{ type filter hook output priority 0; }'
block() { for ip in "$@"; do nft add rule inet lab out ip daddr $ip drop; nft add rule inet lab out ip saddr $ip drop; done; }
unblock() { nft flush chain inet lab out; }
session_up() { iscsiadm -m session -P 1 2>/dev/null | grep -A3 "Target: $1 " | grep -q 'iSCSI Session State: LOGGED_IN'; }

log "setup"
modprobe configfs; mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
modprobe -a target_core_mod target_core_iblock target_core_file iscsi_target_mod iscsi_tcp md_mod raid1
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add; udevadm settle
mkdir -p /run/lock/iscsi; iscsid; sleep 1
mkdir -p /run/dbus; dbus-uuidgen --ensure; dbus-daemon --system --fork
# LIO: two backstores, two targets, a portal each, LUN 0 and the initiator's ACL, saved where
# targetcli saveconfig and targetctl restore keep it. One rtslib process instead of fourteen
# targetcli runs: each one starts Python afresh, seconds apiece under TCG.
python3 - $IQN1 $IQN2 $INI <<'EOPY'
import sys
from rtslib_fb import RTSRoot, FabricModule, BlockStorageObject, Target, TPG, NetworkPortal, LUN, NodeACL, MappedLUN
iqns, ini = sys.argv[1:3], sys.argv[3]
iscsi = FabricModule("iscsi")
for n, iqn in enumerate(iqns, 1):
    so = BlockStorageObject("lun0%d" % n, dev="/dev/vd" + "bc"[n - 1])
    tpg = TPG(Target(iscsi, iqn), 1)
    NetworkPortal(tpg, "127.0.0.%d" % n, 3260)
    lun = LUN(tpg, 0, so)
    MappedLUN(NodeACL(tpg, ini), 0, lun)
    tpg.set_attribute("authentication", "0")
    tpg.enable = True
RTSRoot().save_to_file()
EOPY
iscsiadm -m discovery -t sendtargets -p $P1 >/dev/null
iscsiadm -m discovery -t sendtargets -p $P2 >/dev/null
iscsiadm -m node -o update -n node.session.timeo.replacement_timeout -v 15
iscsiadm -m node -T $IQN1 -p $P1 --login >/dev/null
iscsiadm -m node -T $IQN2 -p $P2 --login >/dev/null
wait_bypath $BP1; wait_bypath $BP2
D1=$(readlink -f $BP1); D2=$(readlink -f $BP2)
# --assume-clean: both LUNs are fresh zero files, already identical; no initial resync
yes | mdadm --create /dev/md1 --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal $D1 $D2 >/dev/null 2>&1
mdadm --wait /dev/md1
ARRAY_BYTES=$(( $(cat /sys/block/md1/size) * 512 ))
mkfs.ext4 -q -e remount-ro -E lazy_itable_init=0,lazy_journal_init=0 /dev/md1
mkdir -p /mnt/md1; mount /dev/md1 /mnt/md1
dd if=/dev/urandom of=/tmp/rand16 bs=1M count=16 status=none
for i in 1 2 3 4; do cp /tmp/rand16 /mnt/md1/base$i; done; sync
(cd /mnt/md1 && sha256sum base*) > /tmp/base.sha
log "setup done: $D1 $D2, md1 $ARRAY_BYTES bytes"
capture clean
# mdadm --monitor beside stackdr, for the detection-latency comparison: it logs each event.
cat > /tmp/mdevent.sh <<'EOS'
#!/bin/sh
echo "$(date +%s.%N) $1 $2 ${3:-}" >> /tmp/mdadm-monitor.events
EOS
chmod +x /tmp/mdevent.sh
mdadm --monitor --scan --daemonise --delay=1 --program=/tmp/mdevent.sh --pid-file=/run/mdadm-monitor.pid >/dev/null 2>&1
touch /tmp/mdadm-monitor.events
$SD status --config $CFG > $OUT/status.clean.txt 2>&1; echo "status exit $?" >> $OUT/status.clean.txt

# detect T0: poll stackdr diagnose (its sweep) until it names something; sets DETECT_S, DIAG.
# T0 is when the fault is in place: taken after the injecting command returned (targetcli
# needs seconds to start; the fault exists only once it has run).
detect() {
  local t0=$1 i=0
  DIAG='{"scenario":0,"cause":""}'
  while [ $i -lt 300 ] && [ "$(since $t0 | cut -d. -f1)" -lt 120 ]; do  # give up after 2 minutes
    local j; j=$($SD diagnose --config $CFG --json 2>/dev/null)
    local f; f=$(printf '%s' "$j" | grep -o '"scenario": [0-9]*' | head -1 | grep -o '[0-9]*')
    if [ -n "$f" ]; then
      local c; c=$(printf '%s' "$j" | grep -o '"cause": "[^"]*"' | head -1 | cut -d'"' -f4)
      DIAG="{\"scenario\":$f,\"cause\":\"$c\"}"
      DETECT_S=$(since $t0)
      printf '%s\n' "$j" > $OUT/diagnose.$NAME.json
      return 0
    fi
    i=$((i+1))
  done
  DETECT_S=null
  return 1
}

# seconds from $1 to mdadm --monitor's first event after it (null if none within $2 s, default 20)
monitor_latency() {
  local t0=$1 i=0 ev
  while [ $i -lt $(( ${2:-20} * 5 + 1 )) ]; do
    ev=$(awk -v t="$t0" '$1 > t {print $1; exit}' /tmp/mdadm-monitor.events)
    if [ -n "$ev" ]; then awk -v a="$t0" -v b="$ev" 'BEGIN{printf "%.2f", b-a}'; return; fi
    sleep 0.2; i=$((i+1))
  done
  echo null
}

# recover and verify; prints the JSON line. WAIT_DEGRADED=0: recover at once (a fault stackdr
# can fix before md notices it, e.g. the target service restored within the session timeout).
recover_and_verify() {
  local n=$1 num=$2 fault=$3 detected=$4 t0fault=$5
  [ "${WAIT_DEGRADED:-1}" = 1 ] && grep -q '^md1 : active' /proc/mdstat && wait_degraded 60
  local mon; if [ "${WAIT_DEGRADED:-1}" = 1 ]; then mon=$(monitor_latency $t0fault); else mon=$(monitor_latency $t0fault 0); fi
  capture $n.fault
  local dirty chunk
  dirty=$(mdadm -X $D1 2>/dev/null | grep -o '[0-9]* dirty' | grep -o '[0-9]*')
  chunk=$(mdadm -X $D1 2>/dev/null | awk '/Chunksize/ {print $3, $4}')
  local resyncs_before; resyncs_before=$(dmesg | grep -c 'md: recovery of RAID array md1')
  local t0; t0=$(now)
  $SD recover --config $CFG --yes --state-dir /tmp/stackdr-state > $OUT/recover.$n.txt 2>&1
  local rc=$?
  local rec_s; rec_s=$(since $t0)
  wait  # the scenario's background writer and network restore
  mdadm --wait /dev/md1 2>/dev/null
  local uu=false; grep -A1 '^md1' /proc/mdstat | grep -q '\[UU\]' && uu=true
  local sessions; sessions=$(logged_in)
  local rw=false; grep -q ' /mnt/md1 ext4 rw' /proc/mounts && rw=true
  mountpoint -q /mnt/md1 || mount /dev/md1 /mnt/md1 2>/dev/null
  echo 3 > /proc/sys/vm/drop_caches  # read the data back from the disks, not the page cache
  local intact=false; (cd /mnt/md1 2>/dev/null && sha256sum -c --quiet /tmp/base.sha >/dev/null 2>&1) && intact=true
  capture $n.recovered
  local bytes=null cbytes
  case "$chunk" in *MB) cbytes=$(( ${chunk%% *} * 1048576 ));; *KB) cbytes=$(( ${chunk%% *} * 1024 ));; *) cbytes=0;; esac
  if grep -q -- '--re-add' $OUT/recover.$n.txt && ! grep -q -- ' --add ' $OUT/recover.$n.txt; then
    [ -n "$dirty" ] && bytes=$(( dirty * cbytes ))
  elif grep -q -- ' --add ' $OUT/recover.$n.txt; then bytes=$ARRAY_BYTES
  elif [ "$(dmesg | grep -c 'md: recovery of RAID array md1')" = "$resyncs_before" ]; then bytes=0; fi  # md copied nothing
  local bbl; bbl=$(cat /sys/block/md1/md/dev-*/bad_blocks 2>/dev/null | wc -l)
  local ok=false; [ $rc = 0 ] && [ $uu = true ] && [ "$sessions" = 2 ] && [ $intact = true ] && [ $rw = true ] && ok=true
  printf '{"scenario":%s,"fault":"%s","detected":%s,"detect_s":%s,"diagnosis":%s,"mdadm_monitor_s":%s,"recovered":%s,"recover_exit":%s,"recover_s":%s,"bytes_resynced":%s,"array_bytes":%s,"array_uu":%s,"sessions_logged_in":%s,"fs_rw":%s,"bad_block_entries":%s,"data_intact":%s}\n' \
    "$num" "$fault" "$detected" "$DETECT_S" "$DIAG" "$mon" "$ok" "$rc" "$rec_s" "$bytes" "$ARRAY_BYTES" "$uu" "$sessions" "$rw" "$bbl" "$intact" | tee -a $RES
  rm -rf /tmp/stackdr-state
}

# Takes test02 out and puts it back by hand (measurements only; not stackdr's recovery).
leg2_out_and_back() {  # $1: re-add | full
  iscsiadm -m node -T $IQN2 -p $P2 --logout >/dev/null
  cp /tmp/rand16 /mnt/md1/m-$1; sync   # the same 16 MiB written while the leg is away
  wait_degraded 30
  iscsiadm -m node -T $IQN2 -p $P2 --login >/dev/null; wait_bypath $BP2; D2=$(readlink -f $BP2)
  mdadm /dev/md1 --remove failed >/dev/null 2>&1; mdadm /dev/md1 --remove detached >/dev/null 2>&1
}
# bytes md has to copy for a bitmap re-add: dirty chunks on the member that stayed
dirty_bytes() {
  local dirty chunk
  dirty=$(mdadm -X $D1 2>/dev/null | grep -o '[0-9]* dirty' | grep -o '[0-9]*')
  chunk=$(mdadm -X $D1 2>/dev/null | awk '/Chunksize/ {print $3, $4}')
  case "$chunk" in *MB) echo $(( dirty * ${chunk%% *} * 1048576 ));; *KB) echo $(( dirty * ${chunk%% *} * 1024 ));; *) echo null;; esac
}
# The same outage (test02 logged out while 16 MiB are written), repaired two ways.
measure_resync() {
  log "measure: re-add vs zero-superblock + add"
  leg2_out_and_back re-add
  local b; b=$(dirty_bytes); local t0; t0=$(now)
  mdadm /dev/md1 --re-add $D2 >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1
  printf '{"measure":"resync","method":"re-add (bitmap)","bytes_resynced":%s,"array_bytes":%s,"seconds_to_UU":%s}\n' "$b" "$ARRAY_BYTES" "$(since $t0)" | tee -a $RES
  leg2_out_and_back full
  t0=$(now)
  mdadm --zero-superblock $D2 >/dev/null 2>&1; mdadm /dev/md1 --add $D2 >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1
  printf '{"measure":"resync","method":"zero-superblock + add (runbook)","bytes_resynced":%s,"array_bytes":%s,"seconds_to_UU":%s}\n' "$ARRAY_BYTES" "$ARRAY_BYTES" "$(since $t0)" | tee -a $RES
}
# How long one O_DIRECT write to the array hangs when test02's network is cut, per timer set.
stall_run() {  # label replacement_timeout noop_interval noop_timeout failfast(0/1)
  local label=$1 rt=$2 ni=$3 nt=$4 ff=$5
  log "measure: write stall, $label"
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n node.session.timeo.replacement_timeout -v $rt
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n 'node.conn[0].timeo.noop_out_interval' -v $ni
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n 'node.conn[0].timeo.noop_out_timeout' -v $nt
  leg2_out_and_back stall-$label   # a fresh login picks the timers up
  mdadm /dev/md1 --re-add $D2 >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1
  [ $ff = 1 ] && echo failfast > /sys/block/md1/md/dev-$(basename $D2)/state
  sync; sleep 2
  block 127.0.0.2
  local t0; t0=$(now)
  timeout 400 dd if=/tmp/rand16 of=/mnt/md1/stall-$label bs=4k count=1 oflag=direct conv=fsync status=none
  local rc=$? stall; stall=$(since $t0)
  unblock
  local i=0; while ! session_up $IQN2 && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
  printf '{"measure":"write-stall","timers":"%s","replacement_timeout":%s,"noop_out_interval":%s,"noop_out_timeout":%s,"md_failfast":%s,"write_exit":%s,"stall_s":%s}\n' "$label" $rt $ni $nt $ff $rc "$stall" | tee -a $RES
  wait_degraded 30; mdadm /dev/md1 --remove failed >/dev/null 2>&1; D2=$(readlink -f $BP2)
  mdadm /dev/md1 --re-add $D2 >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1
}
# What one stackdr sweep costs in this guest, and which reads take longest.
measure_sweep() {
  log "measure: sweep"
  for i in 1 2 3; do
    local t0; t0=$(now)
    $SD status --config $CFG --json > /tmp/sweep.json 2>/dev/null
    local s; s=$(since $t0)
    python3 - "$s" /tmp/sweep.json <<'EOPY' | tee -a $RES
import json, sys
j = json.load(open(sys.argv[2]))
src = sorted(j["sweep"]["sources"], key=lambda x: -x["ms"])
print(json.dumps({"measure": "sweep", "process_s": float(sys.argv[1]), "sweep_ms": j["sweep"]["ms"],
                  "reads": len(src), "slowest": [[x["source"], x["ms"]] for x in src[:4]]}))
EOPY
  done
}
measure_stall() {
  stall_run recommended 5 2 2 1
  stall_run open-iscsi-default 120 5 5 0
}

for NAME in ${SCEN//,/ }; do
  log "=== $NAME"
  case $NAME in
    s1-lun)
      targetcli /iscsi/$IQN2/tpg1/luns delete lun0 >/dev/null; t0=$(now)
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "LUN unmapped from the TPG" $d $t0 ;;
    s1-backstore)
      targetcli /backstores/block delete lun02 >/dev/null; t0=$(now)
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "backstore deleted" $d $t0 ;;
    s1-logout)
      iscsiadm -m node -T $IQN2 -p $P2 --logout >/dev/null; t0=$(now)
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "session logged out" $d $t0 ;;
    s2-leg)
      t0=$(now); block 127.0.0.2
      (sleep 45; unblock) &   # the cable is back after 45 s: longer than NOP-Out 10 s + replacement_timeout 15 s
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &
      if detect $t0; then d=true; else d=false; fi
      recover_and_verify $NAME 2 "one leg's portal unreachable (127.0.0.2 dropped)" $d $t0 ;;
    s2-all)
      t0=$(now); block 127.0.0.1 127.0.0.2
      (sleep 45; unblock) &   # both legs gone for 45 s: md keeps the last leg, marks the array broken
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &
      if detect $t0; then d=true; else d=false; fi
      recover_and_verify $NAME 2 "whole storage network lost (both portals dropped)" $d $t0 ;;
    s2-target)
      targetctl clear; t0=$(now)   # what stopping target.service does to configfs
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &
      if detect $t0; then d=true; else d=false; fi
      WAIT_DEGRADED=0 recover_and_verify $NAME 2 "target service stopped (configfs cleared)" $d $t0 ;;
    s4-events)
      umount /mnt/md1; mdadm --stop /dev/md1 >/dev/null 2>&1
      mdadm --assemble /dev/md1 --run $D1 >/dev/null 2>&1   # test01 alone: test02 falls behind
      mount /dev/md1 /mnt/md1; cp /tmp/rand16 /mnt/md1/$NAME; sync; umount /mnt/md1
      mdadm --stop /dev/md1 >/dev/null 2>&1
      mdadm --assemble /dev/md1 $D1 $D2 > $OUT/assemble.$NAME.txt 2>&1; t0=$(now)
      mount /dev/md1 /mnt/md1
      if detect $t0; then d=true; else d=false; fi
      WAIT_DEGRADED=0 recover_and_verify $NAME 4 "members assembled with a stale event count" $d $t0 ;;
    s5-fs)
      # An ext4 error with errors=remount-ro: Linux 6.1 stops writes but /proc/mounts still
      # says rw; stackdr reads the kernel log's "Remounting filesystem read-only".
      t0=$(now); echo 1 > /sys/fs/ext4/md1/trigger_fs_error
      if detect $t0; then d=true; else d=false; fi
      WAIT_DEGRADED=0 recover_and_verify $NAME 5 "the array's filesystem went read-only" $d $t0 ;;
    m-resync) measure_resync ;;
    m-stall) measure_stall ;;
    m-sweep) measure_sweep ;;
    s4-superblock)
      umount /mnt/md1; mdadm --stop /dev/md1 >/dev/null 2>&1
      dd if=/dev/zero of=$D2 bs=4096 seek=1 count=1 conv=notrunc status=none; sync
      mdadm --assemble /dev/md1 $D1 $D2 > $OUT/assemble.$NAME.txt 2>&1; t0=$(now)
      if detect $t0; then d=true; else d=false; fi
      WAIT_DEGRADED=0 recover_and_verify $NAME 4 "member superblock overwritten" $d $t0 ;;
    *) log "unknown scenario $NAME" ;;
  esac
  D1=$(readlink -f $BP1); D2=$(readlink -f $BP2)
done
dmesg > $OUT/dmesg.txt
