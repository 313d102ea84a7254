#include "sim/faults.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/kernel_reaction.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

// Faults on "a member" hit the last member of the first array: test02 in the runbook.
Result<const LunConfig*> member_lun(const SimState& s) {
  if (s.topology.arrays.empty()) return Error{"the topology has no array to break"};
  const LunConfig* l = s.topology.lun(s.topology.arrays[0].members.back());
  if (!l) return Error{"the first array's last member is not a LUN"};
  return l;
}

Result<Array*> first_array(SimState& s) {
  if (s.arrays.empty()) return Error{"the topology has no array"};
  return &s.arrays[0];
}

// The md faults model one situation each (a damaged superblock, a stale assembly) and start
// from a clean, in-sync array; on an array already in trouble they would make up states the
// kernel cannot reach.
Result<Array*> clean_first_array(SimState& s) {
  auto a = first_array(s);
  if (!a) return a;
  bool clean = (*a)->state == "active" && !(*a)->broken && !(*a)->resync;
  for (const auto& m : (*a)->members)
    clean = clean && m.in_array && !m.faulty && m.in_sync && m.superblock_ok;
  if (!clean) return Error{(*a)->name + " is not clean and in sync"};
  return a;
}

Result<bool> lun_unmapped(SimState& s) {
  auto l = member_lun(s);
  if (!l) return l.error();
  Target* t = s.lio.target((*l)->target);
  if (!t) return Error{"target already missing"};
  std::erase_if(t->luns, [&](const TargetLun& x) { return x.lun == (*l)->lun; });
  return true;
}

Result<bool> backstore_deleted(SimState& s) {
  auto l = member_lun(s);
  if (!l) return l.error();
  std::string bs = (*l)->backstore();
  // LIO removes every LUN that used a deleted storage object.
  for (auto& t : s.lio.targets) std::erase_if(t.luns, [&](const TargetLun& x) { return x.backstore == bs; });
  std::erase_if(s.lio.backstores, [&](const Backstore& b) { return b.type + "/" + b.name == bs; });
  return true;
}

Result<bool> zvol_hidden(SimState& s) {
  auto l = member_lun(s);
  if (!l) return l.error();
  Zvol* z = s.zvol((*l)->zvol);
  if (!z) return Error{fmt::format("LUN {} is not backed by a zvol", (*l)->name)};
  z->volmode = "none";
  return true;
}

// Someone renames a member's zvol (tidying names): LIO keeps serving the device it opened, so
// the initiator and md notice nothing, but the backstore's path is gone and a restart of the
// target would not find it.
Result<bool> zvol_renamed(SimState& s) {
  auto l = member_lun(s);
  if (!l) return l.error();
  Zvol* z = s.zvol((*l)->zvol);
  if (!z) return Error{fmt::format("LUN {} is not backed by a zvol", (*l)->name)};
  z->opened_as = z->name;
  z->name = s.pool.name + "/renamed-" + (*l)->name;
  return true;
}

// The VM paused by libvirt on an I/O error (error_policy='stop'): its disk failed for a while
// and is back, but the guest stays stopped until someone resumes it.
Result<bool> vm_paused(SimState& s) {
  if (s.topology.vms.empty()) return Error{"the topology has no VM"};
  Vm* v = s.vm(s.topology.vms.front().name);
  if (!v) return Error{"no domain for " + s.topology.vms.front().name};
  v->state = "paused";
  v->reason = "I/O error";
  return true;
}

Result<bool> session_logout(SimState& s) {
  auto l = member_lun(s);
  if (!l) return l.error();
  Session* se = s.session((*l)->target);
  if (!se) return Error{"no session to log out"};
  s.klog(s.kvm_host, fmt::format("sd {}:0:0:0: [{}] Synchronizing SCSI cache", se->host_no, se->disk), 2.0,
         5);
  std::string disk = se->disk;
  std::erase_if(s.sessions, [&](const Session& x) { return x.target == (*l)->target; });
  return true;
}

Result<bool> target_service_stopped(SimState& s) {
  // `systemctl stop target` clears configfs: no backstores, no targets, no listener.
  s.lio.running = false;
  s.lio.backstores.clear();
  s.lio.targets.clear();
  return true;
}

Result<bool> storage_network_down(SimState& s) {
  s.storage_network_up = false;
  return true;
}

// The pool's last disk, the side of its mirror a pool-disk fault breaks.
Result<PoolDisk*> mirror_side(SimState& s) {
  if (s.topology.storage.pool.empty()) return Error{"the topology has no ZFS pool"};
  if (s.pool.disks.size() < 2) return Error{"the pool needs a mirror of two disks"};
  return &s.pool.disks.back();
}

