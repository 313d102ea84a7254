#pragma once
/// md first: when md says something changed (POLLPRI on /proc/mdstat, here or through a far
/// host's follower), the daemon reads /proc/mdstat of that host alone and alerts at once if it
/// already shows an array of the topology lost a member — before the whole sweep that follows,
/// which confirms it, names the root cause and updates the same alert. mdadm --monitor reads
/// the same file on the same event; the sweep over every host takes seconds.

#include <string>
#include <string_view>
#include <vector>

#include "diagnose/finding.h"
#include "topology/topology.h"

namespace stackdr {

/// The topology's arrays on `host` that `mdstat` shows with a slot empty ([2/1] [U_]): one
/// array-degraded finding each, the mdstat line as evidence. An
/// array not in the text, or text that does not parse, gives nothing: not seen is not a failure.
std::vector<Finding> md_first_look(const Topology& t, const std::string& host, std::string_view mdstat);

}  // namespace stackdr
