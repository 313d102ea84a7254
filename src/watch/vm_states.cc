#include "watch/vm_states.h"

#include <fmt/format.h>

#include <algorithm>

namespace stackdr {

std::map<std::string, std::string> vm_states(const Topology& t, const Observation& o) {
  std::map<std::string, std::string> out;
  for (const auto& v : t.vms) {
    auto k = o.kvm.find(v.host);
    if (k == o.kvm.end() || !k->second.domains) continue;
    const auto& domains = k->second.domains->domains;
    auto d =
        std::find_if(domains.begin(), domains.end(), [&](const VirshDomain& x) { return x.name == v.name; });
    if (d == domains.end()) {
      out[v.name] = "missing";
      continue;
    }
    std::string state = d->state;
    if (auto why = k->second.domstate.find(v.name);
        why != k->second.domstate.end() && !why->second.reason.empty())
      state += " (" + why->second.reason + ")";
    out[v.name] = state;
  }
  return out;
}

std::vector<std::string> vm_state_changes(const Topology& t, const std::map<std::string, std::string>& before,
                                          const std::map<std::string, std::string>& now) {
  std::vector<std::string> lines;
  for (const auto& v : t.vms) {
    auto b = before.find(v.name);
    auto n = now.find(v.name);
    if (b == before.end() || n == now.end() || b->second == n->second) continue;
    lines.push_back(fmt::format("VM {} on {}: {} → {}", v.name, v.host, b->second, n->second));
  }
  return lines;
}

}  // namespace stackdr
