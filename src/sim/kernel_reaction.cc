#include "sim/kernel_reaction.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/text.h"

namespace stackdr::sim {

namespace {

// Faults that make the target unreachable rather than refuse I/O: the session recovers.
bool unreachable(const std::string& why) {
  return text::contains(why, "network") || text::contains(why, "service stopped") ||
         text::contains(why, "disabled") || text::contains(why, "target iqn") ||
         text::starts_with(why, "target ");
}

void settle_sessions(SimState& s) {
  // Every session loses its target at the same moment: the NOP-Out pings time out together,
  // and replacement_timeout later each session gives up and offlines its disk.
  std::vector<Session*> lost;
  for (auto& se : s.sessions) {
    const Target* t = s.lio.target(se.target);
    bool down = !s.reachable(portal_ip(se.portal)) || !s.lio.running || !t || !t->tpg_enabled;
    if (down && se.session_state == "LOGGED_IN") {
      lost.push_back(&se);
    } else if (!down && se.session_state != "LOGGED_IN") {
      // iscsid keeps retrying and logs back in by itself once the target answers again.
      se.session_state = "LOGGED_IN";
      se.connection_state = "LOGGED IN";
      se.internal_state = "NO CHANGE";
      se.disk_state = "running";
      s.klog(s.kvm_host, fmt::format(" session{}: session recovered", se.sid), 1.0, 6);
    }
  }
  if (lost.empty()) return;
  // A refused connection errors at once; a silent network only after the NOP-Out pings.
  bool net = !s.reachable(portal_ip(lost.front()->portal));
  double first = net ? 10.0 : 2.0;
  for (size_t i = 0; i < lost.size(); ++i) {
    std::string conn = fmt::format("connection{}:0", lost[i]->sid);
    if (net)
      s.klog(s.kvm_host,
             fmt::format(" {}: ping timeout of 5 secs expired, recv timeout 5, last rx 4294928343, last ping "
                         "4294929595, now 4294930880",
                         conn),
             i == 0 ? first : 0.0001, 3);
    s.klog(s.kvm_host, fmt::format(" {}: detected conn error ({})", conn, net ? 1022 : 1020),
           i == 0 && !net ? first : 0.0001, 6);
  }
  for (size_t i = 0; i < lost.size(); ++i) {
    Session& se = *lost[i];
    s.klog(s.kvm_host,
           fmt::format(" session{}: session recovery timed out after {} secs", se.sid, se.recovery_timeout),
           i == 0 ? se.recovery_timeout : 0.0001, 6);
    se.session_state = "FREE";
    se.connection_state = "TRANSPORT WAIT";
    se.internal_state = "REOPEN";
    se.disk_state = "transport-offline";
  }
}

void log_io_failure(SimState& s, const std::string& disk, const std::string& why, int host_no) {
  if (disk.empty()) return;
  if (unreachable(why)) {
    s.klog(s.kvm_host, fmt::format("sd {}:0:0:0: rejecting I/O to offline device", host_no), 0.001, 3);
    s.klog(s.kvm_host,
           fmt::format("I/O error, dev {}, sector 16 op 0x1:(WRITE) flags 0x29800 phys_seg 1 prio class 2",
                       disk),
           0.001, 3);
    s.klog(s.kvm_host, "md: super_written gets error=-5", 0.001, 3);
  } else {
    s.klog(
        s.kvm_host,
        fmt::format("sd {}:0:0:0: [{}] tag#32 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s",
                    host_no, disk),
        2.0, 6);
    s.klog(s.kvm_host,
           fmt::format("sd {}:0:0:0: [{}] tag#32 Sense Key : Data Protect [current] ", host_no, disk), 0.001,
           6);
    s.klog(
        s.kvm_host,
        fmt::format(
            "critical target error, dev {}, sector 16 op 0x1:(WRITE) flags 0x29800 phys_seg 1 prio class 2",
            disk),
        0.001, 3);
    s.klog(s.kvm_host, "md: super_written gets error=-121", 0.001, 3);
  }
}

void settle_arrays(SimState& s) {
  for (auto& a : s.arrays) {
    if (a.state != "active") continue;
    bool changed = false;
    for (auto& m : a.members) {
      if (!m.in_array || m.faulty) continue;
      const LunConfig* l = s.topology.lun(m.lun);
      std::string why = l ? s.io_path_fault(*l) : "unknown LUN";
      if (why.empty()) continue;
      const Session* se = l ? s.session(l->target) : nullptr;
      std::string disk = se ? se->disk : "";
      int working = static_cast<int>(std::count_if(a.members.begin(), a.members.end(), [](const Member& x) {
        return x.in_array && !x.faulty && x.in_sync;
      }));
      log_io_failure(s, disk, why, se ? se->host_no : 0);
      if (working > 1 || !m.in_sync) {
        m.faulty = true;
        m.dirty_kib = std::min(a.size_kib, m.dirty_kib + a.bitmap_chunk_kib);  // the write that failed
        s.klog(s.kvm_host,
               fmt::format("md/raid1:{}: Disk failure on {}, disabling device.\nmd/raid1:{}: "
                           "Operation continuing on {} devices.",
                           a.kernel_name(), disk.empty() ? m.lun : disk, a.kernel_name(), working - 1),
               0.001, 2);
        changed = true;
      } else if (!a.broken) {
        // The last leg is never failed: md marks the array broken and records the failed
        // writes in the member's bad-block log instead (seen in the lab, S2b).
        a.broken = true;
        m.write_error = true;
        m.bad_blocks = {{280738, 2}, {346114, 512}, {346626, 512}, {347138, 512}, {347650, 512}};
        s.klog(s.kvm_host,
               fmt::format(
                   "I/O error, dev {}, sector 346114 op 0x1:(WRITE) flags 0x800 phys_seg 256 prio class 2",
                   disk),
               0.001, 3);
        changed = true;
      }
    }
    if (changed) md_event(s, a);
  }
}

// ext4 met a write error under it: it aborts its journal and shuts down.
void fs_aborted(SimState& s, const std::string& host, GuestMount& m) {
  ext4_shut_down(s, host, m, "ext4_journal_check_start:83: comm kworker/u4:2: Detected aborted journal", 1.0);
}

void settle_guests(SimState& s) {
  for (auto& v : s.vms) {
    const VmConfig* vc = nullptr;
    for (const auto& c : s.topology.vms)
      if (c.name == v.name) vc = &c;
    if (!vc) continue;
    for (const auto& dc : vc->disks) {
      bool failed = false;
      if (const ArrayConfig* ac = s.topology.array(dc.source)) {
        const Array* a = s.array(ac->name);
        failed = !a || a->state != "active" || a->broken;
      } else if (const LunConfig* l = s.topology.lun(dc.source)) {
        failed = !s.io_path_fault(*l).empty();
      }
      auto disk = std::find_if(v.disks.begin(), v.disks.end(),
                               [&](const VmDisk& d) { return d.target == dc.target; });
      if (disk != v.disks.end() && !disk->attached) failed = true;
      if (!failed) continue;
      for (auto& m : v.mounts) {
        if (m.device != dc.guest_device || m.read_only || !m.mounted) continue;
        fs_aborted(s, vc->guest, m);
      }
    }
  }
  // An array mounted on the KVM host itself: ext4 aborts its journal when the array stops
  // serving, exactly as in a VM.
  for (auto& [host, mounts] : s.host_mounts)
    for (auto& m : mounts) {
      auto a = std::find_if(s.arrays.begin(), s.arrays.end(),
                            [&](const Array& x) { return x.device == m.device; });
      if (a == s.arrays.end() || (a->state == "active" && !a->broken) || m.read_only || !m.mounted) continue;
      fs_aborted(s, host, m);
    }
}

}  // namespace

std::string array_state_of(const Array& a) {
  std::string st(static_cast<size_t>(a.raid_disks), '.');
  for (const auto& m : a.members)
    if (m.in_array && !m.faulty && m.in_sync && m.role >= 0 && m.role < a.raid_disks)
      st[static_cast<size_t>(m.role)] = 'A';
  return st;
}

// md wrote its superblock: every working member records the new event count and view.
void md_event(SimState& s, Array& a) {
  ++a.events;
  a.update_time = s.now;
  std::string view = array_state_of(a);
  for (auto& m : a.members) {
    if (m.in_array && !m.faulty) {
      m.events = a.events;
      m.update_time = s.now;
      m.array_state_seen = view;
    }
  }
}

void settle(SimState& s) {
  settle_sessions(s);
  settle_arrays(s);
  settle_guests(s);
}

void ext4_shut_down(SimState& s, const std::string& host, GuestMount& m, const std::string& error_line,
                    double after_s) {
  m.read_only = true;
  m.needs_fsck = true;
  m.shut_down = true;
  if (host.empty()) return;
  std::string dev = m.device.substr(m.device.rfind('/') + 1);
  s.klog(host, fmt::format("EXT4-fs error (device {}): {}", dev, error_line), after_s, 2);
  s.klog(host, fmt::format("EXT4-fs ({}): Remounting filesystem read-only", dev), 0.001, 2);
}

}  // namespace stackdr::sim
