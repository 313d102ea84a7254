#include <fmt/format.h>

#include "model/graph_layers.h"
#include "model/node_id.h"
#include "util/text.h"

// The VMs, their disks, and the filesystems on an array or in a VM.

namespace stackdr::graph {

void Builder::vms() {
  for (const auto& v : t_.vms) {
    auto kit = o_.kvm.find(v.host);
    const KvmFacts* k = kit == o_.kvm.end() ? nullptr : &kit->second;
    Node vm{node_id::vm(v), Layer::kVm, v.host, "VM " + v.name, Health::kOk, Cause::kNone, {}, {}, {}};
    if (!k || !k->domains) {
      unknown_if_missing(vm, false, reads_, v.host, "virsh list");
    } else {
      auto d = std::find_if(k->domains->domains.begin(), k->domains->domains.end(),
                            [&](const VirshDomain& x) { return x.name == v.name; });
      if (d == k->domains->domains.end())
        worsen(vm, Health::kFailed, Cause::kVmMissing, {v.host, "virsh list --all", "no domain " + v.name});
      else if (d->state != "running") {
        worsen(vm, Health::kFailed, Cause::kVmNotRunning,
               {v.host, "virsh list --all", v.name + " is " + d->state});
        if (auto why = k->domstate.find(v.name); why != k->domstate.end())  // read for a paused one
          vm.evidence.push_back(
              {v.host, "virsh domstate " + v.name + " --reason",
               why->second.state + (why->second.reason.empty() ? "" : " (" + why->second.reason + ")")});
      }
    }
    std::vector<size_t> disks;  // one per v.disks entry
    for (const auto& dc : v.disks) disks.push_back(vm_disk(v, dc, k));
    vm.depends_on = disks;
    impact(vm, v);
    size_t vm_at = g_.add(std::move(vm));
    for (size_t i = 0; i < v.disks.size(); ++i)
      if (!v.disks[i].mountpoint.empty() && !v.guest.empty())
        filesystem(site_of(v, v.disks[i]), {disks[i], vm_at});
  }
}

std::optional<size_t> Builder::disk_source(const std::string& host, const std::string& source) const {
  if (const ArrayConfig* a = t_.array(source)) {
    auto it = array_at_.find(a);
    if (it != array_at_.end()) return it->second;
  } else if (auto h = at_.find(host); h != at_.end()) {
    auto it = h->second.disk.find(source);
    if (it != h->second.disk.end()) return it->second;
  }
  return std::nullopt;
}

void Builder::impact(Node& vm, const VmConfig& v) {
  // Only a VM seen to exist and run can be said to freeze: an UNKNOWN one stays UNKNOWN.
  if (vm.health != Health::kOk) return;
  for (const auto& dc : v.disks) {
    auto at = disk_source(v.host, dc.source);
    const Node* src = at ? &g_.node(*at) : nullptr;
    if (!src || src->health != Health::kFailed) continue;
    std::string why = fmt::format("its {} disk {} rests on {}, which is FAILED ({})",
                                  dc.boot ? "boot" : "data", dc.target, src->label, cause_name(src->cause));
    if (dc.boot)
      worsen(vm, Health::kFailed, Cause::kVmFrozen, {v.host, "stack graph", why + ": the guest's I/O hangs"});
    else
      worsen(vm, Health::kDegraded, Cause::kVmDiskLost, {v.host, "stack graph", why});
  }
}

size_t Builder::vm_disk(const VmConfig& v, const VmDiskConfig& dc, const KvmFacts* k) {
  Node n{node_id::vm_disk(v, dc),
         Layer::kVmDisk,
         v.host,
         fmt::format("{} disk {} ← {}", v.name, dc.target, dc.source),
         Health::kOk,
         Cause::kNone,
         {},
         {},
         {}};
  std::string expected;
  if (auto at = disk_source(v.host, dc.source)) n.depends_on.push_back(*at);
  if (const ArrayConfig* a = t_.array(dc.source))
    expected = a->device;
  else if (const LunConfig* l = t_.lun(dc.source))
    expected = fmt::format("-iscsi-{}-lun-{}", l->target, l->lun);
  auto b = k ? k->domblklist.find(v.name) : std::map<std::string, VirshDomblklistFacts>::const_iterator{};
  if (!k || b == k->domblklist.end()) {
    unknown_if_missing(n, false, reads_, v.host, "virsh domblklist");
  } else {
    auto d = std::find_if(b->second.disks.begin(), b->second.disks.end(),
                          [&](const VirshBlockDevice& x) { return x.target == dc.target; });
    if (d == b->second.disks.end())
      worsen(
          n, Health::kFailed, Cause::kVmDiskDetached,
          {v.host, "virsh domblklist " + v.name, dc.target + " is not attached (runbook Scenario 5 step 3)"});
    else if (!text::contains(d->source, expected))
      worsen(n, Health::kFailed, Cause::kVmDiskWrongSource,
             {v.host, "virsh domblklist " + v.name,
              fmt::format("{} is {}, expected {}", dc.target, d->source, expected)});
  }
  return g_.add(std::move(n));
}

void Builder::filesystem(const FilesystemSite& f, std::vector<size_t> depends_on) {
  Node n{node_id::filesystem(f),
         Layer::kFilesystem,
         f.host,
         fmt::format("filesystem {} on {}", f.mountpoint, f.owner),
         Health::kOk,
         Cause::kNone,
         {},
         std::move(depends_on),
         {}};
  auto git = o_.guests.find(f.host);
  if (git == o_.guests.end() || !git->second.mounts) {
    unknown_if_missing(n, false, reads_, f.host, "/proc/mounts");
  } else {
    const Mount* m = git->second.mounts->at(f.mountpoint);
    auto kit = o_.kvm.find(f.host);
    const auto& kmsg = git->second.kmsg      ? git->second.kmsg
                       : kit != o_.kvm.end() ? kit->second.kmsg
                                             : git->second.kmsg;
    std::string dev = f.device.substr(f.device.rfind('/') + 1);
    // Since Linux 6.1 ext4 with errors=remount-ro stops every write after an error but no
    // longer flags the mount read-only: /proc/mounts still says rw (seen in our qemu lab).
    // The kernel log tells: "Remounting filesystem read-only" after its last mount.
    const KernelEvent* shut = nullptr;
    if (kmsg)
      for (const auto& e : kmsg->events)
        if (e.device == dev && (e.kind == "fs-remount-ro" || e.kind == "fs-mounted"))
          shut = e.kind == "fs-remount-ro" ? &e : nullptr;
    if (!m) {
      worsen(n, Health::kFailed, Cause::kFsNotMounted,
             {f.host, "/proc/mounts", f.mountpoint + " is not mounted"});
    } else if (m->read_only() || shut) {
      worsen(n, Health::kFailed, Cause::kFsReadonly,
             {f.host, "/proc/mounts",
              fmt::format("{} {} {} {}{}", m->device, m->mountpoint, m->fstype, text::join(m->options, ","),
                          m->read_only() ? "" : " (the kernel stopped its writes: see dmesg)")});
      if (kmsg)
        for (const auto& e : kmsg->events)
          if ((e.kind == "fs-remount-ro" || e.kind == "fs-error") && e.device == dev)
            n.evidence.push_back({f.host, "dmesg", fmt::format("[{}] {}", e.time, e.text)});
    }
  }
  g_.add(std::move(n));
}

}  // namespace stackdr::graph
