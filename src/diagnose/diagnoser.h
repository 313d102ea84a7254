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

/// An unhealthy node whose cause cannot be named: nothing below it is seen to have failed, but
/// something it rests on directly could not be read (UNKNOWN), and that could be the cause. No
/// finding is made of it — a finding's cause never rests on evidence not seen — and nothing
/// is planned for it; it is reported with what could not be read.
struct Unexplained {
  const Node* node = nullptr;
  const Node* unknown_below = nullptr;  // the UNKNOWN node it rests on
};
std::vector<Unexplained> unexplained(const StackGraph& graph);

/// The monitoring-plugin status of the whole stack: 2 CRITICAL when an array, VM or
/// filesystem is seen down (or the pool is); else 3 UNKNOWN when something could not be read
/// (what was not seen may be worse than what was); else 1 WARNING (redundancy lost, data
/// still served); else 0 OK.
int status_code(const StackGraph& graph);
const char* status_word(int code);

/// The runbook scenario a sub-cause belongs to (0 = not one of the five).
int scenario_of(Cause cause);

/// A finding of `cause` at a node: its scenario, runbook section and summary from the one table
/// of causes (diagnose() makes its findings with it; the daemon's md-first look too).
Finding finding_of(Cause cause, const std::string& root, const std::string& label, Layer layer,
                   const std::string& host, Health health);

}  // namespace stackdr
