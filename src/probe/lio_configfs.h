#pragma once
/// LIO read from configfs (/sys/kernel/config/target) — the kernel's own configuration tree,
/// which `targetcli ls` renders after starting Python and rtslib (4–5 s of a 5 s sweep in the
/// lab guest). Two outputs, both from plain C tools run with an argv:
///  - the tree: `find … -printf '%y %P\t%l\n'` — one line per directory ("d PATH\t") or
///    symlink ("l PATH\tTARGET"): backstores are core/HBA_N/NAME, targets iscsi/IQN/tpgt_N
///    with lun/lun_L (a link to the backstore), acls/INITIATOR/lun_M and np/IP:PORT;
///  - the values: `grep -rs '' …` of the udev_path, enable and vpd_unit_serial files —
///    "PATH:VALUE" per line.

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "probe/lio_facts.h"

namespace stackdr {

/// The configfs attribute files `grep` printed: path (relative to the target root) → value.
struct LioValues {
  std::unordered_map<std::string, std::string> by_path;
  ParseWarnings warnings;
};

/// The structure: backstores, targets, TPGs, LUN links, ACLs, portals. Devices, serials and
/// enable states come from the values.
Result<LioFacts> parse_lio_tree(std::string_view text, std::string_view source = "LIO configfs tree");
Result<LioValues> parse_lio_values(std::string_view text, std::string_view source = "LIO configfs values");
/// The tree with its values applied: each backstore's device, serial and activation, each
/// TPG's enable state, and each LUN's backing device.
LioFacts apply_lio_values(LioFacts tree, const LioValues& values);

/// Where LIO keeps its tree; the observer's argv and the parsers agree on it.
inline constexpr std::string_view kLioConfigfsRoot = "/sys/kernel/config/target";

void to_json(nlohmann::json& j, const LioValues& v);

}  // namespace stackdr