Result<bool> pool_disk_faulted(SimState& s) {
  auto side = mirror_side(s);
  if (!side) return side.error();
  PoolDisk& d = **side;
  d.state = "FAULTED";
  d.dead = true;
  d.write_errors = 42;
  d.note = "too many errors";
  s.klog(
      s.storage_host,
      fmt::format("sd 1:0:0:0: [sdb] tag#3 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=30s"),
      5.0, 6);
  s.klog(
      s.storage_host,
      "critical medium error, dev sdb, sector 182347264 op 0x1:(WRITE) flags 0x700 phys_seg 1 prio class 2",
      0.001, 3);
  s.klog(s.storage_host,
         "zio pool=" + s.pool.name + " vdev=/dev/disk/by-id/" + d.name +
             "-part1 error=5 type=2 offset=93361799168 size=4096 flags=180880",
         0.001, 4);
  // An ereport per failed write, then ZED's diagnosis faults the disk (a state change) and the
  // pool's configuration is written out (OpenZFS's zfs_ereport_post, zfs_post_state_change).
  for (int i = 0; i < 3; ++i) s.zevent("ereport.fs.zfs.io");
  s.zevent("resource.fs.zfs.statechange");
  s.zevent("sysevent.fs.zfs.config_sync");
  return true;
}

// One side of the pool's mirror pulled out from under the server (the lab's qemu device_del, a
// hot-unplugged disk): ZFS marks it REMOVED and serves from the other, as the lab's pool did.
Result<bool> pool_disk_removed(SimState& s) {
  auto side = mirror_side(s);
  if (!side) return side.error();
  (*side)->state = "REMOVED";
  (*side)->dead = true;
  s.zevent("resource.fs.zfs.statechange");
  s.zevent("resource.fs.zfs.removed");
  s.zevent("sysevent.fs.zfs.config_sync");
  return true;
}

Result<bool> md_superblock_corrupt(SimState& s) {
  auto a = clean_first_array(s);
  if (!a) return a.error();
  // Stopped, one member's v1.2 superblock overwritten, then assembled again: mdadm refuses the
  // damaged member and the array stays inactive with the good one.
  Member& bad = (*a)->members.back();
  bad.superblock_ok = false;
  bad.in_array = false;
  (*a)->state = "inactive";
  for (auto& m : (*a)->members)
    if (m.superblock_ok) m.in_array = true;
  s.klog(s.kvm_host, fmt::format("md: {} stopped.", (*a)->kernel_name()), 3.0, 6);
  s.klog(s.kvm_host, fmt::format("md: {} has no superblock - assembly aborted", s.disk_of(bad.lun)), 0.001,
         4);
  return true;
}

Result<bool> md_events_mismatch(SimState& s) {
  auto a = clean_first_array(s);
  if (!a) return a.error();
  // Assembled after an unclean split: one member's event count is behind, so md kicks it out
  // as non-fresh and runs degraded on the other.
  Member& stale = (*a)->members.back();
  std::string disk = s.disk_of(stale.lun);
  stale.events = (*a)->events - 6;
  stale.update_time = (*a)->update_time - 600;
  stale.array_state_seen = std::string(static_cast<size_t>((*a)->raid_disks), 'A');
  stale.in_array = false;
  stale.held = (*a)->generation;  // it missed the writes of the other side's last run
  ++(*a)->generation;
  (*a)->acknowledged = (*a)->generation;
  for (auto& m : (*a)->members)
    if (&m != &stale) m.held = (*a)->generation;
  s.klog(s.kvm_host, fmt::format("md: {} stopped.", (*a)->kernel_name()), 3.0, 6);
  s.klog(s.kvm_host, fmt::format("md: kicking non-fresh {} from array!", disk), 0.001, 4);
  s.klog(s.kvm_host,
         fmt::format("md/raid1:{}: active with 1 out of {} mirrors", (*a)->kernel_name(), (*a)->raid_disks),
         0.001, 6);
  ++(*a)->events;
  for (auto& m : (*a)->members)
    if (m.in_array) {
      m.events = (*a)->events;
      m.array_state_seen = "A" + std::string(static_cast<size_t>((*a)->raid_disks - 1), '.');
    }
  return true;
}

Result<bool> vm_disk_detached(SimState& s) {
  for (auto& v : s.vms)
    for (auto& d : v.disks)
      if (text::starts_with(d.source, "/dev/md")) {
        d.attached = false;
        return true;
      }
  return Error{"no VM disk on an array to detach"};
}

