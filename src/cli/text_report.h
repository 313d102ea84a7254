#pragma once
/// Plain-text forms of `status` and `diagnose`: one screen a person reads at 3 a.m.

#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "model/stack_graph.h"
#include "probe/observation.h"
#include "topology/topology.h"

namespace stackdr {

std::string status_text(const Topology& t, const StackGraph& g, const std::vector<Finding>& findings,
                        const std::string& mode);
std::string findings_text(const std::vector<Finding>& findings);
/// The unhealthy nodes whose cause cannot be named because something below was not read.
std::string unexplained_text(const StackGraph& g);
/// The sources that could not be read, one line each ("" when all were read).
std::string unreadable_text(const Observation& obs);

}  // namespace stackdr
