#pragma once
/// Diagnosis: finds the root causes in a StackGraph and names them in the runbook's terms.
/// A node is a root cause when it is unhealthy and nothing it rests on has FAILED, looking
/// through healthy nodes but not through degraded ones: a deleted LUN explains a faulty member,
/// a pool that lost one mirror disk (and still serves) does not explain a logged-out session.
/// The rest of the unhealthy nodes are symptoms and become the finding's impact and evidence.

#include <vector>

#include "diagnose/finding.h"
#include "model/stack_graph.h"

namespace stackdr {

std::vector<Finding> diagnose(const StackGraph& graph);

/// The monitoring-plugin status of the whole stack: 0 OK, 1 WARNING (redundancy lost, data
/// still served), 2 CRITICAL (an array, VM or filesystem is down, or the pool is), 3 UNKNOWN
/// (something could not be read and nothing is critical).
int status_code(const StackGraph& graph);
const char* status_word(int code);

/// The runbook scenario a sub-cause belongs to (0 = not one of the five).
int scenario_of(const std::string& cause);

}  // namespace stackdr
