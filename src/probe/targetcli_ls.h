#pragma once
/// `targetcli ls` → LIO's configuration as the target sees it: backstores (with their backing
/// device), iSCSI targets, TPGs (enabled or not), LUN mappings, ACLs and portals.

#include <string>
#include <vector>

#include "probe/lio_facts.h"

namespace stackdr {

Result<LioFacts> parse_targetcli_ls(std::string_view text, std::string_view source = "targetcli ls");

}  // namespace stackdr
