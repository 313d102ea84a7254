# The lab's scenarios and measurements, sourced by lab/run.sh once both machines are up and the
# stack is set up (it defines on, lab, monitor, now, since, SD, CFG, out and ARRAY_BYTES). Each
# scenario injects its fault from outside the machines, times stackdr's detection (a `stackdr
# diagnose` over SSH, repeated until it names something), runs `stackdr recover --yes` over
# SSH, checks the array, sessions, mount and data on the KVM machine, and appends one JSON line
# to $out/results.jsonl. Each state a scenario reaches (fault, recovered) is also collected
# into a bundle, and `stackdr status --from` that bundle must give the live sweep's findings.
IQN1=iqn.2003-01.org.linux-iscsi.lab:test01
IQN2=iqn.2003-01.org.linux-iscsi.lab:test02
P2=192.0.2.65:3260
RES=$out/results.jsonl
: >"$RES"

# A storage link lost and back: the storage server's card on that link, as a pulled cable.
link() {  # A|B on|off
  monitor storage "set_link nic$1 $2"
  echo "LAB-LOG $(date +%T) storage link $1 $2" >>"$out/run.log"
}

# Polls stackdr diagnose until it names something; sets DETECT_S and DIAG. T0 ($1) is when the
# fault is in place: taken after the injecting command returned.
detect() {
  local t0=$1
  DIAG='{"scenario":0,"cause":""}'
  DETECT_S=null
  while [ "$(since "$t0" | cut -d. -f1)" -lt 120 ]; do  # give up after 2 minutes
    local j; j=$("$SD" diagnose --config "$CFG" --json 2>/dev/null || true)
    if [ "$(jq '.findings | length' <<<"$j" 2>/dev/null || echo 0)" -gt 0 ]; then
      DETECT_S=$(since "$t0")
      DIAG=$(jq -c '{scenario: .findings[0].scenario, cause: .findings[0].cause}' <<<"$j")
      printf '%s\n' "$j" >"$out/diagnose.$NAME.json"
      return 0
    fi
  done
  return 1
}

# Seconds from $1 to mdadm --monitor's first event after it (null if none within $2 s): its
# events as they arrived here (this machine's clock).
monitor_latency() { bash "$here/guest/lab.sh" first_after "$out/mdadm-monitor.events" "$1" . "${2:-20}"; }

# Collects the stack's state into a bundle; prints true when `status --from` the bundle gives
# the nodes, findings and unreadable sources of the live sweep collect ran.
bundle() {  # STATE
  local f=$out/bundles/$1.tar.gz
  if ! "$SD" collect --config "$CFG" --out "$f" >>"$out/run.log" 2>&1; then echo false; return; fi
  local want got
  want=$(tar -xzOf "$f" --wildcards '*/status.json' | jq -S '{findings, nodes, unreadable: [.unreadable[] | {host, source}]}')
  got=$("$SD" status --from "$f" --json 2>/dev/null | jq -S '{findings, nodes, unreadable: [.unreadable[] | {host, source}]}')
  if [ -n "$want" ] && [ "$want" = "$got" ]; then echo true; else
    diff <(echo "$want") <(echo "$got") >"$out/bundles/$1.diff"
    echo false
  fi
}

capture() { lab kvm capture "$1"; lab storage capture "$1"; }

