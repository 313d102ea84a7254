#include "recover/lun_serials.h"

#include "model/node_id.h"

namespace stackdr {

std::map<std::string, std::string> visible_serials(const Topology& t, const View& v) {
  std::map<std::string, std::string> out;
  for (const auto& l : t.luns)
    if (const Node* n = v.node(node_id::iscsi_disk(t.initiator.host, l)))
      if (!n->facts.serial.empty()) out[l.name] = n->facts.serial;
  return out;
}

void remember_serials(const Topology& t, const View& v, Journal& journal, double now) {
  for (const auto& [lun, serial] : visible_serials(t, v)) journal.remember_serial(lun, serial, now);
}

}  // namespace stackdr
