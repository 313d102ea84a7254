#include "watch/vm_states.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

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

namespace {

// libvirt 9's Suspended details (virsh's lifecycle words) and the paused reason `virsh domstate
// --reason` prints for the same pause. "Restored" has no reason of its own: left to the sweep.
constexpr std::pair<std::string_view, std::string_view> kSuspendedReasons[] = {
    {"Paused", "user"},
    {"Migrated", "migrating"},
    {"I/O Error", "I/O error"},
    {"Watchdog", "watchdog"},
    {"Snapshot", "from snapshot"},
    {"API error", "api error"},
    {"Post-copy", "post-copy"},
    {"Post-copy Error", "post-copy failed"},
};

}  // namespace

std::optional<VmEvent> vm_event_state(std::string_view line) {
  constexpr std::string_view kPrefix = "event 'lifecycle' for domain '";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  // The name ends at the last "': " (a name may hold a quote; the event's words hold none).
  size_t end = line.rfind("': ");
  if (end == std::string_view::npos || end == 0) return std::nullopt;
  VmEvent e{std::string(line.substr(0, end)), ""};
  std::string_view what = line.substr(end + 3);
  size_t sp = what.find(' ');
  std::string_view event = what.substr(0, sp);
  std::string_view detail = sp == std::string_view::npos ? std::string_view() : what.substr(sp + 1);
  if (event == "Started" || event == "Resumed") {
    e.state = "running";
  } else if (event == "Stopped") {
    e.state = "shut off";
  } else if (event == "Suspended") {
    for (const auto& [word, reason] : kSuspendedReasons)
      if (detail == word) e.state = "paused (" + std::string(reason) + ")";
    if (e.state.empty()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return e;
}

}  // namespace stackdr
