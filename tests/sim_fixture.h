#pragma once
/// A simulated stack with its hosts, for tests that observe and diagnose it end to end.

#include <map>
#include <memory>

#include "diagnose/diagnoser.h"
#include "model/graph_builder.h"
#include "probe/observer.h"
#include "sim/faults.h"
#include "sim/sim_host.h"

namespace stackdr::testing {

struct SimStack {
  Topology topology;
  std::shared_ptr<sim::SimState> state;
  std::map<std::string, std::unique_ptr<sim::SimHost>> hosts;

  explicit SimStack(const std::string& config = STACKDR_DEFAULT_CONFIG) {
    auto t = load_topology(config);
    if (!t) throw std::runtime_error(t.error().message);
    topology = *t;
    state = std::make_shared<sim::SimState>(sim::build_sim_state(topology));
    for (const auto& h : topology.hosts) hosts[h.name] = std::make_unique<sim::SimHost>(h.name, state);
  }
  HostLookup lookup() {
    return [this](const std::string& n) -> Host* { return hosts.count(n) ? hosts[n].get() : nullptr; };
  }
  Observation observe() { return stackdr::observe(topology, lookup()); }
  StackGraph graph() { return build_graph(topology, observe()); }
  void inject(const std::string& fault) {
    auto r = sim::inject_fault(*state, fault);
    if (!r) throw std::runtime_error(r.error().message);
  }
};

}  // namespace stackdr::testing
