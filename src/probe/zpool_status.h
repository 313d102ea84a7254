#pragma once
/// `zpool status -v POOL` (text) and `zpool status -j [--json-int]` (OpenZFS 2.3+) → pools with
/// their state, scan line and vdev tree with error counters. Both parsers give the same facts;
/// JSON's internal state names (HEALTHY, CANT_OPEN) are mapped to the text's (ONLINE, UNAVAIL).

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct ZpoolVdev {
  std::string name;
  std::string state;  // ONLINE DEGRADED FAULTED OFFLINE REMOVED UNAVAIL AVAIL INUSE ...
  int64_t read_errors = 0, write_errors = 0, cksum_errors = 0;
  std::string note;   // "cannot open", "58.5K resilvered", "corrupted data"
  std::string group;  // "" for data vdevs, else logs / cache / spares / special / dedup
  std::vector<ZpoolVdev> children;
};

struct ZpoolPool {
  std::string name;
  std::string state;  // ONLINE DEGRADED FAULTED OFFLINE REMOVED UNAVAIL SUSPENDED
  std::string status, action, see, scan;
  std::string errors;  // the "errors:" line
  std::vector<std::string> error_files;
  std::optional<double> scan_percent;  // "16.91% done"
  std::string scan_kind;               // scrub / resilver when one is in progress
  ZpoolVdev root;                      // the pool's own row; its children are the top-level vdevs
};

struct ZpoolStatusFacts {
  std::vector<ZpoolPool> pools;
  ParseWarnings warnings;
};

Result<ZpoolStatusFacts> parse_zpool_status(std::string_view text, std::string_view source = "zpool status");
Result<ZpoolStatusFacts> parse_zpool_status_json(std::string_view text,
                                                 std::string_view source = "zpool status -j");
void to_json(nlohmann::json& j, const ZpoolStatusFacts& f);

/// Leaf vdevs (disks/files) of a pool, depth-first, with their group.
std::vector<const ZpoolVdev*> zpool_leaves(const ZpoolVdev& root);

/// "1.2K" → 1200 (zpool's nicenum for error counters).
std::optional<int64_t> parse_zfs_count(std::string_view s);

}  // namespace stackdr
