#!/bin/bash
# Runs inside a lab machine, called over SSH by lab/run.sh as `bash /out/lab.sh VERB [ARG...]`:
# what one machine does by itself (setting its layer up, a capture of its state, the checks
# of the array and its data). Faults and timing are run.sh's, from outside both machines.
#   storage machine: OpenZFS with the pool `storage` (a mirror of two virtio disks, a third
#                    unused as the spare) and zed; LIO (made by `stackdr lun create` from
#                    outside) exporting two zvols as two targets, test01 on the portal
#                    192.0.2.1:3260 (storage link A) and test02 on 192.0.2.65:3260 (link B),
#                    an ACL for the KVM host's initiator, saved where targetctl restore reads.
#   KVM machine:     open-iscsi logged in to both, MD RAID1 with an internal bitmap over the two
#                    iSCSI disks, ext4 (errors=remount-ro) on /mnt/md1 with data of known
#                    checksum, mdadm --monitor logging every event it reports.
set -u
IQN1=iqn.2003-01.org.linux-iscsi.lab:test01
IQN2=iqn.2003-01.org.linux-iscsi.lab:test02
INI=iqn.2024-01.lab.example:initiator01
P1=192.0.2.1:3260
P2=192.0.2.65:3260
POOL_A=virtio-pool-a POOL_B=virtio-pool-b POOL_SPARE=virtio-pool-c  # the pool's disks, by id (and virtio-pool-d)
BP1=/dev/disk/by-path/ip-$P1-iscsi-$IQN1-lun-0
BP2=/dev/disk/by-path/ip-$P2-iscsi-$IQN2-lun-0
CAP=/out/captures

