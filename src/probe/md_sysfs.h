#pragma once
/// md's sysfs (/sys/block/mdN/md/): array_state (including `broken`, set when the last leg of a
/// RAID1 saw write errors md could not fail it for), and per member dev-X/{state,errors,
/// bad_blocks}. These files never block, so they are read in preference to mdadm.

#include <optional>
#include <string>
#include <vector>

#include "probe/mdadm_examine.h"
#include "probe/parse_report.h"

namespace stackdr {

struct MdSysfsMember {
  std::string device;              // sda (from dev-sda)
  std::vector<std::string> state;  // in_sync, faulty, write_error, want_replacement, blocked, ...
  std::optional<int64_t> errors;
  std::vector<BadBlockRange> bad_blocks;
  bool has(std::string_view flag) const;
};

struct MdSysfsFacts {
  std::string array;        // md1
  std::string array_state;  // clear inactive suspended readonly read-auto clean active write-pending
                            // active-idle broken
  std::optional<int> degraded;
  std::string sync_action;              // idle resync recover check repair reshape frozen
  std::optional<int64_t> mismatch_cnt;  // sectors the last check or repair found differing
  std::vector<MdSysfsMember> members;
  ParseWarnings warnings;
  MdSysfsMember* member(std::string_view dev);
};

/// One attribute file each; errors name the file.
Result<std::string> parse_md_array_state(std::string_view text, std::string_view source);
Result<std::vector<std::string>> parse_md_dev_state(std::string_view text, std::string_view source);
Result<std::vector<BadBlockRange>> parse_md_bad_blocks(std::string_view text, std::string_view source);

/// A dump of several attributes, as `grep -H . /sys/block/md1/md/{array_state,degraded,dev-*/state}`
/// ("PATH:VALUE") or as the lab captures print them ("PATH VALUE", bare values in
/// array_state/degraded order, or a dev-X path followed by its "SECTOR LENGTH" bad-block lines).
Result<MdSysfsFacts> parse_md_sysfs_dump(std::string_view text, std::string_view source = "md sysfs");
void to_json(nlohmann::json& j, const MdSysfsFacts& f);

}  // namespace stackdr
