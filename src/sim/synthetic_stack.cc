#include "sim/synthetic_stack.h"

#include <fmt/format.h>

namespace stackdr::sim {

Topology synthetic_topology(int arrays) {
  Topology t;
  t.source = "synthetic";
  auto host = [](const char* name, HostRole role, const char* address) {
    HostConfig h;
    h.name = name;
    h.role = role;
    h.address = address;
    return h;
  };
  t.hosts = {host("storage", HostRole::kStorage, "127.0.0.1"), host("kvm", HostRole::kKvm, "127.0.0.2")};
  t.storage = {"storage", "tank", "127.0.0.1:3260", {"ata-DISK_A", "ata-DISK_B"}, {}};
  t.initiator = {"kvm", "iqn.2024-01.com.example:kvm"};
  for (int i = 0; i < arrays; ++i) {
    ArrayConfig a;
    a.name = fmt::format("md{}", i);
    a.host = "kvm";
    a.device = "/dev/" + a.name;
    for (int leg = 0; leg < 2; ++leg) {
      LunConfig l;
      l.name = fmt::format("a{}l{}", i, leg);
      l.target = fmt::format("iqn.2003-01.org.linux-iscsi.storage:{}", l.name);
      l.zvol = "tank/" + l.name;
      l.device = "/dev/zvol/" + l.zvol;
      l.backstore_name = l.name;
      a.members.push_back(l.name);
      t.luns.push_back(l);
    }
    t.arrays.push_back(a);
  }
  t.index();
  return t;
}

void number_disks(SimState& s) {
  for (size_t i = 0; i < s.sessions.size(); ++i) s.sessions[i].disk = fmt::format("sd{}", i);
  for (auto& a : s.arrays)
    for (auto& m : a.members) m.rdev = s.disk_of(m.lun);
}

}  // namespace stackdr::sim
