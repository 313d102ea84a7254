#pragma once
/// What a LUN is in use by, as one fresh View shows it: an md array it is a member of, a
/// logged-in session to its target, a VM disk. The `lun remove` planner refuses from it and the
/// interlock lun-in-use checks it again before the first step that would take the LUN away
/// (targetcli delete, zfs rename or destroy of its zvol). A use that could not be ruled out
/// because its source was not read counts as a use: not seen is not absent.

#include <string>
#include <vector>

#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr {

/// Each use, in words; empty when the LUN is seen to be unused.
std::vector<std::string> lun_uses(const Topology& t, const View& v, const LunConfig& l);

/// The LUN an argv would take away — `targetcli /backstores/TYPE delete NAME`, `targetcli
/// /iscsi delete IQN`, `zfs destroy|rename ZVOL…` — among the topology's LUNs; nullptr when
/// the argv takes none away.
const LunConfig* lun_taken_away(const Topology& t, const Argv& argv);

}  // namespace stackdr