wait_bypath() { local i=0; while [ ! -e "$1" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; udevadm settle; [ -e "$1" ]; }
md_active() { grep -q '^md1 : active' /proc/mdstat; }
degraded() { grep -A1 '^md1' /proc/mdstat | grep -q '\[U_\]\|\[_U\]'; }
session_up() { iscsiadm -m session -P 1 2>/dev/null | grep -A3 "Target: $1 " | grep -q 'iSCSI Session State: LOGGED_IN'; }
member1() { readlink -f $BP1; }
member2() { readlink -f $BP2; }

storage_setup() {
  modprobe configfs; mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
  modprobe -a target_core_mod target_core_iblock target_core_file iscsi_target_mod zfs
  /lib/systemd/systemd-udevd --daemon; udevadm trigger --action=add; udevadm settle
  mkdir -p /run/dbus; dbus-uuidgen --ensure; dbus-daemon --system --fork  # targetcli needs it (P1)
  # The pool as the runbook has it: `storage`, a mirror of two whole disks named by id; the
  # other two stay out of it, installed and unused, what Scenario 3 replaces onto.
  zpool create -f -o ashift=12 -o cachefile=none storage mirror /dev/disk/by-id/$POOL_A /dev/disk/by-id/$POOL_B
  zed -p /run/zed.pid  # ZFS's event daemon, as zfs-zed.service runs it
  zfs version | head -1 | sed 's/^zfs-//'
}

# After `stackdr lun create` made the LUNs (zvol, block backstore, target, LUN, ACL, saved):
# each target listens on its own storage link only, so a link lost takes one leg; in the lab the
# portal is the one thing not left as stackdr made it (targetcli's default 0.0.0.0:3260).
storage_pin_portals() {
  python3 - $IQN1 $IQN2 iqn.2003-01.org.linux-iscsi.lab:boot01 <<'EOPY'
import sys
from rtslib_fb import RTSRoot, Target, FabricModule, NetworkPortal
iscsi = FabricModule("iscsi")
iqns = sys.argv[1:4]  # test01, test02, boot01
tpgs = [next(Target(iscsi, iqn, mode="lookup").tpgs) for iqn in iqns]
for tpg in tpgs:  # all first: an address cannot listen while 0.0.0.0 holds the port
    for p in list(tpg.network_portals):
        p.delete()
for tpg, ip in zip(tpgs, ["192.0.2.1", "192.0.2.65", "192.0.2.1"]):
    NetworkPortal(tpg, ip, 3260)
RTSRoot().save_to_file()
EOPY
}

kvm_setup() {
  modprobe -a iscsi_tcp md_mod raid1
  /lib/systemd/systemd-udevd --daemon; udevadm trigger --action=add; udevadm settle
  mkdir -p /run/lock/iscsi; iscsid; sleep 1  # P2
  iscsiadm -m discovery -t sendtargets -p $P1 >/dev/null
  iscsiadm -m discovery -t sendtargets -p $P2 >/dev/null
  iscsiadm -m node -o update -n node.session.timeo.replacement_timeout -v 15
  iscsiadm -m node -T $IQN1 -p $P1 --login >/dev/null
  iscsiadm -m node -T $IQN2 -p $P2 --login >/dev/null
  wait_bypath $BP1 && wait_bypath $BP2 || { echo "iSCSI disks did not appear" >&2; return 1; }
  # --assume-clean: both LUNs are fresh zero files, already identical; no initial resync
  yes | mdadm --create /dev/md1 --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 \
    --bitmap=internal "$(member1)" "$(member2)" >/dev/null 2>&1
  mdadm --wait /dev/md1
  mkfs.ext4 -q -e remount-ro -E lazy_itable_init=0,lazy_journal_init=0 /dev/md1
  mkdir -p /mnt/md1; mount /dev/md1 /mnt/md1
  dd if=/dev/urandom of=/tmp/rand16 bs=1M count=16 status=none
  for i in 1 2 3 4; do cp /tmp/rand16 /mnt/md1/base$i; done; sync
  (cd /mnt/md1 && sha256sum base*) >/tmp/base.sha
  # mdadm --monitor beside stackdr, for the detection-latency comparison: run.sh follows its log.
  printf '#!/bin/sh\necho "$(date +%%s.%%N) $1 $2 ${3:-}" >> /tmp/mdadm-monitor.events\n' >/tmp/mdevent.sh
  chmod +x /tmp/mdevent.sh
  touch /tmp/mdadm-monitor.events
  mdadm --monitor --scan --daemonise --delay=1 --program=/tmp/mdevent.sh --pid-file=/run/mdadm-monitor.pid >/dev/null 2>&1
  echo "$(member1) $(member2) $(( $(cat /sys/block/md1/size) * 512 ))"
}

# The state of one machine, for the parser tests (mdadm can hang while a session recovers: P8).
capture() {  # NAME
  local n=$1
  mkdir -p $CAP
  if [ "$(hostname)" = kvm ]; then
    cat /proc/mdstat >$CAP/$n.mdstat.txt
    # Killed by its timeout, a tool printed nothing that means anything: no file (P8).
    timeout 10 mdadm --detail /dev/md1 >$CAP/$n.mdadm-detail.txt 2>&1 || [ $? != 124 ] || rm $CAP/$n.mdadm-detail.txt
    timeout 10 iscsiadm -m session -P 3 >$CAP/$n.iscsiadm-session-P3.txt 2>&1 || [ $? != 124 ] || rm $CAP/$n.iscsiadm-session-P3.txt
    timeout 10 lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN >$CAP/$n.lsblk.json 2>&1
    # libvirt's view of the VM, once there is one: what stackdr reads (virsh list --all,
    # domblklist) and the state with its reason (a pause on an I/O error).
    if pidof libvirtd >/dev/null && timeout 10 virsh dominfo vm1 >/dev/null 2>&1; then
      timeout 10 virsh list --all >$CAP/$n.virsh-list.txt 2>&1
      timeout 10 virsh domblklist vm1 >$CAP/$n.virsh-domblklist.txt 2>&1
      timeout 10 virsh domstate vm1 --reason >$CAP/$n.virsh-domstate-reason.txt 2>&1
      # What the VM's own kernel said (its console): an I/O error it saw, a remount read-only.
      cp $VMLOG $CAP/$n.vm-console.txt 2>/dev/null
    fi
  else
    # targetcli ls (Python: ~5 s under TCG) for the clean state only: stackdr reads configfs
    [ "$n" = clean ] && timeout 20 targetcli ls >$CAP/$n.targetcli-ls.txt 2>&1
    # LIO as stackdr reads it: configfs itself (the argv of probe_argv::lio_configfs_*)
    find /sys/kernel/config/target -mindepth 1 \( -name attrib -o -name param -o -name auth -o -name statistics \
      -o -name fabric_statistics -o -name alua -o -name pr -o -name discovery_auth -o -name wwn \) -prune \
      -o \( -type d -o -type l \) -printf '%y %P\t%l\n' >$CAP/$n.lio-tree.txt 2>&1
    grep -rs --include=udev_path --include=enable --include=vpd_unit_serial '' /sys/kernel/config/target >$CAP/$n.lio-values.txt 2>&1
    # OpenZFS as stackdr reads it (probe_argv: zpool_status, zfs_get_volumes) and its events.
    zpool status -v storage >$CAP/$n.zpool-status.txt 2>&1
    zfs get -Hp -o name,property,value,source volmode,volsize storage/iscsi-test01 storage/iscsi-test02 \
      >$CAP/$n.zfs-get.txt 2>&1
    zpool events -H >$CAP/$n.zpool-events.txt 2>&1
  fi
}

# After a recovery: waits for md, then prints "UU SESSIONS RW INTACT BAD_BLOCKS RESYNCS".
verify() {
  mdadm --wait /dev/md1 2>/dev/null
  local uu=false rw=false intact=false
  grep -A1 '^md1' /proc/mdstat | grep -q '\[UU\]' && uu=true
  local sessions; sessions=$(iscsiadm -m session -P 1 2>/dev/null | grep -c 'iSCSI Session State: LOGGED_IN')
  grep -q ' /mnt/md1 ext4 rw' /proc/mounts && rw=true
  mountpoint -q /mnt/md1 || mount /dev/md1 /mnt/md1 2>/dev/null
  echo 3 >/proc/sys/vm/drop_caches  # read the data back from the disks, not the page cache
  (cd /mnt/md1 2>/dev/null && sha256sum -c --quiet /tmp/base.sha >/dev/null 2>&1) && intact=true
  local bbl; bbl=$(cat /sys/block/md1/md/dev-*/bad_blocks 2>/dev/null | wc -l)
  echo "$uu $sessions $rw $intact $bbl $(resyncs)"
}
# The pool after a recovery: "HEALTH SPARE_IN_POOL SCRUB_CLEAN" (the spare now holds a side of
# the mirror; the last scan was a scrub that found nothing).
pool_verify() {
  local st spare=false clean=false
  st=$(zpool status storage 2>&1)
  grep -q "virtio-pool-[cd]" <<<"$st" && spare=true
  grep -q 'scan: scrub repaired .* with 0 errors' <<<"$st" && clean=true
  echo "$(zpool list -H -o health storage 2>/dev/null || echo unread) $spare $clean"
}
resyncs() { dmesg | grep -c 'md: recovery of RAID array md1'; }
# Bytes md has to copy for a bitmap re-add: dirty chunks on the member that stayed.
dirty_bytes() {
  local dirty chunk
  dirty=$(mdadm -X "$(member1)" 2>/dev/null | grep -o '[0-9]* dirty' | grep -o '[0-9]*')
  chunk=$(mdadm -X "$(member1)" 2>/dev/null | awk '/Chunksize/ {print $3, $4}')
  case "$chunk" in
    *MB) echo $(( dirty * ${chunk%% *} * 1048576 )) ;;
    *KB) echo $(( dirty * ${chunk%% *} * 1024 )) ;;
    *) echo null ;;
  esac
}
wait_degraded() { local i=0; while ! degraded && [ $i -lt $(( $1 * 5 )) ]; do sleep 0.2; i=$((i+1)); done; degraded; }
# The VM keeps writing: md fails a leg on the first write that cannot reach it.
write() { cp /tmp/rand16 "/mnt/md1/$1"; sync; }

