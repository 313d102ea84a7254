#pragma once
/// Stack: the stack a command or the daemon works on, as cli/ opened it — the topology, the
/// way to each host (a HostLookup: local, SSH, a replayed bundle or the simulated stack; only
/// cli/ knows which), the clock a recovery waits on, and what only a simulated stack can do
/// (let time pass, take a fault). The daemon (watch/) and the operations (operate/) see this
/// and nothing of how it was made; cli/'s StackContext is the one that makes it.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "host/clock.h"
#include "host/host.h"
#include "store/journal.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

class Stack {
 public:
  virtual ~Stack() = default;
  virtual const Topology& topology() const = 0;
  virtual HostLookup hosts() = 0;
  /// The clock a recovery waits on: real time, or the (practice) stack's simulated time.
  virtual std::unique_ptr<Clock> clock() = 0;
  /// The journal's word for where incidents opened on this stack happen: "live", "lab" (a
  /// simulated stack of this process) or "practice" (a practice stack kept in a state folder).
  virtual std::string journal_mode() const = 0;
  /// Its hosts are simulated (lab or practice): their locks are files in the state folder.
  virtual bool simulated() const = 0;
  /// The folder whose tape changes when another process acts on this practice stack ("" when
  /// it is not one).
  virtual std::string practice_folder() const = 0;
  /// A simulated stack of this process alone (--lab without a practice stack): the daemon lets
  /// time pass on it and injects faults into it. Errors elsewhere.
  virtual Result<bool> inject_fault(const std::string& name) = 0;
  virtual void let_time_pass(int64_t seconds) = 0;
  /// The maintenance tasks that are not steps on a host (config-backup; drill, which runs on
  /// a simulated stack of its own), journaled in `journal`; 0 when it did it all.
  virtual int run_light_maintenance(Journal& journal, const std::string& state_dir, const std::string& task,
                                    std::ostream& log) = 0;
};

}  // namespace stackdr
