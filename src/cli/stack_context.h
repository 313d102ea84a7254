#pragma once
/// StackContext: where a command gets its view of the stack — the topology, and a Host for each
/// topology host: the simulated stack (--lab: the state directory's practice stack when there
/// is one, else a fresh healthy stack with the --fault given), a captured bundle (--from DIR),
/// or the real machines (LocalHost here, SshHost over OpenSSH for `transport: ssh`).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/bundle.h"
#include "host/clock.h"
#include "host/host.h"
#include "host/private_dir.h"
#include "observe/observer.h"
#include "sim/practice_stack.h"
#include "sim/sim_state.h"
#include "topology/topology.h"

namespace stackdr {

struct ContextOptions {
  std::string config;               // "" = the default search (see default_config_path)
  bool lab = false;                 // use the simulated stack
  std::vector<std::string> faults;  // injected into the simulated stack, in order
  std::string from;                 // replay bundle directory
  std::string state_dir;            // "" = $STACKDR_STATE_DIR or /var/lib/stackdr
};

class StackContext {
 public:
  static Result<std::unique_ptr<StackContext>> open(const ContextOptions& options);

  const Topology& topology() const { return topology_; }
  HostLookup hosts();
  Observation observe(const ObserveOptions& options = {});
  /// The simulated stack, when this context runs on one (nullptr otherwise).
  std::shared_ptr<sim::SimState> sim() const { return sim_; }
  /// The practice stack this context runs on (nullptr: none; see sim::PracticeStack).
  sim::PracticeStack* practice() const { return practice_.get(); }
  /// The clock a recovery waits on: real time, or the (practice) stack's simulated time.
  std::unique_ptr<Clock> clock();
  std::string mode() const;  // "lab (simulated stack)", "practice stack DIR", "replay DIR", "live"
  /// From now on every host answers through `bundle`, which keeps each read (stackdr collect).
  void record_into(BundleWriter& bundle);
  ~StackContext();

 private:
  Topology topology_;
  std::shared_ptr<sim::SimState> sim_;
  std::unique_ptr<sim::PracticeStack> practice_;  // before hosts_: its hosts refer to it
  std::string from_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
  std::map<std::string, std::unique_ptr<Host>> recorders_;  // wrap hosts_ while collecting
  std::shared_ptr<PrivateDir> unpacked_;                    // a --from archive's folder, removed at the end
  /// The folder of a --from bundle: itself, or a .tar.gz unpacked into a private folder.
  Result<std::string> open_bundle(const std::string& from);
};

/// $STACKDR_CONFIG, then /etc/stackdr/stackdr.yaml, then the example shipped with the sources.
std::string default_config_path();

/// $STACKDR_STATE_DIR, else /var/lib/stackdr.
std::string default_state_dir();
/// Where a run keeps its journal and locks: the state directory, or its lab/ folder for runs
/// on the simulated stack (they never write the live journal). The practice stack lives in
/// the lab/ folder too (sim::PracticeStack::folder).
std::string state_dir_for(const std::string& dir, bool lab);

}  // namespace stackdr
