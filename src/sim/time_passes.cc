#include "sim/time_passes.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/kernel_reaction.h"
#include "sim/sim_stack.h"

namespace stackdr::sim {

namespace {

constexpr int64_t kWriteEveryS = 10;  // a VM write burst dirties one bitmap chunk

bool vm_writes_to(const SimState& s, const Array& a) {
  if (a.state != "active" || a.broken) return false;
  for (const auto& vc : s.topology.vms)
    for (const auto& dc : vc.disks) {
      if (dc.source != a.name) continue;
      const Vm* v = const_cast<SimState&>(s).vm(vc.name);
      if (!v || v->state != "running") continue;
      bool attached = std::any_of(v->disks.begin(), v->disks.end(),
                                  [&](const VmDisk& d) { return d.target == dc.target && d.attached; });
      bool rw = std::any_of(v->mounts.begin(), v->mounts.end(), [&](const GuestMount& m) {
        return m.device == dc.guest_device && m.mounted && !m.read_only;
      });
      if (attached && rw) return true;
    }
  for (const auto& [host, mounts] : s.host_mounts)
    for (const auto& m : mounts)
      if (m.device == a.device && m.mounted && !m.read_only) return true;
  return false;
}

void write_burst(SimState& s, Array& a) {
  ++a.generation;
  a.acknowledged = std::max(a.acknowledged, a.generation);
  for (auto& m : a.members) {
    bool serving = m.in_array && !m.faulty;
    if (serving && m.in_sync) m.held = a.generation;
    // md writes to a rebuilding member too; the bitmap marks the chunk for a member that is away.
    if (!serving || !m.in_sync) m.dirty_kib = std::min(a.size_kib, m.dirty_kib + a.bitmap_chunk_kib);
  }
  (void)s;
}

void progress_resync(SimState& s, Array& a, int64_t dt) {
  if (!a.resync || a.state != "active") return;
  Resync& r = *a.resync;
  int64_t step = std::min(r.copy_kib - r.copied_kib, r.speed_kib * dt);
  r.copied_kib += step;
  s.bytes_resynced += step * 1024;
  r.done_kib = r.copy_kib ? r.total_kib * r.copied_kib / r.copy_kib : r.total_kib;
  if (r.copied_kib < r.copy_kib) return;
  Member* m = a.member(r.lun);
  if (m) {
    m->in_sync = true;
    m->held = a.generation;
    m->dirty_kib = 0;
    m->bad_blocks.clear();
  }
  // The kernel calls a check "data-check" in its log (md.c's md_do_sync).
  s.klog(s.kvm_host,
         fmt::format("md: {}: {} done.", a.kernel_name(), r.action == "check" ? "data-check" : r.action),
         static_cast<double>(dt), 6);
  a.resync.reset();
  md_event(s, a);
}

void progress_scan(SimState& s, int64_t dt) {
  if (!s.pool.scanning) return;
  PoolScan& sc = *s.pool.scanning;
  sc.done_bytes = std::min(sc.total_bytes, sc.done_bytes + sc.speed_bytes * dt);
  if (sc.done_bytes < sc.total_bytes) return;
  int64_t took = sc.speed_bytes ? sc.total_bytes / sc.speed_bytes : 0;
  std::string when = ctime_string(s.now);
  bool resilver = sc.kind == "resilver";
  if (resilver) {
    std::erase_if(s.pool.disks, [&](const PoolDisk& d) { return d.name == sc.replacing; });
    s.pool.scan = fmt::format("resilvered {}G in {:02}:{:02}:{:02} with 0 errors on {}", sc.total_bytes >> 30,
                              took / 3600, took / 60 % 60, took % 60, when);
  } else {
    s.pool.scan = fmt::format("scrub repaired 0B in {:02}:{:02}:{:02} with 0 errors on {}", took / 3600,
                              took / 60 % 60, took % 60, when);
  }
  s.pool.scanning.reset();
  // The replaced disk leaves the mirror when its resilver is done (vdev_remove), as on the lab's pool.
  s.zevent(resilver ? "sysevent.fs.zfs.resilver_finish" : "sysevent.fs.zfs.scrub_finish");
  if (resilver) {
    s.zevent("sysevent.fs.zfs.vdev_remove");
    s.zevent("sysevent.fs.zfs.config_sync");
  }
}

}  // namespace

int64_t newest_available(const Array& a) {
  int64_t best = a.state == "active" ? a.generation : 0;
  for (const auto& m : a.members)
    if (m.superblock_ok) best = std::max(best, m.held);
  return best;
}

void account_data_loss(SimState& s, const std::string& action) {
  for (auto& a : s.arrays) {
    int64_t have = newest_available(a);
    if (have >= a.acknowledged) continue;
    s.data_loss.push_back(fmt::format("{}: {} can supply generation {} but the VM was told {} was written",
                                      action, a.name, have, a.acknowledged));
    a.acknowledged = have;  // count each loss once
  }
}

bool arrays_in_sync(const SimState& s) {
  for (const auto& a : s.arrays) {
    if (a.state != "active" || a.broken || a.resync) return false;
    for (const auto& m : a.members)
      if (!m.in_array || m.faulty || !m.in_sync) return false;
  }
  return true;
}

void advance(SimState& s, int64_t seconds) {
  int64_t left = seconds;
  while (left > 0) {
    int64_t dt = std::min(left, kWriteEveryS);
    left -= dt;
    s.now += dt;
    for (auto& a : s.arrays) {
      progress_resync(s, a, dt);
      if (vm_writes_to(s, a)) write_burst(s, a);
    }
    progress_scan(s, dt);
    std::vector<SimState::Scheduled> due;
    for (auto it = s.scheduled.begin(); it != s.scheduled.end();) {
      if (it->at <= s.now) {
        due.push_back(std::move(*it));
        it = s.scheduled.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& d : due) d.run(s);
    settle(s);
  }
}

}  // namespace stackdr::sim