# Takes test02 out and puts it back by hand (measurements only; not stackdr's recovery).
leg2_out_and_back() {  # NAME
  iscsiadm -m node -T $IQN2 -p $P2 --logout >/dev/null
  write "m-$1"
  wait_degraded 30
  iscsiadm -m node -T $IQN2 -p $P2 --login >/dev/null; wait_bypath $BP2
  mdadm /dev/md1 --remove failed >/dev/null 2>&1; mdadm /dev/md1 --remove detached >/dev/null 2>&1
}
readd2() { mdadm /dev/md1 --re-add "$(member2)" >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1; }
full_add2() { mdadm --zero-superblock "$(member2)" >/dev/null 2>&1; mdadm /dev/md1 --add "$(member2)" >/dev/null 2>&1; sleep 1; mdadm --wait /dev/md1; }
# test02 logged out and in again (its node record applies), then re-added.
relogin2() { leg2_out_and_back relogin; readd2; sync; sleep 2; }
# test02's node record timers, as iscsiadm shows them.
node_timers() {
  iscsiadm -m node -T $IQN2 -p $P2 | grep -E 'replacement_timeout|noop_out_(interval|timeout)|^node.startup'
}
# Sets test02's timers (and md failfast on its member) and logs in again so they apply.
stall_timers() {  # replacement_timeout noop_interval noop_timeout failfast(0/1)
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n node.session.timeo.replacement_timeout -v "$1"
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n 'node.conn[0].timeo.noop_out_interval' -v "$2"
  iscsiadm -m node -T $IQN2 -p $P2 -o update -n 'node.conn[0].timeo.noop_out_timeout' -v "$3"
  leg2_out_and_back "stall-$1"
  readd2
  [ "$4" = 1 ] && echo failfast >"/sys/block/md1/md/dev-$(basename "$(member2)")/state"
  sync; sleep 2
}
# One 4 KiB O_DIRECT write; prints its exit status and seconds.
stall_write() {
  local t0; t0=$(date +%s.%N)
  timeout 400 dd if=/tmp/rand16 of="/mnt/md1/stall-$1" bs=4k count=1 oflag=direct conv=fsync status=none
  local rc=$?
  echo "$rc $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')"
}
stall_after() {
  local i=0; while ! session_up $IQN2 && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
  wait_degraded 30; mdadm /dev/md1 --remove failed >/dev/null 2>&1
  readd2
}

