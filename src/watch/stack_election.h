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

/// The command line's etcd settings (`--etcd`, `--etcd-ca`, `--etcd-cert`, `--etcd-key`): each
/// one given replaces the topology's `coordination.etcd` value of that name, the rest are the
/// topology's.
struct EtcdOverride {
  std::vector<std::string> endpoints;
  coord::EtcdTls tls;
};

/// Nothing (a null pointer) when the stack is not coordinated: no endpoints in its topology
/// and none in `given`. Not started.
Result<std::unique_ptr<coord::Election>> stack_election(const Topology& t, const EtcdOverride& given,
                                                        const std::string& role);
/// Records `f` on every host of the stack; the first refusal (a newer leader's token there, or
/// the host could not be asked) as an error.
Result<bool> raise_fence_on_hosts(const Topology& t, const HostLookup& hosts, const Fence& f);

}  // namespace stackdr