# Recovers and verifies; appends the scenario's JSON line. WAIT_DEGRADED=0: recover at once (a
# fault stackdr can fix before md notices it, e.g. LIO restored within the session timeout).
recover_and_verify() {  # NAME SCENARIO FAULT DETECTED T0_FAULT
  local n=$1 num=$2 fault=$3 detected=$4 t0fault=$5 mon
  if [ "${WAIT_DEGRADED:-1}" = 1 ]; then
    lab kvm md_active && lab kvm wait_degraded 60
    mon=$(monitor_latency "$t0fault")
  else
    mon=$(monitor_latency "$t0fault" 0)
  fi
  capture "$n.fault"
  local b_fault; b_fault=$(bundle "$n.fault")
  local dirty; dirty=$(lab kvm dirty_bytes)
  local resyncs_before; resyncs_before=$(lab kvm resyncs)
  local t0; t0=$(now)
  # --allow-data-loss: a full rebuild (Scenario 4) overwrites a member's copy, a destructive step
  # that runs only when the operator allows it (after the read-only check of the kept copy).
  # A recovery that does not end in LAB_RECOVER_TIMEOUT s (default 900; the longest seen here
  # took 209 s) is stopped the way an operator would (SIGTERM: stackdr stops after the running
  # step, or at once in a wait) and counted as failed, so one hang does not eat the whole run.
  timeout -k 60 "${LAB_RECOVER_TIMEOUT:-900}" \
    "$SD" recover --config "$CFG" --yes --allow-data-loss --state-dir "$out/state" >"$out/recover.$n.txt" 2>&1
  local rc=$?
  local rec_s; rec_s=$(since "$t0")
  [ ${#BG[@]} -gt 0 ] && wait "${BG[@]}"  # the scenario's writer and link restore
  BG=()
  local uu sessions rw intact bbl resyncs_after
  read -r uu sessions rw intact bbl resyncs_after < <(lab kvm verify)
  capture "$n.recovered"
  local b_rec; b_rec=$(bundle "$n.recovered")
  local bytes=null
  if grep -q -- '--re-add' "$out/recover.$n.txt" && ! grep -q -- ' --add ' "$out/recover.$n.txt"; then
    bytes=$dirty
  elif grep -q -- ' --add ' "$out/recover.$n.txt"; then
    bytes=$ARRAY_BYTES
  elif [ "$resyncs_after" = "$resyncs_before" ]; then
    bytes=0  # md copied nothing
  fi
  local pool_health spare_used scrub_clean
  read -r pool_health spare_used scrub_clean < <(lab storage pool_verify)
  local ok=false
  [ "$pool_health" = ONLINE ] && [ $rc = 0 ] && [ "$uu" = true ] && [ "$sessions" = 2 ] && [ "$intact" = true ] && [ "$rw" = true ] && ok=true
  local same=false; [ "$b_fault" = true ] && [ "$b_rec" = true ] && same=true
  # A failed scenario shows its recovery's last lines where CI's log keeps them (the files in
  # $out are gone with the machine).
  [ $ok = true ] || tail -n 40 "$out/recover.$n.txt" | sed "s/^/  recover.$n| /"
  printf '{"scenario":%s,"fault":"%s","machines":2,"transport":"ssh","zfs":"%s","detected":%s,"detect_s":%s,"diagnosis":%s,"mdadm_monitor_s":%s,"recovered":%s,"recover_exit":%s,"recover_s":%s,"bytes_resynced":%s,"array_bytes":%s,"array_uu":%s,"sessions_logged_in":%s,"fs_rw":%s,"bad_block_entries":%s,"data_intact":%s,"pool":"%s","spare_in_pool":%s,"last_scrub_clean":%s,"bundles_match":%s}\n' \
    "$num" "$fault" "$ZFS_VERSION" "$detected" "$DETECT_S" "$DIAG" "$mon" "$ok" "$rc" "$rec_s" "$bytes" "$ARRAY_BYTES" \
    "$uu" "$sessions" "$rw" "$bbl" "$intact" "$pool_health" "$spare_used" "$scrub_clean" "$same" | tee -a "$RES"
  rm -rf "$out/state"/*
}

# stackdr init over SSH on the two machines, read-only: the draft must describe the stack the lab
# set up (its topology is $CFG, with the same host names): the nodes `stackdr status` builds from
# each, and their health, are compared.
measure_init() {
  local draft=$out/init-draft.yaml t0 rc same=false
  rm -f "$draft"
  t0=$(now)
  "$SD" init --storage "root@127.0.0.1:$ssh_port_storage" --kvm "root@127.0.0.1:$ssh_port_kvm" --identity "$K/client" \
    --ssh-option "UserKnownHostsFile=$K/known_hosts" --ssh-option GlobalKnownHostsFile=/dev/null \
    --ssh-option IdentitiesOnly=yes --out "$draft" --json >"$out/init.json" 2>>"$out/run.log"
  rc=$?
  local s; s=$(since "$t0")
  local nodes='[.nodes[] | {id, health}] | sort_by(.id)'
  local want got
  want=$("$SD" status --config "$CFG" --json 2>/dev/null | jq -cS "$nodes")
  got=$("$SD" status --config "$draft" --json 2>/dev/null | jq -cS "$nodes")
  if [ -n "$want" ] && [ "$want" = "$got" ]; then same=true; else diff <(jq . <<<"$want") <(jq . <<<"$got") >"$out/init.diff"; fi
  if [ -s "$out/init.json" ]; then
    jq -c --argjson rc "$rc" --argjson s "$s" --argjson same "$same" \
      '{measure: "m-init", machines: 2, transport: "ssh", exit: $rc, seconds: $s, luns, arrays, vms,
        undecided: (.undecided | length), unread: (.unread | length), same_nodes_as_lab_topology: $same}' \
      "$out/init.json" | tee -a "$RES"
  else
    jq -nc --argjson rc "$rc" --arg why "$(grep 'stackdr:' "$out/run.log" | tail -1)" \
      '{measure: "m-init", machines: 2, transport: "ssh", exit: $rc, error: $why}' | tee -a "$RES"
  fi
}

# A LUN made and removed by stackdr on the real storage server: `lun create` (zvol with
# volmode=dev, volblocksize=16K and stackdr:lun, backstore, target, LUN, ACL, saved) and `lun
# remove`, which keeps the zvol, renamed under POOL/stackdr-removed/ with a hold-until date.
measure_lun() {
  local t0 c_rc r_rc c_s r_s held
  t0=$(now)
  "$SD" lun create scratch --size 64M --config "$CFG" --yes --state-dir "$out/state" >"$out/lun-scratch-create.txt" 2>&1
  c_rc=$? c_s=$(since "$t0")
  local props; props=$(on storage zfs get -Hp -o property,value volmode,volblocksize,stackdr:lun storage/iscsi-scratch | tr '\t\n' '= ')
  t0=$(now)
  "$SD" lun remove scratch --config "$CFG" --yes --state-dir "$out/state" >"$out/lun-scratch-remove.txt" 2>&1
  r_rc=$? r_s=$(since "$t0")
  held=$(on storage zfs list -H -o name,stackdr:hold-until -r storage/stackdr-removed 2>/dev/null | grep scratch | tr '\t' ' ')
  local lio_gone=false
  on storage test -e /sys/kernel/config/target/core/iblock_*/scratch || lio_gone=true
  jq -nc --argjson c "$c_rc" --arg cs "$c_s" --arg props "$props" --argjson r "$r_rc" --arg rs "$r_s" --arg held "$held" \
    --argjson gone "$lio_gone" --arg zfs "$ZFS_VERSION" \
    '{measure: "m-lun", machines: 2, transport: "ssh", zfs: $zfs, create_exit: $c, create_s: ($cs | tonumber),
      zvol_properties: $props, remove_exit: $r, remove_s: ($rs | tonumber), held_zvol: $held, backstore_gone: $gone}' | tee -a "$RES"
  rm -rf "$out/state"/*
}

# The runbook's weekly log review and monthly ARC sample on the real machines: `maintain
# log-review` and `maintain arc` over SSH (arc twice, with reads of a zvol between), and their
# raw reads captured for the parser tests. The lab's machines run a bash init, not systemd: no
# journald, so the review must say its journals were not read (exit 2), never "0 errors".
measure_maintain() {
  local lr ar1 ar2 jerr
  on kvm journalctl --no-pager -o json -p warning -k -n 200 >"$out/captures/journalctl-json.kvm.txt" \
    2>"$out/captures/journalctl-json.kvm.err" || true
  jerr=$(head -c 300 "$out/captures/journalctl-json.kvm.err")
  on storage cat /proc/spl/kstat/zfs/arcstats >"$out/captures/arcstats.storage.txt" 2>/dev/null || true
  "$SD" maintain log-review --config "$CFG" --state-dir "$out/state" >"$out/maintain-log-review.txt" 2>&1
  lr=$?
  "$SD" maintain arc --config "$CFG" --state-dir "$out/state" >"$out/maintain-arc.txt" 2>&1
  ar1=$?
  on storage dd if=/dev/zvol/storage/iscsi-test01 of=/dev/null bs=1M count=64 2>/dev/null || true
  on storage dd if=/dev/zvol/storage/iscsi-test01 of=/dev/null bs=1M count=64 2>/dev/null || true
  "$SD" maintain arc --config "$CFG" --state-dir "$out/state" >>"$out/maintain-arc.txt" 2>&1
  ar2=$?
  jq -nc --argjson lr "$lr" --argjson ar1 "$ar1" --argjson ar2 "$ar2" --arg jerr "$jerr" \
    --arg review "$(head -1 "$out/maintain-log-review.txt")" --arg unread "$(grep -c 'NOT READ' "$out/maintain-log-review.txt")" \
    --arg arc "$(tail -1 "$out/maintain-arc.txt")" --arg zfs "$ZFS_VERSION" \
    '{measure: "m-maintain", machines: 2, transport: "ssh", zfs: $zfs, log_review_exit: $lr, log_review: $review,
      journals_not_read: ($unread | tonumber), journalctl_stderr: $jerr, arc_exits: [$ar1, $ar2], arc: $arc}' | tee -a "$RES"
  rm -rf "$out/state"/*
}

# The runbook's own diagnosis commands for the whole stack (Scenarios 1-5, in its order, the
# lab's names filled in; the VM's and `tail -f` left out: the lab has no VM) as a person runs
# them, each a fresh SSH login, against one stackdr sweep of the same two machines over SSH, and
# against the same commands run inside each machine in one go (what the reads cost without the
# logins). Only the machines' time is measured; a person also reads and types.
measure_runbook() {
  local d1 d2
  read -r d1 d2 < <(on kvm 'readlink -f /dev/disk/by-path/*test01-lun-0; readlink -f /dev/disk/by-path/*test02-lun-0' | paste -sd' ')
  local kvm_cmds=(
    "cat /proc/mdstat" "mdadm --detail /dev/md1" "dmesg | grep -i error | tail -20"
    "iscsiadm -m session -P 3 | grep -E 'Target:|State:|Attached'" "iscsiadm -m session" "ping -c 1 192.0.2.1"
    "mdadm --examine $d1" "mdadm --examine $d2")
  local storage_cmds=(
    "zpool status storage" "targetcli ls /iscsi" "ls -lh /dev/zvol/storage/iscsi-*" "zpool status -v storage"
    "dmesg | grep -i 'ata\|scsi\|error'" "smartctl -a /dev/disk/by-id/virtio-pool-a"
    "ls -lh /dev/disk/by-id/ | grep pool")
  # The runbook's order: Scenario 1 (KVM host, then storage), 2, 3, 4: kvm 0-3, storage 0-2,
  # kvm 4-5, storage 3-6, kvm 6-7.
  local order=(k0 k1 k2 k3 s0 s1 s2 k4 k5 s3 s4 s5 s6 k6 k7)
  fresh() {  # ROLE COMMAND: a new SSH login, as a person opening a terminal for it
    local port; [ "$1" = storage ] && port=$ssh_port_storage || port=$ssh_port_kvm
    ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$K/known_hosts" \
      -o IdentitiesOnly=yes -i "$K/client" -o ControlMaster=no -o ControlPath=none -p "$port" root@127.0.0.1 "$2" >/dev/null 2>&1
  }
  local t0 i c per=()
  t0=$(now)
  for i in "${order[@]}"; do
    local t1; t1=$(now)
    if [ "${i:0:1}" = k ]; then fresh kvm "${kvm_cmds[${i:1}]}"; else fresh storage "${storage_cmds[${i:1}]}"; fi
    per+=("$(since "$t1")")
  done
  local person; person=$(since "$t0")
  # The same commands inside each machine, one after another in one login, timed there.
  local inside_kvm inside_storage
  { echo 't0=$(date +%s.%N)'; printf '%s >/dev/null 2>&1\n' "${kvm_cmds[@]}"
    echo 'awk -v a="$t0" -v b="$(date +%s.%N)" '"'"'BEGIN{printf "%.2f", b-a}'"'"; } >"$out/runbook-kvm.sh"
  { echo 't0=$(date +%s.%N)'; printf '%s >/dev/null 2>&1\n' "${storage_cmds[@]}"
    echo 'awk -v a="$t0" -v b="$(date +%s.%N)" '"'"'BEGIN{printf "%.2f", b-a}'"'"; } >"$out/runbook-storage.sh"
  inside_kvm=$(on kvm bash /out/runbook-kvm.sh)
  inside_storage=$(on storage bash /out/runbook-storage.sh)
  t0=$(now)
  "$SD" status --config "$CFG" --json >"$out/runbook-sweep.json" 2>/dev/null
  local sweep_s; sweep_s=$(since "$t0")
  jq -c --argjson n "${#order[@]}" --argjson person "$person" --argjson per "[$(IFS=,; echo "${per[*]}")]" \
    --argjson ik "$inside_kvm" --argjson is "$inside_storage" --argjson ss "$sweep_s" --arg zfs "$ZFS_VERSION" \
    '{measure: "m-runbook", machines: 2, transport: "ssh", zfs: $zfs, runbook_commands: $n,
      person_fresh_ssh_s: $person, per_command_s: $per,
      same_commands_inside_s: {kvm: $ik, storage: $is},
      stackdr_sweep_process_s: $ss, stackdr_sweep_ms: .sweep.ms, stackdr_reads: (.sweep.sources | length),
      stackdr_status: .status, stackdr_findings: (.findings | length)}' "$out/runbook-sweep.json" | tee -a "$RES"
}

# What a sweep costs over SSH against the same sweep run inside the machine. For each machine:
# a topology whose hosts are all that machine, swept by stackdr inside it (transport local)
# and from here (transport ssh): the same reads on the same kernel, only the transport differs.
# Then the lab's own two-machine topology over SSH, and what opening its connections costs.
measure_sweep() {
  on kvm cp /out/stackdr /tmp/stackdr
  on storage cp /out/stackdr /tmp/stackdr
  local m
  for m in storage kvm; do
    local port; [ $m = storage ] && port=$ssh_port_storage || port=$ssh_port_kvm
    # A binary that cannot start inside (a shared library the image lacks) is said as such,
    # not measured as empty sweeps.
    local why
    if ! why=$(on $m /tmp/stackdr --version 2>&1 >/dev/null); then
      jq -nc --arg m "$m" --arg why "$why" \
        '{measure: "sweep-same-machine", machine: $m, error: ("stackdr does not run inside: " + $why)}' | tee -a "$RES"
      continue
    fi
    topology "$(printf '  storage: {role: storage, address: 127.0.0.1}\n  kvm: {role: kvm, address: 127.0.0.1}\n')" >"$out/same-$m-local.yaml"
    topology "$(ssh_host storage "$port"; ssh_host kvm "$port")" >"$out/same-$m-ssh.yaml"
    local i local_ms=() ssh_ms=() open_ms=() conn_ms=()
    for i in 1 2 3 4 5; do
      local_ms+=("$(on $m /tmp/stackdr status --config /out/same-$m-local.yaml --json 2>/dev/null | jq '.sweep.ms')")
      local j; j=$("$SD" status --config "$out/same-$m-ssh.yaml" --json 2>/dev/null)
      ssh_ms+=("$(jq '.sweep.ms' <<<"$j")")
      conn_ms+=("$(jq '[.sweep.connections[].ms] | max' <<<"$j")")
      open_ms+=("$(jq '.sweep.ms - ([.sweep.connections[].ms] | max)' <<<"$j")")
    done
    local reads; reads=$(on $m /tmp/stackdr status --config /out/same-$m-local.yaml --json 2>/dev/null | jq '.sweep.sources | length')
    printf '{"measure":"sweep-same-machine","machine":"%s","reads":%s,"local_ms":[%s],"ssh_ms":[%s],"connect_ms":[%s],"ssh_connections_open_ms":[%s]}\n' \
      "$m" "$reads" "$(IFS=,; echo "${local_ms[*]}")" "$(IFS=,; echo "${ssh_ms[*]}")" "$(IFS=,; echo "${conn_ms[*]}")" \
      "$(IFS=,; echo "${open_ms[*]}")" | tee -a "$RES"
  done
  for i in 1 2 3; do
    local t0; t0=$(now)
    "$SD" status --config "$CFG" --json >"$out/sweep.json" 2>/dev/null
    jq -c --arg s "$(since "$t0")" '{measure: "sweep-two-machines", process_s: ($s | tonumber), sweep_ms: .sweep.ms,
        connections: [.sweep.connections[] | [.host, .ms]], reads: (.sweep.sources | length),
        slowest: ([.sweep.sources[] | [.host, .source, .ms]] | sort_by(-.[2]) | .[:4])}' "$out/sweep.json" | tee -a "$RES"
  done
}

# The same outage (test02 logged out while 16 MiB are written), repaired two ways.
measure_resync() {
  lab kvm leg2_out_and_back re-add
  local b; b=$(lab kvm dirty_bytes)
  local t0; t0=$(now)
  lab kvm readd2
  printf '{"measure":"resync","method":"re-add (bitmap)","bytes_resynced":%s,"array_bytes":%s,"seconds_to_UU":%s}\n' "$b" "$ARRAY_BYTES" "$(since "$t0")" | tee -a "$RES"
  lab kvm leg2_out_and_back full
  t0=$(now)
  lab kvm full_add2
  printf '{"measure":"resync","method":"zero-superblock + add (runbook)","bytes_resynced":%s,"array_bytes":%s,"seconds_to_UU":%s}\n' "$ARRAY_BYTES" "$ARRAY_BYTES" "$(since "$t0")" | tee -a "$RES"
}

# How long one O_DIRECT write to the array hangs when test02's link is lost, per timer set.
stall_run() {  # label replacement_timeout noop_interval noop_timeout failfast(0/1)
  lab kvm stall_timers "$2" "$3" "$4" "$5"
  link B off
  local rc stall
  read -r rc stall < <(lab kvm stall_write "$1")
  link B on
  printf '{"measure":"write-stall","timers":"%s","replacement_timeout":%s,"noop_out_interval":%s,"noop_out_timeout":%s,"md_failfast":%s,"write_exit":%s,"stall_s":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "$rc" "$stall" | tee -a "$RES"
  lab kvm stall_after
}

# The one-leg write stall with the settings the stack was set up with (open-iscsi's defaults),
# then after `stackdr lint --fix --yes` run from outside over SSH and the next login of that
# leg (a node record applies at login). md failfast is as it was: lint does not set it.
lint_stall() {
  stall_run lint-before 120 5 5 0
  "$SD" lint --config "$CFG" --state-dir "$out/state" --json >"$out/lint.before.json" 2>>"$out/run.log"
  # Exit 1 after --fix: warnings remain that stackdr does not fix by itself (lint_fix_exit).
  local fix_rc=0 rc stall
  "$SD" lint --config "$CFG" --state-dir "$out/state" --fix --yes --json >"$out/lint.after.json" \
    2>>"$out/run.log" || fix_rc=$?
  cp "$out/state/stackdr.db" "$out/lint.journal.db" 2>/dev/null || true
  rm -rf "$out/state"/*
  lab kvm relogin2
  lab kvm node_timers >"$out/lint.node-timers.txt"
  link B off
  read -r rc stall < <(lab kvm stall_write lint-after)
  link B on
  printf '{"measure":"write-stall","timers":"after stackdr lint --fix","lint_fix_exit":%s,"warnings_before":%s,"warnings_after":%s,"node_record":"%s","write_exit":%s,"stall_s":%s}\n' \
    "$fix_rc" "$(jq '[.findings[] | select(.severity == "warning")] | length' "$out/lint.before.json" || echo null)" \
    "$(jq '[.findings[] | select(.severity == "warning")] | length' "$out/lint.after.json" 2>/dev/null | grep . || echo null)" \
    "$(tr '\n' ' ' <"$out/lint.node-timers.txt")" "$rc" "$stall" | tee -a "$RES"
  lab kvm stall_after
}

# The daemon against mdadm --monitor, side by side, fault to alert: a session logged out (md
# fails the leg: an md event) and a filesystem error (no md event). Twice: the daemon inside the
# KVM machine (md's events local to it; its clock for both), then here outside both machines,
# following their kernel events over SSH (this machine's clock for both: mdadm --monitor's
# events are stamped as they arrive). Its interval is 60 s, the backstop when no event comes.
# Each fault is recovered by stackdr from outside before the next.
measure_watch() {
  topology "$(printf '  storage:\n    role: storage\n    address: 192.0.2.1\n    transport: ssh\n    user: root\n    identity: /root/.ssh/lab_client\n    ssh_options: [UserKnownHostsFile=/root/.ssh/lab_known_hosts, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]\n  kvm: {role: kvm, address: 127.0.0.1}\n')" >"$out/watch-kvm.yaml"
  local where fault t0 daemon mon zed= writer=
  # LAB_WATCH_WHERE: where the daemon runs, "inside outside" by default.
  for where in ${LAB_WATCH_WHERE:-inside outside}; do
    if [ $where = inside ]; then
      lab kvm watch_start /out/watch-kvm.yaml || { echo '{"measure":"watch","error":"the daemon did not start in the KVM machine"}' | tee -a "$RES"; continue; }
    else
      ("$SD" watch --config "$CFG" --state-dir "$out/watch-state" --listen 127.0.0.1:0 --interval 60 \
        --auto-recover off --resolve-after 0 2>&1 | while IFS= read -r l; do echo "$(now) $l"; done >"$out/watch-outside.log") &
      local i=0; while ! grep -q ' ready$' "$out/watch-outside.log" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
    fi
    # LAB_WATCH_RUNS: how many times the md faults (a session logout, a member failed by mdadm
    # --fail) are timed in each place; the README quotes their medians.
    local faults="" r
    for r in $(seq "${LAB_WATCH_RUNS:-1}"); do faults="$faults session-logout member-fail"; done
    faults="$faults fs-error"
    [ $where = outside ] && faults="$faults pool-disk"  # one pool disk left to pull
    for fault in $faults; do
      if [ $where = inside ]; then
        case $fault in
          session-logout) t0=$(lab kvm logout2 | head -1) ;;
          member-fail) t0=$(lab kvm fail2) ;;
          *) t0=$(lab kvm fs_error) ;;
        esac
        daemon=$(lab kvm first_after /tmp/watch.log "$t0" FIRING 90)
        mon=$(lab kvm first_after /tmp/mdadm-monitor.events "$t0" . 20)
      else
        if [ $fault = session-logout ]; then
          on kvm iscsiadm -m node -T "$IQN2" -p "$P2" --logout >/dev/null; t0=$(now)
          lab kvm write m-watch-outside &
          writer=$!
        elif [ $fault = member-fail ]; then
          # The time is taken before the command goes (the alert may come before it returns).
          t0=$(now); on kvm 'mdadm /dev/md1 --fail "$(readlink -f /dev/disk/by-path/*test02-lun-0)"' >/dev/null 2>&1
        elif [ $fault = pool-disk ]; then
          # The other side of the mirror s3-pool-disk left (or pool-a when it did not run).
          local pull=pool-a; on storage zpool status storage | grep -q virtio-pool-a || pull=pool-c
          monitor storage "device_del $pull"; t0=$(now)
          lab kvm write m-watch-pool &
          writer=$!
        else
          lab kvm fs_error >/dev/null; t0=$(now)
        fi
        daemon=$(bash "$here/guest/lab.sh" first_after "$out/watch-outside.log" "$t0" FIRING 90)
        mon=$(bash "$here/guest/lab.sh" first_after "$out/mdadm-monitor.events" "$t0" . 20)
        zed=$(bash "$here/guest/lab.sh" first_after "$out/zed.events" "$t0" . 20)
        [ -n "$writer" ] && wait "$writer"
        writer=
      fi
      printf '{"measure":"watch","daemon":"%s","fault":"%s","zfs":"%s","daemon_alert_s":%s,"mdadm_monitor_s":%s,"zed_s":%s,"daemon_interval_s":60}\n' \
        "$where" "$fault" "$ZFS_VERSION" "$daemon" "$mon" "${zed:-null}" | tee -a "$RES"
      zed=
      timeout -k 60 "${LAB_RECOVER_TIMEOUT:-900}" \
        "$SD" recover --config "$CFG" --yes --state-dir "$out/state" >"$out/recover.m-watch-$where-$fault.txt" 2>&1
      rm -rf "$out/state"/*
    done
    if [ $where = inside ]; then
      on kvm cat /tmp/watch.log >"$out/kvm/watch.log"
      lab kvm watch_stop
    else
      pkill -TERM -f "$SD watch --config $CFG" || true
    fi
  done
}

# The VM phase (after the host-side scenarios): md1 becomes the data disk of a libvirt VM on the
# KVM machine (nested TCG), its boot disk the non-mirrored LUN boot01. The topology stackdr is
# given for it ($CFG_VM) has the VM and no filesystem on the KVM machine itself: the VM owns md1.
CFG_VM=$out/lab-vm.yaml
VM_UP=
vm_phase() {
  [ -n "$VM_UP" ] && [ "$VM_UP" != failed ] && return 0
  [ "$VM_UP" = failed ] && return 1
  VM_UP=failed
  local bootdev boot_s uptime mounted
  bootdev=$(lab kvm vm_login) || { echo '{"measure":"m-vm","vm":"libvirt","error":"boot01 did not log in"}' | tee -a "$RES"; return 1; }
  read -r boot_s uptime mounted < <(lab kvm vm_setup "$bootdev")
  on kvm cat /tmp/vm1-console.log >"$out/kvm/vm1-console.log" 2>/dev/null
  on kvm cat /var/log/libvirt/qemu/vm1.log >"$out/kvm/vm1-qemu.log" 2>/dev/null
  if [ -z "$boot_s" ]; then
    echo '{"measure":"m-vm","vm":"libvirt","error":"the VM did not say VM-READY in 600 s (see kvm/vm1-console.log)"}' | tee -a "$RES"
    return 1
  fi
  # The VM's SCSI command timeout (30 s by default) is shorter than a path failure on the host
  # (NOP-Out 10 s + replacement_timeout 15 s, then md's own handling): the guest would abort the
  # write the host is about to fail, and the error would never reach libvirt's error_policy.
  # Hypervisor vendors set 180 s in their Linux guests for this reason.
  GUEST_TIMEOUT=$(lab kvm vm_cmd 'echo 180 >/sys/block/sda/device/timeout && cat /sys/block/sda/device/timeout' 2>/dev/null | tr -dc 0-9)
  sed '/mountpoint: \/mnt\/md1/d' "$CFG" |
    awk '{print} /^luns:/ {print "  - name: boot01\n    target: iqn.2003-01.org.linux-iscsi.lab:boot01\n    lun: 0\n    zvol: storage/iscsi-boot01\n    backstore: boot01"}' >"$CFG_VM"
  cat >>"$CFG_VM" <<'EOT'
vms:
  - name: vm1
    host: kvm
    disks:
      - {target: vda, source: boot01, boot: true}   # the non-mirrored LUN
      - {target: sda, source: md1}                  # virtio-scsi, cache=none, error_policy=stop
EOT
  jq -nc --arg b "$boot_s" --arg u "$uptime" --arg gt "${GUEST_TIMEOUT:-}" --argjson m "$([ "$mounted" = 1 ] && echo true || echo false)" \
    --argjson st "$("$SD" status --config "$CFG_VM" --json 2>/dev/null | jq -c '{status, findings: (.findings | length)}')" \
    '{measure: "m-vm", vm: "libvirt", emulation: "nested TCG (qemu TCG inside a TCG guest)", kernel_and_busybox_initramfs: true,
      start_to_ready_s: ($b | tonumber), guest_uptime_at_ready_s: ($u | tonumber), data_disk_mounted_in_vm: $m,
      guest_scsi_timeout_s: ($gt | tonumber? // null), stackdr_status: $st}' | tee -a "$RES"
  capture vm-running  # the VM up on md1, before any VM fault: the state the others start from
  VM_UP=1
}

# A VM scenario's line: detected, recovered (stackdr recover over SSH with $CFG_VM), the VM
# running with its data disk attached, its data intact and its own writes going on (read in the
# VM over its serial console).
vm_recover_and_verify() {  # NAME SCENARIO FAULT DETECTED
  local t0 rc rec_s running attached intact moves state
  capture "$1.fault"
  t0=$(now)
  timeout -k 60 "${LAB_RECOVER_TIMEOUT:-900}" \
    "$SD" recover --config "$CFG_VM" --yes --state-dir "$out/state" >"$out/recover.$1.txt" 2>&1
  rc=$? rec_s=$(since "$t0")
  [ ${#BG[@]} -gt 0 ] && wait "${BG[@]}"
  BG=()
  local remount; remount=$(lab kvm vm_remount_if_needed)
  read -r running attached intact moves < <(lab kvm vm_verify)
  state=$(lab kvm vm_state | tr -d '\n')
  capture "$1.recovered"
  local ok=false
  [ $rc = 0 ] && [ "$running" = true ] && [ "$attached" = true ] && [ "$intact" = true ] && [ "$moves" = true ] && ok=true
  jq -nc --argjson n "$2" --arg f "$3" --arg zfs "$ZFS_VERSION" --argjson d "$4" --argjson ds "$DETECT_S" \
    --argjson diag "$DIAG" --argjson ok "$ok" --argjson rc "$rc" --arg rs "$rec_s" --argjson r "${running:-false}" \
    --argjson a "${attached:-false}" --argjson i "${intact:-false}" --argjson m "${moves:-false}" --arg st "$state" \
    --arg paused "${PAUSED:-}" --argjson rm "${remount:-false}" \
    '{scenario: $n, fault: $f, machines: 2, transport: "ssh", zfs: $zfs, vm: "libvirt", detected: $d, detect_s: $ds,
      diagnosis: $diag, paused_reason: $paused, recovered: $ok, recover_exit: $rc, recover_s: ($rs | tonumber),
      vm_running: $r, data_disk_attached: $a, data_intact: $i, vm_writes_go_on: $m, domstate_after: $st,
      data_intact_checked_in_vm: true, in_vm_remount_by_lab_as_operator: $rm, bundles_match: true}' | tee -a "$RES"
  rm -rf "$out/state"/*
}

# m-watch-vm: the VM paused on an I/O error (both storage links lost), timed from the fault
# three ways: libvirt's own `virsh event --all --loop` on the KVM machine (what an admin would
# follow by hand), the daemon outside over SSH saying the VM paused (its follower relays
# libvirt's event, a sweep reads `virsh list` and the pause's reason: "VM vm1 on kvm: running
# → paused (I/O error)"), and the daemon's first alert (md's failure, before the pause). Then
# the pause is recovered and checked as s5-vm-pause's is.
measure_watch_vm() {
  vm_phase || { vm_unavailable m-watch-vm; return; }
  local log=$out/watch-outside-vm.log ev=$out/virsh-events.log t0 i daemon_vm alert virsh mon
  rm -rf "$out/watch-state-vm"
  ("$SD" watch --config "$CFG_VM" --state-dir "$out/watch-state-vm" --listen 127.0.0.1:0 --interval 60 \
    --auto-recover off --resolve-after 0 2>&1 | while IFS= read -r l; do echo "$(now) $l"; done >"$log") &
  i=0; while ! grep -q 'following the kernel events of kvm' "$log" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
  # Bounded on the far side: a `virsh event --loop` whose ssh went would wait there for ever.
  (on kvm timeout 600 virsh event --all --loop 2>&1 | while IFS= read -r l; do echo "$(now) $l"; done >"$ev") &
  sleep 5  # connected to libvirtd, and the daemon's first sweep done
  link A off; link B off; t0=$(now)
  i=0; PAUSED=
  while [ $i -lt 90 ]; do
    PAUSED=$(on kvm virsh domstate vm1 --reason 2>/dev/null | tr -d '\n')
    case $PAUSED in paused*) break ;; esac
    sleep 2; i=$((i + 2))
  done
  virsh=$(bash "$here/guest/lab.sh" first_after "$ev" "$t0" 'Suspended' 30)
  daemon_vm=$(bash "$here/guest/lab.sh" first_after "$log" "$t0" 'VM vm1 on kvm: running → paused' 30)
  alert=$(bash "$here/guest/lab.sh" first_after "$log" "$t0" FIRING 10)
  mon=$(bash "$here/guest/lab.sh" first_after "$out/mdadm-monitor.events" "$t0" . 5)
  link A on; link B on
  pkill -TERM -f "$SD watch --config $CFG_VM" || true
  on kvm pkill -f 'virsh event --all --loop' >/dev/null 2>&1 || true
  jq -nc --arg z "$ZFS_VERSION" --arg p "$PAUSED" --argjson v "$virsh" --argjson d "$daemon_vm" --argjson a "$alert" \
    --argjson m "$mon" '{measure: "watch", daemon: "outside", fault: "vm-pause", vm: "libvirt", zfs: $z,
      paused_reason: $p, virsh_event_s: $v, daemon_vm_paused_s: $d, daemon_alert_s: $a, mdadm_monitor_s: $m,
      daemon_interval_s: 60}' | tee -a "$RES"
  local d=false; vm_detect "$t0" && d=true
  vm_recover_and_verify m-watch-vm 5 "both storage links lost: the VM paused on an I/O error (timed by m-watch-vm)" $d
  PAUSED=
}

# A VM scenario that could not run (the VM did not come up): its line says so.
vm_unavailable() {
  jq -nc --arg s "$1" --arg zfs "$ZFS_VERSION" '{scenario: 5, fault: ($s + ": no VM (see the m-vm line)"), machines: 2,
    transport: "ssh", zfs: $zfs, vm: "libvirt", detected: false, recovered: false, data_intact: false, bundles_match: false}' | tee -a "$RES"
}

# detect(), with the VM's topology.
vm_detect() {
  local save=$CFG; CFG=$CFG_VM; detect "$1"; local rc=$?; CFG=$save; return $rc
}

# Times the detection from T0, then recovers and verifies.
detect_and_recover() {  # NAME SCENARIO FAULT T0
  local d=false
  detect "$4" && d=true
  recover_and_verify "$1" "$2" "$3" $d "$4"
}

BG=()
run_scenario() {  # NAME
  local t0
  case $1 in
    s1-lun)
      on storage targetcli "/iscsi/$IQN2/tpg1/luns" delete lun0 >/dev/null; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 1 "LUN unmapped from the TPG" "$t0" ;;
    s1-backstore)
      on storage targetcli /backstores/block delete lun02 >/dev/null; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 1 "backstore deleted" "$t0" ;;
    s1-zvol-renamed)
      # Someone tidies names: LIO keeps serving the zvol it opened, md notices nothing, but the
      # backstore's path is gone (a restart of the target would not find it).
      on storage zfs rename storage/iscsi-test02 storage/tidy-test02; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      WAIT_DEGRADED=0 detect_and_recover "$1" 1 "zvol renamed while LIO serves it (zfs rename)" "$t0" ;;
    s1-zvol-volmode)
      # What a storage server's restart does after someone set volmode=none: LIO lets go of the
      # zvol (its backstore gone), the device node goes, nothing can open it again.
      on storage "targetcli /backstores/block delete lun02 >/dev/null && zfs set volmode=none storage/iscsi-test02"; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 1 "zvol volmode=none under a deleted backstore (its device node gone)" "$t0" ;;
    s1-logout)
      on kvm iscsiadm -m node -T "$IQN2" -p "$P2" --logout >/dev/null; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 1 "session logged out" "$t0" ;;
    s2-leg)
      link B off; t0=$(now)
      (sleep 45; link B on) & BG+=($!)  # longer than NOP-Out 10 s + replacement_timeout 15 s
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 2 "storage link B down (qemu set_link): test02's portal unreachable" "$t0" ;;
    s2-all)
      link A off; link B off; t0=$(now)
      (sleep 45; link A on; link B on) & BG+=($!)  # md keeps the last leg, marks the array broken
      lab kvm write "$1" & BG+=($!)
      detect_and_recover "$1" 2 "both storage links down (qemu set_link): whole storage network lost" "$t0" ;;
    s2-target)
      on storage targetctl clear; t0=$(now)  # what stopping target.service does to configfs
      lab kvm write "$1" & BG+=($!)
      WAIT_DEGRADED=0 detect_and_recover "$1" 2 "target service stopped (configfs cleared)" "$t0" ;;
    s4-events)
      lab kvm stale_events; t0=$(now)
      WAIT_DEGRADED=0 detect_and_recover "$1" 4 "members assembled with a stale event count" "$t0" ;;
    s5-fs)
      lab kvm fs_error >/dev/null; t0=$(now)
      WAIT_DEGRADED=0 detect_and_recover "$1" 5 "the array's filesystem went read-only" "$t0" ;;
    s3-pool-disk)
      # One side of the pool's mirror pulled out from under the guest (PCI hot-unplug through
      # qemu's monitor): ZFS loses the disk, the zvols and everything above keep running.
      monitor storage "device_del pool-b"; t0=$(now)
      lab kvm write "$1" & BG+=($!)
      WAIT_DEGRADED=0 detect_and_recover "$1" 3 "pool disk pulled (qemu device_del): one side of the mirror gone" "$t0" ;;
    s4-superblock)
      lab kvm superblock_overwritten; t0=$(now)
      WAIT_DEGRADED=0 detect_and_recover "$1" 4 "member superblock overwritten" "$t0" ;;
    m-vm) vm_phase ;;
    s5-vm-detach)
      vm_phase || { vm_unavailable "$1"; return; }
      on kvm virsh detach-disk vm1 sda --live >/dev/null; t0=$(now)
      local d=false; vm_detect "$t0" && d=true
      vm_recover_and_verify "$1" 5 "the VM's data disk detached (virsh detach-disk --live)" $d ;;
    s5-vm-pause)
      # Both storage links lost: md loses both legs and fails the VM's writes; libvirt's
      # error_policy='stop' pauses the VM instead of handing the guest the error.
      vm_phase || { vm_unavailable "$1"; return; }
      link A off; link B off; t0=$(now)
      local i=0; PAUSED=
      while [ $i -lt 90 ]; do
        PAUSED=$(on kvm virsh domstate vm1 --reason 2>/dev/null | tr -d '\n')
        case $PAUSED in paused*) break ;; esac
        sleep 2; i=$((i + 2))
      done
      link A on; link B on
      local d=false; vm_detect "$t0" && d=true
      vm_recover_and_verify "$1" 5 "both storage links lost: the VM paused on an I/O error (error_policy=stop)" $d
      PAUSED= ;;
    m-lun) measure_lun ;;
    m-maintain) measure_maintain ;;
    m-runbook) measure_runbook ;;
    m-sweep) measure_sweep ;;
    m-init) measure_init ;;
    m-watch) measure_watch ;;
    m-watch-vm) measure_watch_vm ;;
    m-resync) measure_resync ;;
    m-stall)
      stall_run recommended 5 2 2 1
      stall_run open-iscsi-default 120 5 5 0 ;;
    m-lint) lint_stall ;;
    *) echo "LAB-LOG unknown scenario $1" >>"$out/run.log" ;;
  esac
}
