#pragma once
/// JSON forms of what `status` and `diagnose` print, one place for both (and for drills).

#include <nlohmann/json.hpp>

#include "diagnose/finding.h"
#include "model/stack_graph.h"

namespace stackdr {

nlohmann::json graph_json(const StackGraph& graph);
nlohmann::json findings_json(const std::vector<Finding>& findings);
/// `unexplained[]`: unhealthy nodes whose cause rests on something not read.
nlohmann::json unexplained_json(const StackGraph& graph);

}  // namespace stackdr
