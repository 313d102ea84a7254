#include "recover/view.h"

#include <fmt/format.h>

#include "diagnose/diagnoser.h"
#include "model/graph_builder.h"

namespace stackdr {

std::string View::not_ok(const std::string& id) const {
  const Node* n = graph.find(id);
  if (!n) return id + " is not in the graph";
  if (n->health == Health::kOk) return "";
  return fmt::format("{} is {} ({})", n->label, health_name(n->health), n->cause);
}

std::string View::disk_of(const Topology& t, const LunConfig& lun) const {
  const Node* n = graph.find(node_id::iscsi_disk(t.initiator.host, lun));
  if (!n) return "";
  return n->facts.device;
}

View make_view(const Topology& topology, Observation observation) {
  View v;
  v.observation = std::move(observation);
  v.md = md_states(topology, v.observation);
  v.graph = build_graph(topology, v.observation, v.md);
  v.findings = diagnose(v.graph);
  v.status = status_code(v.graph);
  return v;
}

View take_view(const Topology& topology, const HostLookup& hosts, const ObserveOptions& options) {
  return make_view(topology, observe(topology, hosts, options));
}

}  // namespace stackdr