# S4 set-ups on the KVM machine.
stale_events() {  # test01 alone takes a write: test02 falls behind, then both are assembled
  umount /mnt/md1; mdadm --stop /dev/md1 >/dev/null 2>&1
  mdadm --assemble /dev/md1 --run "$(member1)" >/dev/null 2>&1
  mount /dev/md1 /mnt/md1; write s4-events; umount /mnt/md1
  mdadm --stop /dev/md1 >/dev/null 2>&1
  mdadm --assemble /dev/md1 "$(member1)" "$(member2)" >/out/kvm/assemble.s4-events.txt 2>&1
  mount /dev/md1 /mnt/md1
}
superblock_overwritten() {
  umount /mnt/md1; mdadm --stop /dev/md1 >/dev/null 2>&1
  dd if=/dev/zero of="$(member2)" bs=4096 seek=1 count=1 conv=notrunc status=none; sync
  mdadm --assemble /dev/md1 "$(member1)" "$(member2)" >/out/kvm/assemble.s4-superblock.txt 2>&1
}
# The VM (runbook: sjm-explore; here vm1): libvirt's qemu driver, the domain as the runbook has
# it: its boot disk the non-mirrored LUN (virtio), its data disk /dev/md1 (virtio-scsi,
# cache='none', error_policy='stop': a write md cannot do pauses the VM instead of reaching the
# guest), a kernel and busybox initramfs (lab/vm/init), its serial console on a unix socket
# (input) and a log file (output). md1 is unmounted here first: from now on the VM owns it.
VM=vm1
VMLOG=/tmp/$VM-console.log
BOOT_IQN=iqn.2003-01.org.linux-iscsi.lab:boot01
# The VM's boot disk: the non-mirrored LUN boot01 (made by stackdr lun create at set-up), logged
# in only now so the array's members keep their names. Prints its by-path name.
vm_login() {
  iscsiadm -m discovery -t sendtargets -p $P1 >/dev/null
  iscsiadm -m node -T $BOOT_IQN -p $P1 --login >/dev/null
  local bp=/dev/disk/by-path/ip-$P1-iscsi-$BOOT_IQN-lun-0
  wait_bypath $bp && echo $bp
}
VMSOCK=/run/$VM.console
vm_setup() {  # BOOT_DEVICE: prints the seconds from `virsh start` to the VM saying VM-READY
  (cd /mnt/md1 && sha256sum base* >/mnt/md1/base.sha); sync
  umount /mnt/md1
  mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu
  printf 'user = "root"\ngroup = "root"\ndynamic_ownership = 0\nstdio_handler = "file"\n' >/etc/libvirt/qemu.conf
  virtlogd -d; libvirtd -d
  local i=0; while ! virsh -c qemu:///system version >/dev/null 2>&1 && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
  cat >/tmp/$VM.xml <<EOX
<domain type='qemu'>
  <name>$VM</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/lab/vm/vmlinuz</kernel>
    <initrd>/lab/vm/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet mitigations=off</cmdline>
  </os>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='$1'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native' error_policy='stop'/>
      <source dev='/dev/md1'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <serial type='unix'>
      <source mode='bind' path='$VMSOCK'/>
      <log file='$VMLOG' append='off'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
EOX
  virsh define /tmp/$VM.xml >/dev/null || return 1
  local t0; t0=$(date +%s.%N)
  virsh start $VM >/dev/null || return 1
  i=0; while ! grep -q VM-READY $VMLOG 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.2; i=$((i+1)); done
  grep -q VM-READY $VMLOG || return 1
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'
  echo " $(grep -o 'VM-READY uptime=[0-9.]*' $VMLOG | cut -d= -f2) $(grep -c VM-MOUNTED $VMLOG)"
}
# A command inside the VM, over its serial console: what it printed, between two markers.
vm_cmd() {  # COMMAND...
  python3 - "$VMSOCK" "$VMLOG" "$*" "${VM_CMD_TIMEOUT:-300}" <<'EOPY'
import socket, sys, time, uuid
sock, log, cmd, limit = sys.argv[1:5]
tag = uuid.uuid4().hex[:8]
start = len(open(log, errors="replace").read())
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(("echo B-%s; %s; echo E-%s $?\n" % (tag, cmd, tag)).encode())
deadline = time.time() + float(limit)
while time.time() < deadline:
    text = open(log, errors="replace").read()[start:]
    after = text.split("\nB-%s" % tag, 1)[1] if ("\nB-%s" % tag) in text else ""
    if ("E-%s " % tag) in after and after.split("E-%s " % tag, 1)[1].strip():
        body, rc = after.split("E-%s " % tag, 1)
        sys.stdout.write(body.replace("\r", "").lstrip("\n"))
        sys.exit(int(rc.split()[0]))
    time.sleep(0.2)
sys.exit(124)
EOPY
}
# After a VM scenario: "RUNNING ATTACHED INTACT HEARTBEAT_MOVES"
vm_verify() {
  local running=false attached=false intact=false moves=false
  virsh domstate $VM 2>/dev/null | grep -q '^running' && running=true
  virsh domblklist $VM 2>/dev/null | grep -q '^ *sda *\/dev\/md1' && attached=true
  # Reading the data back through the nested VM took over 300 s on a loaded machine (2026-12-07:
  # the check was cut off, its "OK" lines came after): it has 900 s, and the heartbeat must be
  # on the array's filesystem (a /mnt/raid left unmounted is the initramfs, where writes work).
  VM_CMD_TIMEOUT=900 vm_cmd 'grep -q " /mnt/raid ext4 rw" /proc/mounts && cd /mnt/raid && echo 3 >/proc/sys/vm/drop_caches && sha256sum -c base.sha' >/dev/null 2>&1 && intact=true
  # The writer truncates the file and then writes it (`echo n >file`): a read between the two
  # is empty (2026-12-07: 118, then nothing, and the check said the writes had stopped). Up to
  # six reads, 3 s apart: the writes go on when two non-empty readings differ.
  local a= b= i
  for i in 1 2 3 4 5 6; do
    b=$(vm_cmd 'grep -q " /mnt/raid ext4 " /proc/mounts && cat /mnt/raid/vm-heartbeat' 2>/dev/null)
    if [ -n "$b" ]; then
      [ -n "$a" ] && [ "$a" != "$b" ] && { moves=true; break; }
      a=$b
    fi
    sleep 3
  done
  echo "$running $attached $intact $moves"
}
vm_state() { virsh domstate $VM --reason; }
# The runbook's Scenario 5, Step 4 ("inside VM: remount"), done by the lab as the operator over
# the VM's console when the guest's filesystem lost its disk (a live detach takes the SCSI disk
# away from under the mount): stackdr has no way into this VM. Prints true when it was needed.
vm_remount_if_needed() {
  if vm_cmd 'echo x >/mnt/raid/.probe && sync && grep -q " /mnt/raid ext4 rw" /proc/mounts' >/dev/null 2>&1; then
    echo false; return
  fi
  vm_cmd 'umount -l /mnt/raid; d=$(ls /sys/block | grep "^sd" | head -1); mount -t ext4 /dev/$d /mnt/raid' >/dev/null 2>&1
  echo true
}

