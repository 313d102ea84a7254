#include "recover/lun_use.h"

#include <fmt/format.h>

#include "probe/disk_links.h"
#include "util/text.h"

namespace stackdr {

std::vector<std::string> lun_uses(const Topology& t, const View& v, const LunConfig& l) {
  std::vector<std::string> uses;
  for (const auto& a : t.arrays)
    for (const auto& m : a.members) {
      if (m != l.name) continue;
      const MdMemberState* ms = v.array(a).member(l.name);
      if (!ms || ms->in_array == Seen::kUnknown)
        uses.push_back(fmt::format("it may be a member of array {}: md's view of it was not read", a.name));
      else if (ms->in_array == Seen::kYes)
        uses.push_back(fmt::format("it is a member of array {} (/dev/{})", a.name, ms->device));
      else if (v.array(a).assembled != Seen::kNo)
        uses.push_back(
            fmt::format("it is a member of array {} in the topology (not in the running array now: "
                        "re-add or take it out of the topology first)",
                        a.name));
    }
  for (const auto& vm : t.vms)
    for (const auto& d : vm.disks)
      if (d.source == l.name) uses.push_back(fmt::format("it is disk {} of VM {}", d.target, vm.name));
  for (const auto& [host, k] : v.observation.kvm) {
    if (!k.sessions) {
      uses.push_back(fmt::format("a session on {} may use it: iscsiadm was not read there", host));
      continue;
    }
    for (const auto& se : k.sessions->sessions) {
      if (se.target != l.target) continue;
      std::string disk;
      if (k.by_path) {
        IscsiDiskIndex disks(*k.by_path);
        if (const std::string* d = disks.device(l.target, l.lun)) disk = " with disk /dev/" + *d;
      }
      uses.push_back(fmt::format("{} is logged in to {} (sid {}, {}){}: log it out first", host, l.target,
                                 se.sid.value_or(-1), se.session_state, disk));
    }
  }
  return uses;
}

const LunConfig* lun_taken_away(const Topology& t, const Argv& a) {
  if (a.size() == 4 && a[0] == "targetcli" && a[2] == "delete") {
    for (const auto& l : t.luns) {
      if (text::starts_with(a[1], "/backstores/") && a[1].substr(12) == l.backstore_type &&
          a[3] == l.backstore_name)
        return &l;
      if (a[1] == "/iscsi" && a[3] == l.target) return &l;
    }
  }
  // zfs destroy [-r…] ZVOL[@SNAP]: its data; zfs rename [-p] ZVOL NEW: its name, so its device.
  if (a.size() >= 3 && a[0] == "zfs" && a[1] == "destroy")
    for (const auto& l : t.luns)
      if (!l.zvol.empty() && (a.back() == l.zvol || text::starts_with(a.back(), l.zvol + "@"))) return &l;
  if (a.size() >= 4 && a[0] == "zfs" && a[1] == "rename")
    for (const auto& l : t.luns)
      if (!l.zvol.empty() && a[a.size() - 2] == l.zvol) return &l;
  return nullptr;
}

}  // namespace stackdr
