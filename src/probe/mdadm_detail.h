#pragma once
/// `mdadm --detail /dev/mdN` → the array's own account: state words, counts, bitmap, events,
/// UUID and one row per member slot. Note it can block for the whole iSCSI
/// replacement_timeout while a member's session is recovering: callers give it a timeout.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct MdadmDetailMember {
  std::optional<int> number;  // "-" prints as none
  int major = 0, minor = 0;
  std::optional<int> role;         // RaidDevice column; none for "-"
  std::vector<std::string> state;  // "active", "sync", "faulty", "spare", "rebuilding", "removed", ...
  std::string device;              // /dev/sda ("" for a removed slot)
};

struct MdadmDetailFacts {
  std::string device;  // /dev/md1 from the first line
  std::string version;
  std::string raid_level;
  std::vector<std::string> state;  // "clean", "degraded", "recovering", ...
  std::optional<int> raid_devices, total_devices, active_devices, working_devices, failed_devices,
      spare_devices;
  std::optional<int64_t> array_size_kib, used_dev_size_kib;
  std::string bitmap;  // "Internal", or "" when no Intent Bitmap line
  std::string consistency_policy;
  std::optional<int64_t> events;
  std::string uuid;
  std::string name;
  std::string update_time, creation_time;
  std::optional<double> rebuild_percent;  // Rebuild/Resync/Check/Reshape Status
  std::string sync_kind;                  // which of those printed it ("rebuild", "resync", ...)
  std::vector<MdadmDetailMember> members;
  ParseWarnings warnings;
};

Result<MdadmDetailFacts> parse_mdadm_detail(std::string_view text,
                                            std::string_view source = "mdadm --detail");
void to_json(nlohmann::json& j, const MdadmDetailFacts& f);

/// mdadm's "Events : 19" (v1.x) or "0.18" (v0.90, hi.lo of a 64-bit counter).
std::optional<int64_t> parse_md_events(std::string_view v);
/// "523264 (511.00 MiB 535.82 MB)" → 523264.
std::optional<int64_t> leading_int(std::string_view v);
/// The first word of a value ("lab:1  (local to host lab)" → "lab:1"); "" when there is none.
std::string first_word(std::string_view v);

}  // namespace stackdr
