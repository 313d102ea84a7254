#pragma once
/// /proc/mounts (or /proc/self/mounts) → mounted filesystems with their options, so a
/// filesystem that went read-only after I/O errors is seen as such.

#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct Mount {
  std::string device, mountpoint, fstype;
  std::vector<std::string> options;
  bool read_only() const;
};

struct MountsFacts {
  std::vector<Mount> mounts;
  ParseWarnings warnings;
  const Mount* at(std::string_view mountpoint) const;
};

Result<MountsFacts> parse_mounts(std::string_view text, std::string_view source = "/proc/mounts");
void to_json(nlohmann::json& j, const MountsFacts& f);

}  // namespace stackdr
