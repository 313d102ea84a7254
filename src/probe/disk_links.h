#pragma once
/// `ls -l /dev/disk/by-path` (or by-id, or /dev/zvol/POOL) → link name → kernel device. The
/// by-path names of iSCSI disks carry portal, target IQN and LUN, the stable identity of an
/// iSCSI disk; the sdX they point to is only today's name.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct DiskLink {
  std::string name;    // ip-127.0.0.1:3260-iscsi-iqn...:test01-lun-0
  std::string target;  // ../../sda as printed
  std::string device;  // sda (last path component of the target)
};

/// The parts of an iSCSI by-path name.
struct IscsiPathId {
  std::string portal, iqn;
  int lun = -1;
};

struct DiskLinksFacts {
  std::vector<DiskLink> links;
  ParseWarnings warnings;
};

Result<DiskLinksFacts> parse_disk_links(std::string_view text,
                                        std::string_view source = "ls -l /dev/disk/by-path");
void to_json(nlohmann::json& j, const DiskLinksFacts& f);
/// "ip-127.0.0.1:3260-iscsi-iqn.2003-01.org.linux-iscsi.lab:test01-lun-0" → parts; partitions
/// ("-part1") and non-iSCSI links give nullopt.
std::optional<IscsiPathId> parse_iscsi_path_name(std::string_view name);

/// The iSCSI disks of a by-path listing by identity: (target IQN, LUN) → today's kernel name.
/// The observer, the md state and the graph each ask it for every LUN of a sweep, so a lookup
/// hashes the IQN once and builds no key.
class IscsiDiskIndex {
 public:
  IscsiDiskIndex() = default;
  explicit IscsiDiskIndex(const DiskLinksFacts& by_path);
  /// The disk's kernel name (sdc), or nullptr when no link names that target and LUN.
  const std::string* device(const std::string& iqn, int lun) const;

 private:
  std::unordered_map<std::string, std::vector<std::pair<int, std::string>>> by_iqn_;  // IQN → (LUN, sdX)
};

}  // namespace stackdr
