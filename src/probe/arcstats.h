#pragma once
/// /proc/spl/kstat/zfs/arcstats (OpenZFS's ARC counters, what arcstat(1) samples) → the named
/// counters: a kstat header line, a "name type data" line, then one "NAME TYPE VALUE" row per
/// counter. The ARC's size, its target and ceiling, and the hits and misses since the module
/// loaded are typed; every row is kept by name.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "probe/parse_report.h"

namespace stackdr {

struct ArcStats {
  std::map<std::string, uint64_t> counters;  // every row, by name
  ParseWarnings warnings;
  std::optional<uint64_t> get(const std::string& name) const;
  // Bytes: what the ARC holds, its target now, and its ceiling (zfs_arc_max).
  std::optional<uint64_t> size() const { return get("size"); }
  std::optional<uint64_t> target() const { return get("c"); }
  std::optional<uint64_t> ceiling() const { return get("c_max"); }
  std::optional<uint64_t> hits() const { return get("hits"); }
  std::optional<uint64_t> misses() const { return get("misses"); }
};

Result<ArcStats> parse_arcstats(std::string_view text, std::string_view source = "arcstats");
void to_json(nlohmann::json& j, const ArcStats& a);

}  // namespace stackdr
