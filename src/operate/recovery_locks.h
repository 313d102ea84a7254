#pragma once
/// The locks a recovery holds: one per machine it acts on, so two recoveries — a hand-run
/// `stackdr recover`, the daemon's auto-recovery, an operator on another laptop — never act on
/// the same machine at once. A local host is locked on this machine (host.h's
/// kMachineLockDir), an SSH host on the far side (SshHost::lock_machine), a simulated stack's
/// hosts in its state directory. Taken in order, so two runs cannot deadlock.

#include <memory>
#include <string>
#include <vector>

#include "host/held_process.h"
#include "host/host.h"
#include "store/host_lock.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

struct RecoveryLocks {
  std::vector<std::unique_ptr<HostLock>> local;
  std::vector<std::unique_ptr<HeldProcess>> remote;
};

/// Every lock, or the first that could not be taken (`held`: another recovery holds it, and
/// the error says who). `simulated`: the topology's hosts are a simulated stack's, locked in
/// `state_dir` (they are not machines).
Result<RecoveryLocks> take_recovery_locks(const Topology& t, const HostLookup& hosts, bool simulated,
                                          const std::string& state_dir, bool& held);

}  // namespace stackdr
