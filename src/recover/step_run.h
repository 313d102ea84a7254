#pragma once
/// One step as a run of the engine ended it: what `recover --json`, task runs and drills print
/// of the steps that ran.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "recover/recover_events.h"

namespace stackdr {

struct StepRun {
  int plan = 0;
  std::string step, host, safety, argv;
  StepResult result = StepResult::kOk;
  std::string refusal;  // the rule that refused it, when result is kRefused
  int exit_code = 0;
};

/// "ok", "skipped", "refused:partial-view" …: a step's result as the JSON and drills say it.
std::string step_run_result(const StepRun& r);

/// The steps a run ended, as `recover --json` and drills print them.
nlohmann::json steps_json(const std::vector<StepRun>& steps);

}  // namespace stackdr
