#pragma once
/// A hand-run command that acts on a coordinated stack (`recover`, and the tasks that change
/// it) takes the stack's leadership for its length, as a daemon does: so no daemon acts at the
/// same time, and its steps carry a fencing token like the daemon's. When a daemon leads, the
/// command refuses and names it — the operator stops that daemon or lets it recover — instead
/// of racing it.

#include <memory>
#include <string>

#include "coord/election.h"
#include "host/fence.h"
#include "host/host.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

class RunLeadership {
 public:
  /// Nothing to hold (a null pointer) when the stack is not coordinated. Else campaigns once:
  /// won, the token is raised on every host and the lease kept alive until destroyed (then
  /// resigned); lost, an error naming who leads; etcd unreachable, an error saying so (a
  /// coordinated stack is never acted on without its election: not seen is not absent).
  /// `again`: the command that runs this again, with the options that select the stack ("":
  /// "the same command").
  static Result<std::unique_ptr<RunLeadership>> take(const Topology& t, const HostLookup& hosts,
                                                     const std::string& verb, const std::string& again);
  /// The fence for the next command, or why this run no longer leads.
  Result<Fence> fence() const;

 private:
  RunLeadership(std::unique_ptr<coord::Election> e, std::string stack)
      : election_(std::move(e)), stack_(std::move(stack)) {}
  std::unique_ptr<coord::Election> election_;
  std::string stack_;
};

}  // namespace stackdr