# The daemon inside this machine (m-watch): md's events are local here; the storage server is
# reached over SSH across storage link A with the lab's key. Its log lines are stamped with this
# machine's clock as they come, like mdadm --monitor's events.
watch_start() {  # TOPOLOGY
  install -m 600 /out/keys/client /root/.ssh/lab_client
  echo "192.0.2.1 $(cut -d' ' -f1,2 /out/storage/ssh_host_ed25519_key.pub)" >/root/.ssh/lab_known_hosts
  cp /out/stackdr /tmp/stackdr
  rm -rf /tmp/watch-state
  setsid -f sh -c "/tmp/stackdr watch --config $1 --state-dir /tmp/watch-state --listen 127.0.0.1:9470 \
    --interval 60 --auto-recover off --resolve-after 0 2>&1 | while IFS= read -r l; do echo \"\$(date +%s.%N) \$l\"; done >/tmp/watch.log" \
    </dev/null >/dev/null 2>&1  # nothing of the SSH session kept open: it ends while the daemon runs
  local i=0; while ! grep -q ' ready$' /tmp/watch.log 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done
  grep -q ' ready$' /tmp/watch.log
}
watch_stop() { pkill -TERM -f '/tmp/stackdr watch' ; sleep 1; }
# Seconds from T0 (this machine's clock) to the first line after it matching PATTERN in FILE,
# waiting up to LIMIT s; null if none.
first_after() {  # FILE T0 PATTERN LIMIT
  local i=0 ev
  while [ $i -lt $(( $4 * 5 + 1 )) ]; do
    ev=$(awk -v t="$2" -v p="$3" '$1 > t && $0 ~ p {print $1; exit}' "$1" 2>/dev/null)
    if [ -n "$ev" ]; then awk -v a="$2" -v b="$ev" 'BEGIN{printf "%.2f", b-a}'; return; fi
    sleep 0.2; i=$((i+1))
  done
  echo null
}
now() { date +%s.%N; }
logout2() { iscsiadm -m node -T $IQN2 -p $P2 --logout >/dev/null; now; write m-watch-logout; }
# md fails test02's member by hand (mdadm --fail), its path healthy: the "member failure" of
# m-watch. The time is taken before: md fails the member while mdadm runs, and the daemon's
# alert can come before mdadm has returned (the first lab run timed it after, and missed it).
fail2() { local d; d=$(readlink -f /dev/disk/by-path/*test02-lun-0); now; mdadm /dev/md1 --fail "$d" >/dev/null 2>&1; }

# An ext4 error with errors=remount-ro: Linux 6.1 stops writes but /proc/mounts still says rw;
# stackdr reads the kernel log's "Remounting filesystem read-only".
fs_error() { echo 1 >/sys/fs/ext4/md1/trigger_fs_error; now; }

"$@"
