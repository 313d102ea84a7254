#include "operate/lun_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "model/node_id.h"
#include "probe/disk_links.h"
#include "util/text.h"

namespace stackdr {

namespace {

const std::string kNotRead = "?";

// A LUN LIO runs that the topology does not name: its backstore, and where a target maps it.
LunConfig undeclared(const LioFacts& lio, const LioBackstore& b) {
  LunConfig l;
  l.name = b.name;
  l.backstore_type = b.type;
  l.backstore_name = b.name;
  l.device = b.device;
  if (text::starts_with(b.device, "/dev/zvol/")) l.zvol = b.device.substr(10);
  for (const auto& t : lio.targets)
    for (const auto& g : t.tpgs)
      for (const auto& x : g.luns)
        if (x.backstore == l.backstore()) {
          l.target = t.iqn;
          l.lun = x.lun;
        }
  return l;
}

void fill_storage(const LunConfig& l, const StorageFacts& s, LunRow& r) {
  r.zvol = l.zvol;
  if (!l.zvol.empty()) {
    r.volsize = s.zvols ? s.zvols->get(l.zvol, "volsize").value_or("absent") : kNotRead;
    r.volmode = s.zvols ? s.zvols->get(l.zvol, "volmode").value_or("absent") : kNotRead;
  }
  r.backstore = l.backstore();
  r.target = l.target;
  r.lun = l.lun;
  if (!s.lio) {
    r.device = r.serial = kNotRead;
    return;
  }
  for (const auto& b : s.lio->backstores)
    if (b.type + "/" + b.name == l.backstore()) {
      r.device = b.device;
      r.serial = b.serial;
    }
  if (r.device.empty()) r.device = "absent";
  for (const auto& t : s.lio->targets)
    if (t.iqn == l.target)
      for (const auto& g : t.tpgs)
        for (const auto& a : g.acls) r.acls.push_back(a.initiator);
}

void fill_initiator(const Topology& t, const LunConfig& l, const View& v, LunRow& r) {
  auto k = v.observation.kvm.find(t.initiator.host);
  if (k == v.observation.kvm.end()) {
    r.session = r.disk = kNotRead;
    return;
  }
  if (!k->second.sessions) {
    r.session = kNotRead;
  } else {
    r.session = "none";
    for (const auto& se : k->second.sessions->sessions)
      if (se.target == l.target) r.session = fmt::format("sid {} {}", se.sid.value_or(-1), se.session_state);
  }
  if (!k->second.by_path) {
    r.disk = kNotRead;
  } else {
    IscsiDiskIndex disks(*k->second.by_path);
    const std::string* d = disks.device(l.target, l.lun);
    r.disk = d ? *d : "none";
  }
}

void fill_uses(const Topology& t, const LunConfig& l, const View& v, LunRow& r) {
  std::string via;
  for (const auto& a : t.arrays)
    for (const auto& m : a.members)
      if (m == l.name) {
        r.array = a.name;
        via = a.name;
        const MdMemberState* ms = v.array(a).member(l.name);
        if (!ms || ms->in_array == Seen::kUnknown)
          r.role = kNotRead;
        else if (ms->in_array == Seen::kNo)
          r.role = "not in the array";
        else if (ms->slot && ms->slot->faulty)
          r.role = "faulty";
        else if (ms->slot && ms->slot->spare)
          r.role = "spare";
        else if (ms->slot)
          r.role = std::to_string(ms->slot->role);
      }
  for (const auto& vm : t.vms)
    for (const auto& d : vm.disks)
      if (d.source == l.name || (!via.empty() && d.source == via))
        r.vm_disk = fmt::format("{} {}{}", vm.name, d.target, d.source == l.name ? "" : " (via " + via + ")");
}

}  // namespace

std::vector<LunRow> lun_rows(const Topology& t, const View& v) {
  std::vector<LunRow> rows;
  std::vector<std::pair<LunConfig, bool>> luns;
  for (const auto& l : t.luns) luns.emplace_back(l, true);
  const StorageFacts& s = v.observation.storage;
  if (s.lio)
    for (const auto& b : s.lio->backstores) {
      bool declared = false;
      for (const auto& l : t.luns) declared = declared || l.backstore() == b.type + "/" + b.name;
      if (!declared) luns.emplace_back(undeclared(*s.lio, b), false);
    }
  for (const auto& [l, declared] : luns) {
    LunRow r;
    r.name = l.name;
    r.in_topology = declared;
    fill_storage(l, s, r);
    fill_initiator(t, l, v, r);
    if (declared) {
      fill_uses(t, l, v, r);
      if (const Node* n = v.node(node_id::lun(l))) r.health = health_name(n->health);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

nlohmann::json lun_rows_json(const std::vector<LunRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows)
    a.push_back({{"name", r.name},
                 {"in_topology", r.in_topology},
                 {"zvol", r.zvol},
                 {"volsize", r.volsize},
                 {"volmode", r.volmode},
                 {"backstore", r.backstore},
                 {"device", r.device},
                 {"serial", r.serial},
                 {"target", r.target},
                 {"lun", r.lun},
                 {"acls", r.acls},
                 {"session", r.session},
                 {"disk", r.disk},
                 {"array", r.array},
                 {"role", r.role},
                 {"vm_disk", r.vm_disk},
                 {"health", r.health}});
  return nlohmann::json{{"luns", a}, {"unread_mark", kNotRead}};
}

std::string lun_rows_text(const std::vector<LunRow>& rows) {
  // One line per LUN, columns as wide as their widest cell.
  std::vector<std::vector<std::string>> table{{"LUN", "ZVOL", "SIZE", "BACKSTORE", "SERIAL", "TARGET", "LUN#",
                                               "SESSION", "DISK", "ARRAY/ROLE", "VM DISK"}};
  for (const auto& r : rows)
    table.push_back({r.name + (r.in_topology ? "" : "*"), r.zvol.empty() ? "-" : r.zvol,
                     r.volsize.empty() ? "-" : r.volsize, r.backstore, r.serial.empty() ? "-" : r.serial,
                     r.target, std::to_string(r.lun), r.session, r.disk,
                     r.array.empty() ? "-" : r.array + "/" + r.role, r.vm_disk.empty() ? "-" : r.vm_disk});
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& row : table)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : table) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c)
      line += c + 1 < row.size() ? fmt::format("{:<{}}  ", row[c], width[c]) : row[c];
    out += line + "\n";
  }
  out += "* = not in the topology; ? = could not be read (not absent)\n";
  return out;
}

}  // namespace stackdr
