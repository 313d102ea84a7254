#pragma once
/// Finding: one failure in the runbook's terms — the scenario (1–5), the sub-cause, the node
/// that is the root cause, the evidence, and what rests on it (arrays, VMs, filesystems).

#include <string>
#include <vector>

#include "model/stack_graph.h"

namespace stackdr {

struct Impact {
  std::string id, layer, label;
  Health health = Health::kOk;
};

struct Finding {
  int scenario = 0;  // runbook scenario 1..5
  Cause cause = Cause::kNone;
  std::string root;        // node id
  std::string root_label;  // what a person calls it
  std::string layer;
  std::string host;
  Health health = Health::kFailed;
  std::string summary;  // one line, in words
  std::string runbook;  // where the runbook covers it
  std::vector<Evidence> evidence;
  std::vector<Impact> impacted;  // arrays, VMs and filesystems resting on the root
};

}  // namespace stackdr
