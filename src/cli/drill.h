#pragma once
/// Drills on the simulated stack: start healthy, inject a fault, observe through the same probes
/// as a real run, and check that the diagnosis names the fault's scenario and cause. (Recovery
/// and the data-truth checks of a full drill are the next piece of work: see the README.)

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "model/topology.h"

namespace stackdr {

struct DrillResult {
  std::string fault;
  int expected_scenario = 0;
  std::string expected_cause;
  int baseline_status = 0;  // must be 0: the drill starts from a healthy stack
  int status = 0;           // after the fault
  std::vector<Finding> findings;
  bool diagnosed = false;  // a finding with the expected scenario and cause
  double observe_ms = 0, diagnose_ms = 0;
  std::map<std::string, size_t> commands;  // host → commands run by the observation
};

Result<DrillResult> run_detection_drill(const Topology& topology, const std::string& fault);
nlohmann::json drill_json(const std::vector<DrillResult>& results);
std::string drill_text(const std::vector<DrillResult>& results);

}  // namespace stackdr
