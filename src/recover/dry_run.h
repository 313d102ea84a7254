#pragma once
/// The dry run: what `stackdr recover` would do, as rounds of plans with every argv resolved
/// against the View it was planned from. Nothing here runs a step or writes anything. A round
/// after the first is planned after re-observation: on the simulated stack the caller predicts
/// it on a copy of the state (the executor's `planned` hook collects each round); on a real
/// stack the later findings of this sweep are planned from this sweep and say so.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "recover/planner.h"
#include "recover/step.h"

namespace stackdr {

struct PlannedStep {
  Step step;
  std::optional<Argv> argv;  // resolved; unset when the stack lacks what a placeholder names
  std::string unresolved;    // why not
};

struct PlannedRound {
  int round = 1;
  bool after_reobservation = false;
  Plan plan;
  std::vector<PlannedStep> steps;
};

/// A plan with its argvs resolved against the View it was made from.
PlannedRound planned_round(const Topology& t, const View& v, int round, const Plan& plan);

/// Every finding of one View planned from that View: the first is round 1, the others later
/// rounds, marked as planned again after re-observation.
std::vector<PlannedRound> plan_from_view(const Topology& t, const View& v, const PlanContext& ctx);

/// `plan[].{round,host,argv,safety,runbook,check,verify,...}` and `rounds[]`.
nlohmann::json dry_run_json(const std::vector<PlannedRound>& rounds);
std::string dry_run_text(const std::vector<PlannedRound>& rounds);

}  // namespace stackdr
