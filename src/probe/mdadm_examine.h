#pragma once
/// `mdadm --examine /dev/sdX` → one member's superblock: which array (UUID) it belongs to, its
/// role, its event count and update time (the freshness evidence for split-brain decisions),
/// and whether its bad-block log has entries. Also `mdadm --examine-badblocks` lists.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct MdadmExamineFacts {
  std::string device;
  std::string magic;
  std::string version;
  std::string array_uuid;
  std::string device_uuid;
  std::string name;
  std::string raid_level;
  std::optional<int> raid_devices;
  std::string state;  // clean / active
  std::optional<int64_t> events;
  std::string update_time;
  std::string device_role;  // "Active device 1", "spare", "Replacement device 1"
  std::optional<int> role;  // the slot number when the role is an (active/replacement) device
  std::string array_state;  // "AA", "A.", "AR"
  std::string checksum;     // "5d91490c - correct"
  bool checksum_ok = true;
  bool bad_blocks_present = false;
  std::vector<std::string> flags;  // failfast, write-mostly
  ParseWarnings warnings;
};

Result<MdadmExamineFacts> parse_mdadm_examine(std::string_view text,
                                              std::string_view source = "mdadm --examine");
void to_json(nlohmann::json& j, const MdadmExamineFacts& f);

/// True when mdadm's stderr says the device carries no (valid) md superblock.
bool examine_says_no_superblock(std::string_view stderr_text);

/// One bad-block range: first sector and length, as md records it.
struct BadBlockRange {
  int64_t sector = 0;
  int64_t length = 0;
};

/// `mdadm --examine-badblocks DEV` ("Bad-blocks on /dev/sda:" then "N for M sectors");
/// "0 for 0 sectors" entries are unused slots and are skipped.
Result<std::vector<BadBlockRange>> parse_examine_badblocks(
    std::string_view text, std::string_view source = "mdadm --examine-badblocks");

}  // namespace stackdr
