#pragma once
/// StackContext: where a command gets its view of the stack — the topology, and a Host for each
/// topology host: the simulated stack (--lab, with --fault), a captured bundle (--from DIR), or
/// the real machines (local exec; SSH is not built yet and says so).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/host.h"
#include "observe/observer.h"
#include "sim/sim_state.h"
#include "topology/topology.h"

namespace stackdr {

struct ContextOptions {
  std::string config;               // "" = the default search (see default_config_path)
  bool lab = false;                 // use the simulated stack
  std::vector<std::string> faults;  // injected into the simulated stack, in order
  std::string from;                 // replay bundle directory
};

class StackContext {
 public:
  static Result<std::unique_ptr<StackContext>> open(const ContextOptions& options);

  const Topology& topology() const { return topology_; }
  HostLookup hosts();
  Observation observe(const ObserveOptions& options = {});
  /// The simulated stack, when this context runs on one (nullptr otherwise).
  std::shared_ptr<sim::SimState> sim() const { return sim_; }
  std::string mode() const;  // "lab", "replay DIR", "live"

 private:
  Topology topology_;
  std::shared_ptr<sim::SimState> sim_;
  std::string from_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
};

/// $STACKDR_CONFIG, then /etc/stackdr/stackdr.yaml, then the example shipped with the sources.
std::string default_config_path();

}  // namespace stackdr