// An ext4 error (errors=remount-ro): the filesystem goes read-only. In a VM if there is one,
// else on the KVM host's own mount of an array (the lab's topology).
Result<bool> vm_fs_readonly(SimState& s) {
  auto abort_fs = [&s](const std::string& host, GuestMount& m) {
    ext4_shut_down(s, host, m, "ext4_find_entry:1663: inode #2: comm ls: reading directory lblock 0", 5.0);
  };
  for (const auto& vc : s.topology.vms) {
    Vm* v = s.vm(vc.name);
    if (!v || v->mounts.empty() || vc.guest.empty()) continue;
    abort_fs(vc.guest, v->mounts.front());
    return true;
  }
  for (auto& [host, mounts] : s.host_mounts)
    if (!mounts.empty()) {
      abort_fs(host, mounts.front());
      return true;
    }
  return Error{"no filesystem on the stack to make read-only"};
}

}  // namespace

const std::vector<Fault>& fault_catalog() {
  static const std::vector<Fault> f = {
      {"lun-unmapped", 1, "lun-missing", "a member's LUN is deleted from its target's TPG", lun_unmapped},
      {"backstore-deleted", 1, "backstore-missing",
       "a member's LIO backstore is deleted (and with it its LUN)", backstore_deleted},
      {"zvol-hidden", 1, "zvol-missing", "a member's zvol gets volmode=none: its device node disappears",
       zvol_hidden},
      {"zvol-renamed", 1, "zvol-renamed",
       "a member's zvol is renamed while LIO serves it: the backstore's device path is gone", zvol_renamed},
      {"session-logout", 1, "session-down", "the KVM host's session to a member's target is logged out",
       session_logout},
      {"target-service-stopped", 2, "target-not-listening",
       "target.service stopped on the storage server: configfs cleared", target_service_stopped},
      {"storage-network-down", 2, "portal-unreachable",
       "the storage network between KVM host and portal is down", storage_network_down},
      {"pool-disk-faulted", 3, "vdev-faulted", "one disk of the pool's mirror is FAULTED", pool_disk_faulted},
      {"pool-disk-removed", 3, "vdev-faulted", "one disk of the pool's mirror is pulled out: REMOVED",
       pool_disk_removed},
      {"md-superblock-corrupt", 4, "superblock-invalid",
       "one member's md superblock is overwritten; the array is inactive", md_superblock_corrupt},
      {"md-events-mismatch", 4, "events-mismatch",
       "the array was assembled with a member whose event count is stale", md_events_mismatch},
      {"vm-disk-detached", 5, "vm-disk-detached", "the array's virtio disk is detached from the VM",
       vm_disk_detached},
      {"vm-paused", 5, "vm-not-running",
       "the VM is paused on an I/O error (error_policy=stop); its disk is healthy again", vm_paused},
      {"vm-fs-readonly", 5, "fs-readonly", "the VM's filesystem on the array went read-only", vm_fs_readonly},
  };
  return f;
}

const std::vector<Repair>& repair_catalog() {
  static const std::vector<Repair> r = {
      {"storage-network", "the operator brings the storage network back (cable, switch port, VLAN)",
       "storage-network-down",
       [](SimState& s) -> Result<bool> {
         if (s.storage_network_up) return Error{"the storage network is up: nothing to repair"};
         s.storage_network_up = true;
         return true;
       }},
      {"pool-disk-replaced",
       std::string("the operator puts a new disk in the storage server (") + kReplacementDisk +
           "), for `recover --new-disk /dev/disk/by-id/" + kReplacementDisk + "`",
       "pool-disk-faulted",
       [](SimState& s) -> Result<bool> {
         if (s.topology.storage.pool.empty()) return Error{"the topology has no ZFS pool"};
         if (std::find(s.pool.spares.begin(), s.pool.spares.end(), kReplacementDisk) != s.pool.spares.end())
           return Error{std::string(kReplacementDisk) + " is in already"};
         s.pool.spares.push_back(kReplacementDisk);
         return true;
       }},
  };
  return r;
}

Result<bool> apply_repair(SimState& s, std::string_view name) {
  for (const auto& r : repair_catalog())
    if (r.name == name) {
      if (auto a = r.apply(s); !a) return a.error();
      settle(s);
      return true;
    }
  std::vector<std::string> names;
  for (const auto& r : repair_catalog()) names.push_back(r.name);
  return Error{fmt::format("unknown repair '{}'; the repairs are: {}", name, text::join(names, ", "))};
}

const Fault* find_fault(std::string_view name) {
  for (const auto& f : fault_catalog())
    if (f.name == name) return &f;
  return nullptr;
}

Result<bool> inject_fault(SimState& s, std::string_view name) {
  const Fault* f = find_fault(name);
  if (!f) {
    std::vector<std::string> names;
    for (const auto& x : fault_catalog()) names.push_back(x.name);
    return Error{fmt::format("unknown fault '{}'; known faults: {} (see `stackdr lab faults`)", name,
                             text::join(names, ", "))};
  }
  s.now += 60;
  auto r = f->inject(s);
  if (!r) return Error{fmt::format("fault {}: {}", name, r.error().message)};
  settle(s);
  return true;
}

}  // namespace stackdr::sim
