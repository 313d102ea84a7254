#include "diagnose/report_json.h"

#include "diagnose/diagnoser.h"

namespace stackdr {

namespace {

nlohmann::json evidence_json(const std::vector<Evidence>& ev) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : ev) a.push_back({{"host", e.host}, {"source", e.source}, {"text", e.text}});
  return a;
}

}  // namespace

nlohmann::json graph_json(const StackGraph& g) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : g.nodes()) {
    nlohmann::json deps = nlohmann::json::array();  // by id: what a reader can look up
    for (size_t d : n.depends_on) deps.push_back(g.node(d).id);
    nlohmann::json j{{"id", n.id},       {"layer", layer_name(n.layer)},    {"host", n.host},
                     {"label", n.label}, {"health", health_name(n.health)}, {"depends_on", deps},
                     {"attrs", n.attrs}};
    j["cause"] = n.cause == Cause::kNone ? nlohmann::json() : nlohmann::json(cause_name(n.cause));
    j["evidence"] = evidence_json(n.evidence);
    // A resync, resilver or scrub under way, as numbers (the dashboard draws its bar from them).
    if (const auto& p = n.facts.progress) {
      j["progress"] = {{"action", p->action}, {"percent", p->percent}};
      if (p->finish_minutes) j["progress"]["finish_minutes"] = *p->finish_minutes;
    }
    nodes.push_back(j);
  }
  return nodes;
}

nlohmann::json unexplained_json(const StackGraph& g) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& u : unexplained(g))
    a.push_back({{"id", u.node->id},
                 {"label", u.node->label},
                 {"health", health_name(u.node->health)},
                 {"seen", cause_name(u.node->cause)},
                 {"unknown_below", u.unknown_below->id},
                 {"evidence", evidence_json(u.unknown_below->evidence)}});
  return a;
}

nlohmann::json findings_json(const std::vector<Finding>& findings) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& f : findings) {
    nlohmann::json imp = nlohmann::json::array();
    for (const auto& i : f.impacted)
      imp.push_back(
          {{"id", i.id}, {"layer", i.layer}, {"label", i.label}, {"health", health_name(i.health)}});
    a.push_back({{"scenario", f.scenario},
                 {"cause", cause_name(f.cause)},
                 {"root", f.root},
                 {"root_label", f.root_label},
                 {"layer", f.layer},
                 {"host", f.host},
                 {"health", health_name(f.health)},
                 {"summary", f.summary},
                 {"runbook", f.runbook},
                 {"evidence", evidence_json(f.evidence)},
                 {"impacted", imp}});
  }
  return a;
}

}  // namespace stackdr
