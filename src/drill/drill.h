#pragma once
/// Drills on the simulated stack, as the runbook's exercises would be run on a test bed: start
/// healthy, inject a fault, detect and diagnose it through the same probes as a real run,
/// recover it with `stackdr recover`'s executor under the drill policy (every safety class
/// allowed — the interlocks still apply), verify the stack healthy and the data truth intact,
/// and report what it took. The chaos drill does the same with random mixtures of faults,
/// in random order, some of them striking during the recovery.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "recover/executor.h"
#include "topology/topology.h"

namespace stackdr {

struct DrillResult {
  std::string fault;
  int expected_scenario = 0;
  std::string expected_cause;
  int baseline_status = 0;  // must be 0: the drill starts from a healthy stack
  int status = 0;           // after the fault
  std::vector<Finding> findings;
  bool diagnosed = false;  // a finding with the expected scenario and cause
  // Recovery.
  RecoverOutcome recovery;
  bool recovered = false;  // status 0 afterwards and every array in sync
  int final_status = 3;
  std::vector<std::string> data_loss;  // from the simulator's data truth: must stay empty
  int64_t bytes_resynced = 0, array_bytes = 0;
  std::map<std::string, size_t> commands;  // host → every command run (probes and steps)
  std::map<std::string, size_t> actions;   // host → state-changing commands run by steps
  // Phases: wall-clock milliseconds of stackdr's own work, and simulated seconds of the stack's.
  double detect_ms = 0, recover_ms = 0, verify_ms = 0;
  int64_t outage_s = 0, recover_s = 0;  // simulated: fault → detection, detection → healthy
  std::string operator_action;          // what the drill's "operator" did (restore the network)
  std::string output;                   // the executor's printout
  bool passed() const { return baseline_status == 0 && diagnosed && recovered && data_loss.empty(); }
};

/// The runbook's "Expected Timeline" total for a scenario.
std::string runbook_timeline(int scenario);

Result<DrillResult> run_drill(const Topology& topology, const std::string& fault);
nlohmann::json drill_json(const std::vector<DrillResult>& results);
std::string drill_text(const std::vector<DrillResult>& results);

struct ChaosResult {
  int runs = 0, healthy = 0, escalated = 0, stopped = 0, data_loss_actions = 0;
  int faults_during_recovery = 0;
  std::map<std::string, int> escalation_reasons;  // first words of "needs an operator: ..." → count
  std::vector<nlohmann::json> failures;           // runs that lost data or ended neither way
};

ChaosResult run_chaos(const Topology& topology, uint64_t seed, int count);
nlohmann::json chaos_json(const ChaosResult& r, uint64_t seed);
std::string chaos_text(const ChaosResult& r, uint64_t seed);

}  // namespace stackdr
