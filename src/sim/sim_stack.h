#pragma once
/// SimStack: a simulated stack ready to use — the state, one SimHost per topology host, and
/// the HostLookup the observer and the executor take. Drills and tests start from here.

#include <map>
#include <memory>
#include <string>

#include "host/host.h"
#include "sim/sim_host.h"
#include "sim/sim_state.h"

namespace stackdr::sim {

struct SimStack {
  std::shared_ptr<SimState> state;
  std::map<std::string, std::unique_ptr<SimHost>> hosts;
  HostLookup lookup;

  explicit SimStack(const Topology& t) : state(std::make_shared<SimState>(build_sim_state(t))) {
    for (const auto& h : t.hosts) hosts[h.name] = std::make_unique<SimHost>(h.name, state);
    lookup = [this](const std::string& n) -> Host* {
      auto it = hosts.find(n);
      return it == hosts.end() ? nullptr : it->second.get();
    };
  }
  SimStack(const SimStack&) = delete;
  SimStack& operator=(const SimStack&) = delete;
};

/// True when every array is active, not broken, not resyncing, with every member in sync.
bool arrays_in_sync(const SimState& s);

}  // namespace stackdr::sim
