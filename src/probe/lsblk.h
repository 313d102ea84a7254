#pragma once
/// `lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN` → block devices as a tree. LIO LUNs show
/// their unit serial and WWN here, which is how a LUN is recognised after a rename. The -P
/// (KEY="value") and plain table forms parse to the same facts, with the columns they carry.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct BlockDevice {
  std::string name;   // NAME: what lsblk calls it (mpathb, vg-lv, sda)
  std::string kname;  // KNAME: the kernel's name (dm-2, sda), when printed
  std::string type;
  std::string size;
  std::optional<std::string> mountpoint, serial, wwn, fstype;
  std::vector<BlockDevice> children;
};

struct LsblkFacts {
  std::vector<BlockDevice> blockdevices;
  ParseWarnings warnings;
  /// Depth-first search by kernel name.
  const BlockDevice* find(std::string_view name) const;
};

Result<LsblkFacts> parse_lsblk(std::string_view text, std::string_view source = "lsblk");
void to_json(nlohmann::json& j, const LsblkFacts& f);

}  // namespace stackdr
