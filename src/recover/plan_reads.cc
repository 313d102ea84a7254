#include "recover/plan_reads.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "util/text.h"

namespace stackdr::planning {

// ---- reading the View ----------------------------------------------------------------------
// md facts come from the View's typed MdArrayState: one identity per array and member, and
// every fact three-valued, so "not read" is never taken for "not there".

const MdMemberState* member_state(const View& v, const ArrayConfig& a, const std::string& lun) {
  return v.array(a).member(lun);
}

// ---- conditions ------------------------------------------------------------------------------

Check node_ok(std::string id) {
  return [id](const View& v) { return v.not_ok(id); };
}

Check member_serving(const ArrayConfig& a, const std::string& lun) {
  return [&a, lun](const View& v) -> std::string {
    const MdMemberState* m = member_state(v, a, lun);
    if (!m || m->in_array == Seen::kUnknown) return fmt::format("not known whether {} is in {}", lun, a.name);
    if (m->in_array == Seen::kNo) return fmt::format("{} is not in {}", lun, a.name);
    if (m->slot && m->slot->faulty) return fmt::format("{} is faulty in {}", lun, a.name);
    return "";
  };
}

Check no_failed_members(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled == Seen::kUnknown) return "not known whether " + a.name + " has failed members";
    for (const auto& x : st.slots)
      if (x.faulty) return fmt::format("{} still lists {} as faulty", a.name, x.device);
    return "";
  };
}

Check array_in_sync(const ArrayConfig& a, std::string id) {
  return [&a, id](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled != Seen::kYes || !st.active) return a.name + " is not active";
    if (st.sync) return fmt::format("{} is still in {}", a.name, st.sync->action);
    return v.not_ok(id);
  };
}

Check array_stopped(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    switch (v.array(a).assembled) {
      case Seen::kNo:
        return "";
      case Seen::kYes:
        return a.name + " is still assembled";
      case Seen::kUnknown:
        break;
    }
    return "not known whether " + a.name + " is stopped";
  };
}

Check array_active_not_broken(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled != Seen::kYes || !st.active) return a.name + " is not active";
    if (st.broken == Seen::kUnknown) return "not known whether " + a.name + " is broken";
    return st.broken == Seen::kYes ? a.name + " is broken" : "";
  };
}

// Whether a filesystem is mounted: kUnknown when its host's mounts were not read.
Seen mounted(const View& v, const FilesystemSite& f) {
  auto g = v.observation.guests.find(f.host);
  if (g == v.observation.guests.end() || !g->second.mounts) return Seen::kUnknown;
  return g->second.mounts->at(f.mountpoint) ? Seen::kYes : Seen::kNo;
}

Check fs_unmounted(const FilesystemSite& f) {
  return [f](const View& v) -> std::string {
    switch (mounted(v, f)) {
      case Seen::kNo:
        return "";
      case Seen::kYes:
        return f.mountpoint + " is mounted";
      case Seen::kUnknown:
        break;
    }
    return "not known whether " + f.mountpoint + " is mounted on " + f.host;
  };
}

Check vm_disk_detached(const VmConfig& vm, const VmDiskConfig& d) {
  return [&vm, &d](const View& v) -> std::string {
    const Node* n = v.node(node_id::vm_disk(vm, d));
    if (!n || n->health == Health::kUnknown) return "not known whether " + d.target + " is attached";
    return n->cause == Cause::kVmDiskDetached ? "" : d.target + " is attached";
  };
}

// ---- what a finding is about ----------------------------------------------------------------

