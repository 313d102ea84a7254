#pragma once
/// The election of one coordinated stack (coord/election.h), as the daemon and a hand-run
/// command both take it: the key under the topology's prefix and name, the holder named by
/// role, pid and machine, the lease's settings; and a new leader's token raised on each host.

#include <memory>
#include <string>
#include <vector>

#include "coord/election.h"
#include "host/fence.h"
#include "host/host.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

/// Nothing (a null pointer) when the stack is not coordinated: no endpoints in its topology
/// and none in `endpoints` (the command line's, over the topology's). Not started.
Result<std::unique_ptr<coord::Election>> stack_election(const Topology& t,
                                                        const std::vector<std::string>& endpoints,
                                                        const std::string& role);
/// Records `f` on every host of the stack; the first refusal (a newer leader's token there, or
/// the host could not be asked) as an error.
Result<bool> raise_fence_on_hosts(const Topology& t, const HostLookup& hosts, const Fence& f);

}  // namespace stackdr
