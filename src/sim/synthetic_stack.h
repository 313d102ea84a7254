#pragma once
/// synthetic_stack: a stack of any size for benchmarks and scale tests, the shape a big SAN
/// host has: N RAID1 arrays on one KVM host, each over two LUNs, each LUN behind its own
/// target (so 2N sessions), one storage server with pool "tank".

#include "sim/sim_state.h"
#include "topology/topology.h"

namespace stackdr::sim {

Topology synthetic_topology(int arrays);

/// sdX names run out at 26; a big stack's disks are named sd<number>, and md's members keep
/// the name they were bound under, so they are renamed with their disks (a healthy stack
/// stays healthy: a sweep of it finds nothing).
void number_disks(SimState& s);

}  // namespace stackdr::sim