Subject subject_of(const Topology& t, const std::string& root) {
  Subject s;
  const std::string& kvm = t.initiator.host;
  for (const auto& l : t.luns)
    if (root == node_id::lun(l) || root == node_id::backstore(t.storage.host, l) ||
        root == node_id::zvol(l.zvol) || root == node_id::session(kvm, l, t.portal_of(l)) ||
        root == node_id::iscsi_disk(kvm, l))
      s.lun = &l;
  for (const auto& a : t.arrays) {
    if (root == node_id::array(a)) s.array = &a;
    if (!a.mountpoint.empty() && root == node_id::filesystem(site_of(a))) {
      s.array = &a;
      s.fs = site_of(a);
    }
    for (const auto& m : a.members)
      if (root == node_id::member(a, m)) {
        s.array = &a;
        s.member = m;
        s.lun = t.lun(m);
      }
  }
  for (const auto& vm : t.vms) {
    if (root == node_id::vm(vm)) s.vm = &vm;
    for (const auto& d : vm.disks)
      if (root == node_id::vm_disk(vm, d) || root == node_id::filesystem(vm, d)) {
        s.vm = &vm;
        s.vm_disk = &d;
        if (root == node_id::filesystem(vm, d)) s.fs = site_of(vm, d);
      }
  }
  std::string prefix = node_id::pool_disk(t.storage.pool, "");
  if (text::starts_with(root, prefix)) s.pool_disk = root.substr(prefix.size());
  return s;
}

// VM disks whose source is this array.
std::vector<std::pair<const VmConfig*, const VmDiskConfig*>> consumers(const Topology& t,
                                                                       const ArrayConfig& a) {
  std::vector<std::pair<const VmConfig*, const VmDiskConfig*>> out;
  for (const auto& vm : t.vms)
    for (const auto& d : vm.disks)
      if (d.source == a.name) out.push_back({&vm, &d});
  return out;
}

std::string disk_word(const std::string& lun) {
  return "{disk:" + lun + "}";
}

// The disk a `zpool replace` is resilvering onto in place of `disk` ("" = none under way): the
// other child of the replacing-N vdev that holds `disk`.
std::string replacing_with(const View& v, const std::string& disk) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return "";
  std::function<std::string(const std::vector<ZpoolVdev>&)> walk = [&](const std::vector<ZpoolVdev>& vs) {
    for (const auto& x : vs) {
      if (text::starts_with(x.name, "replacing-")) {
        bool holds = std::any_of(x.children.begin(), x.children.end(),
                                 [&](const ZpoolVdev& c) { return c.name == disk; });
        if (holds)
          for (const auto& c : x.children)
            if (c.name != disk) return c.name;
      }
      if (auto w = walk(x.children); !w.empty()) return w;
    }
    return std::string();
  };
  for (const auto& p : z->pools)
    if (auto w = walk(p.root.children); !w.empty()) return w;
  return "";
}

// Whether a disk is part of the pool as the view read it (in any vdev, replacing included).
bool pool_has(const View& v, const std::string& disk) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return false;
  std::function<bool(const std::vector<ZpoolVdev>&)> walk = [&](const std::vector<ZpoolVdev>& vs) {
    for (const auto& x : vs)
      if (x.name == disk || walk(x.children)) return true;
    return false;
  };
  for (const auto& p : z->pools)
    if (walk(p.root.children)) return true;
  return false;
}

ScrubState scrub_state(const View& v, const std::string& pool) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return {"zpool status was not read", ""};
  for (const auto& p : z->pools) {
    if (p.name != pool) continue;
    if (!p.scan_kind.empty())
      return {fmt::format("{} {:.2f}% done", p.scan_kind, p.scan_percent.value_or(0)), ""};
    // "scrub repaired 0B in 00:00:01 with 0 errors on Sun Dec  6 14:31:07 2026"
    if (text::starts_with(p.scan, "scrub repaired")) {
      if (p.scan.find(" with 0 errors") != std::string::npos) return {"", ""};
      return {p.scan, fmt::format("the scrub found errors ({}): `zpool status -v {}` lists the damaged "
                                  "files",
                                  p.scan, pool)};
    }
    if (text::starts_with(p.scan, "scrub canceled"))
      return {p.scan, "the scrub was canceled (" + p.scan + ")"};
    return {"no scrub has run since: " + (p.scan.empty() ? std::string("none") : p.scan), ""};
  }
  return {"pool " + pool + " is not in zpool status", ""};
}

}  // namespace stackdr::planning
