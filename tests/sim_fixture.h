#pragma once
/// A simulated stack with its topology and hosts, for tests that observe, diagnose and recover
/// it end to end.

#include <map>
#include <memory>

#include "diagnose/diagnoser.h"
#include "model/graph_builder.h"
#include "observe/observer.h"
#include "sim/faults.h"
#include "sim/sim_stack.h"
#include "support/paths.h"

namespace stackdr::testing {

/// The lab's topology (config/lab.yaml): no ZFS, no VM, a portal per leg.
inline const std::string kLabConfig = stackdr::testing::tests_dir() + "/../config/lab.yaml";

inline Topology default_topology(const std::string& config = stackdr::testing::default_config()) {
  auto t = load_topology(config);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

struct SimStack {
  Topology topology;
  sim::SimStack sim;
  std::shared_ptr<sim::SimState>& state;

  explicit SimStack(const std::string& config = stackdr::testing::default_config())
      : topology(default_topology(config)), sim(topology), state(sim.state) {}
  HostLookup lookup() { return sim.lookup; }
  Observation observe() { return stackdr::observe(topology, lookup()); }
  StackGraph graph() { return build_graph(topology, observe()); }
  void inject(const std::string& fault) {
    auto r = sim::inject_fault(*state, fault);
    if (!r) throw std::runtime_error(r.error().message);
  }
  /// Every argv run on a host so far.
  const std::vector<Argv>& log(const std::string& host) { return sim.hosts.at(host)->command_log(); }
};

}  // namespace stackdr::testing
