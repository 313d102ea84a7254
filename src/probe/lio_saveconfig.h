#pragma once
/// targetcli's saved configuration (/etc/rtslib-fb-target/saveconfig.json, or
/// /etc/target/saveconfig.json) → LioFacts: what `systemctl start target` restores after a
/// reboot. Compared with the running configfs, it says whether a reboot would lose a LUN, an
/// ACL or a backstore made since the last `targetcli saveconfig`.

#include <string>
#include <string_view>

#include "probe/lio_facts.h"

namespace stackdr {

/// Where targetcli keeps it on Debian/Ubuntu, then on Red Hat: the first that exists is read.
inline constexpr std::string_view kLioSaveconfigPaths[] = {"/etc/rtslib-fb-target/saveconfig.json",
                                                           "/etc/target/saveconfig.json"};

Result<LioFacts> parse_lio_saveconfig(std::string_view text, std::string_view source = "saveconfig.json");

/// Every difference that matters for a restore, in words ("backstore block/test03 is not
/// saved", "iqn...:test03 LUN 0 maps block/x in the saved config, block/y running"); empty
/// when the saved config restores what runs.
std::vector<std::string> lio_config_differences(const LioFacts& running, const LioFacts& saved);

}  // namespace stackdr
