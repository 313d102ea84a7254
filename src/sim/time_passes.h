#pragma once
/// advance(): simulated time passes. The VMs keep writing (each write a new data generation,
/// dirtying bitmap chunks for members that are away), md resyncs copy what they must, ZFS
/// scrubs and resilvers progress, scheduled events (the operator restoring the network, ...)
/// happen, and the kernels settle. Drills and the executor's waits move time only through here.

#include <cstdint>

#include "sim/sim_state.h"

namespace stackdr::sim {

void advance(SimState& s, int64_t seconds);

/// The newest data generation some device still holds for an array (the running array's, or
/// any member with a valid superblock). Lower than `acknowledged` means data was lost.
int64_t newest_available(const Array& a);

/// Records a data loss if any array can no longer supply its newest acknowledged generation.
void account_data_loss(SimState& s, const std::string& action);

}  // namespace stackdr::sim
