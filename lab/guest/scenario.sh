#!/bin/bash
# Runs inside the lab guest (from the 9p share /out). Sets the stack up as lab-recipe.md does —
# LIO exporting two LUNs as two targets on 127.0.0.1:3260, open-iscsi logged in to both, MD
# RAID1 with an internal bitmap over the two iSCSI disks, ext4 with data of known checksum —
# then, for each scenario named on the kernel command line (lab.scenarios=a,b,...), injects the
# fault for real, times stackdr's detection, runs `stackdr recover --yes`, waits for [UU] and
# checks sessions and data. One JSON line per scenario goes to /out/results.jsonl.
set -u
OUT=/out
SD=/out/stackdr
CFG=/out/lab.yaml
RES=$OUT/results.jsonl
CAP=$OUT/captures
mkdir -p $CAP
: > $RES
IQN1=iqn.2003-01.org.linux-iscsi.lab:test01
IQN2=iqn.2003-01.org.linux-iscsi.lab:test02
INI=iqn.2024-01.lab.example:initiator01
PORTAL=127.0.0.1:3260
BP1=/dev/disk/by-path/ip-$PORTAL-iscsi-$IQN1-lun-0
BP2=/dev/disk/by-path/ip-$PORTAL-iscsi-$IQN2-lun-0
SCEN=s1-lun,s1-backstore,s1-logout,s4-superblock
for a in $(cat /proc/cmdline); do case $a in lab.scenarios=*) SCEN=${a#lab.scenarios=};; esac; done

log() { echo "LAB-LOG $(date +%T) $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
wait_bypath() { local i=0; while [ ! -e "$1" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; udevadm settle; [ -e "$1" ]; }
degraded() { grep -A1 '^md1' /proc/mdstat | grep -q '\[U_\]\|\[_U\]'; }
wait_degraded() { local i=0; while ! degraded && [ $i -lt $(( $1 * 5 )) ]; do sleep 0.2; i=$((i+1)); done; degraded; }
logged_in() { iscsiadm -m session -P 1 2>/dev/null | grep -c 'iSCSI Session State: LOGGED_IN'; }
capture() { # NAME: the state stackdr saw, for the parser tests
  local n=$1
  cat /proc/mdstat > $CAP/$n.mdstat.txt
  mdadm --detail /dev/md1 > $CAP/$n.mdadm-detail.txt 2>&1
  iscsiadm -m session -P 3 > $CAP/$n.iscsiadm-session-P3.txt 2>&1
  targetcli ls > $CAP/$n.targetcli-ls.txt 2>&1
  lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN > $CAP/$n.lsblk.json 2>&1
}

log "setup"
modprobe configfs; mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
modprobe -a target_core_mod target_core_iblock target_core_file iscsi_target_mod iscsi_tcp md_mod raid1
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add; udevadm settle
mkdir -p /run/lock/iscsi; iscsid; sleep 1
mkdir -p /run/dbus; dbus-uuidgen --ensure; dbus-daemon --system --fork
targetcli set global auto_add_default_portal=false >/dev/null
targetcli /backstores/block create name=lun01 dev=/dev/vdb >/dev/null
targetcli /backstores/block create name=lun02 dev=/dev/vdc >/dev/null
for n in 1 2; do
  eval IQN=\$IQN$n
  targetcli /iscsi create $IQN >/dev/null
  targetcli /iscsi/$IQN/tpg1/portals create 127.0.0.1 3260 >/dev/null
  targetcli /iscsi/$IQN/tpg1/luns create /backstores/block/lun0$n >/dev/null
  targetcli /iscsi/$IQN/tpg1/acls create $INI >/dev/null
  targetcli /iscsi/$IQN/tpg1 set attribute authentication=0 >/dev/null
done
targetcli saveconfig >/dev/null
iscsiadm -m discovery -t sendtargets -p $PORTAL >/dev/null
iscsiadm -m node -o update -n node.session.timeo.replacement_timeout -v 15
iscsiadm -m node -T $IQN1 -p $PORTAL --login >/dev/null
iscsiadm -m node -T $IQN2 -p $PORTAL --login >/dev/null
wait_bypath $BP1; wait_bypath $BP2
D1=$(readlink -f $BP1); D2=$(readlink -f $BP2)
yes | mdadm --create /dev/md1 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal $D1 $D2 >/dev/null 2>&1
mdadm --wait /dev/md1
ARRAY_BYTES=$(( $(cat /sys/block/md1/size) * 512 ))
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 /dev/md1
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

# detect SCENARIO: poll stackdr diagnose (its sweep) until it names something; sets DETECT_S, DIAG
detect() {
  local t0=$1 i=0
  DIAG='{"scenario":0,"cause":""}'
  while [ $i -lt 300 ]; do
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

# seconds from $1 to mdadm --monitor's first event after it (null if none within 20 s)
monitor_latency() {
  local t0=$1 i=0 ev
  while [ $i -lt 100 ]; do
    ev=$(awk -v t="$t0" '$1 > t {print $1; exit}' /tmp/mdadm-monitor.events)
    if [ -n "$ev" ]; then awk -v a="$t0" -v b="$ev" 'BEGIN{printf "%.2f", b-a}'; return; fi
    sleep 0.2; i=$((i+1))
  done
  echo null
}

# recover and verify; prints the JSON line
recover_and_verify() {
  local n=$1 num=$2 fault=$3 detected=$4 t0fault=$5
  grep -q '^md1 : active' /proc/mdstat && wait_degraded 60
  local mon; mon=$(monitor_latency $t0fault)
  capture $n.fault
  local dirty chunk
  dirty=$(mdadm -X $D1 2>/dev/null | grep -o '[0-9]* dirty' | grep -o '[0-9]*')
  chunk=$(mdadm -X $D1 2>/dev/null | awk '/Chunksize/ {print $3, $4}')
  local t0; t0=$(now)
  $SD recover --config $CFG --yes --state-dir /tmp/stackdr-state > $OUT/recover.$n.txt 2>&1
  local rc=$?
  local rec_s; rec_s=$(since $t0)
  mdadm --wait /dev/md1 2>/dev/null
  local uu=false; grep -A1 '^md1' /proc/mdstat | grep -q '\[UU\]' && uu=true
  local sessions; sessions=$(logged_in)
  mountpoint -q /mnt/md1 || mount /dev/md1 /mnt/md1 2>/dev/null
  local intact=false; (cd /mnt/md1 2>/dev/null && sha256sum -c --quiet /tmp/base.sha >/dev/null 2>&1) && intact=true
  capture $n.recovered
  local bytes=null cbytes
  case "$chunk" in *MB) cbytes=$(( ${chunk%% *} * 1048576 ));; *KB) cbytes=$(( ${chunk%% *} * 1024 ));; *) cbytes=0;; esac
  if grep -q -- '--re-add' $OUT/recover.$n.txt && ! grep -q -- ' --add ' $OUT/recover.$n.txt; then
    [ -n "$dirty" ] && bytes=$(( dirty * cbytes ))
  elif grep -q -- ' --add ' $OUT/recover.$n.txt; then bytes=$ARRAY_BYTES; fi
  local ok=false; [ $rc = 0 ] && [ $uu = true ] && [ "$sessions" = 2 ] && [ $intact = true ] && ok=true
  printf '{"scenario":%s,"fault":"%s","detected":%s,"detect_s":%s,"diagnosis":%s,"mdadm_monitor_s":%s,"recovered":%s,"recover_exit":%s,"recover_s":%s,"bytes_resynced":%s,"array_bytes":%s,"array_uu":%s,"sessions_logged_in":%s,"data_intact":%s}\n' \
    "$num" "$fault" "$detected" "$DETECT_S" "$DIAG" "$mon" "$ok" "$rc" "$rec_s" "$bytes" "$ARRAY_BYTES" "$uu" "$sessions" "$intact" | tee -a $RES
  rm -rf /tmp/stackdr-state
}

for NAME in ${SCEN//,/ }; do
  log "=== $NAME"
  case $NAME in
    s1-lun)
      t0=$(now); targetcli /iscsi/$IQN2/tpg1/luns delete lun0 >/dev/null
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "LUN unmapped from the TPG" $d $t0 ;;
    s1-backstore)
      t0=$(now); targetcli /backstores/block delete lun02 >/dev/null
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "backstore deleted" $d $t0 ;;
    s1-logout)
      t0=$(now); iscsiadm -m node -T $IQN2 -p $PORTAL --logout >/dev/null
      (cp /tmp/rand16 /mnt/md1/$NAME; sync) &   # the VM keeps writing: md fails the leg on it
      if detect $t0; then d=true; else d=false; fi
      wait
      recover_and_verify $NAME 1 "session logged out" $d $t0 ;;
    s4-superblock)
      umount /mnt/md1; mdadm --stop /dev/md1 >/dev/null 2>&1
      t0=$(now); dd if=/dev/zero of=$D2 bs=4096 seek=1 count=1 conv=notrunc status=none; sync
      mdadm --assemble /dev/md1 $D1 $D2 > $OUT/assemble.$NAME.txt 2>&1
      if detect $t0; then d=true; else d=false; fi
      recover_and_verify $NAME 4 "member superblock overwritten" $d $t0 ;;
    *) log "unknown scenario $NAME" ;;
  esac
  D1=$(readlink -f $BP1); D2=$(readlink -f $BP2)
done
dmesg > $OUT/dmesg.txt
