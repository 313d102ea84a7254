#pragma once
/// `stackdr lun list`: every LUN joined across the stack — zvol, LIO backstore and its unit
/// serial, target and LUN number, ACLs, the session, today's /dev/sdX, the md array and role,
/// the VM disk — the view no single tool gives. LUNs are taken from the topology and from
/// every LIO backstore that runs (so one nobody declared shows up too, marked so). A column
/// whose source was not read says so; it is never shown as absent.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr {

struct LunRow {
  std::string name;
  bool in_topology = true;
  std::string zvol, volsize, volmode;     // "" when not a zvol; "?" when zfs get was not read
  std::string backstore, device, serial;  // LIO (configfs)
  std::string target;
  int lun = -1;
  std::vector<std::string> acls;  // initiator IQNs that may see it
  std::string session;            // "sid 3 LOGGED_IN", "none", "?" (not read)
  std::string disk;               // today's sdX on the initiator, "none", "?"
  std::string array, role;        // md array and the member's slot ("1", "faulty", "spare")
  std::string vm_disk;            // "sjm-explore vdb (via md1)"
  std::string health;             // the LUN node's health (OK, FAILED ...), "" when not in the graph
};

std::vector<LunRow> lun_rows(const Topology& t, const View& v);
nlohmann::json lun_rows_json(const std::vector<LunRow>& rows);
std::string lun_rows_text(const std::vector<LunRow>& rows);

}  // namespace stackdr
