#pragma once
/// discover_topology: what `stackdr init` writes — a topology drafted from what the machines
/// show, read-only. From a skeleton that names only the hosts (the storage server, the KVM
/// host), it reads LIO (backstores and the zvols behind them, targets, LUNs, ACLs, portals),
/// the initiator's sessions and disks, /proc/mdstat and each array's members, and libvirt's
/// domains and their disks, and joins them: an md member is tied to its LUN by the disk's
/// serial as lsblk reads it against the backstore's LIO unit serial (by the session's attached
/// disk only when no serial is there), never by its sdX name alone. What it cannot decide is
/// left out of the topology and said, as a comment in the draft and in `undecided`.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "host/host.h"
#include "topology/topology.h"

namespace stackdr {

struct DiscoveryOptions {
  std::vector<std::string> vms;  // only these domains ("" = every domain that uses a LUN or array)
};

struct Draft {
  std::string yaml;                    // the commented draft
  Topology topology;                   // the same, parsed back (what `status` would read)
  std::vector<std::string> undecided;  // what the operator must decide or check
  std::vector<std::string> unread;     // reads that failed: what rests on them is left out
};

/// The `hosts:` map of a topology, as the draft writes it (and `init` checks its skeleton with).
void emit_hosts(YAML::Emitter& y, const std::vector<HostConfig>& hosts);

/// `skeleton`: hosts only (with storage.host and initiator.host set). Fails only when the draft
/// it makes does not parse as a topology (a bug); everything else is said in the draft.
Result<Draft> discover_topology(const Topology& skeleton, const HostLookup& hosts,
                                const DiscoveryOptions& o = {});

}  // namespace stackdr
