#pragma once
/// The LIO unit serial of each LUN, remembered while it is visible: a backstore deleted by
/// mistake is recreated with the serial the initiator knew (runbook Scenario 1), so the disk
/// comes back as the same disk and md takes it as its member again.

#include <map>
#include <string>

#include "recover/view.h"
#include "store/journal.h"
#include "topology/topology.h"

namespace stackdr {

/// Each visible LUN's LIO unit serial (LUN name → serial), as the View shows it.
std::map<std::string, std::string> visible_serials(const Topology& t, const View& v);
/// Records each visible LUN's LIO serial in the journal, with the time it was seen.
void remember_serials(const Topology& t, const View& v, Journal& journal, double now);

}  // namespace stackdr
