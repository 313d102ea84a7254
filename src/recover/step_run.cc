#include "recover/step_run.h"

namespace stackdr {

std::string step_run_result(const StepRun& r) {
  std::string name = step_result_name(r.result);
  return r.refusal.empty() ? name : name + ":" + r.refusal;
}

nlohmann::json steps_json(const std::vector<StepRun>& steps) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : steps)
    a.push_back({{"plan", s.plan},
                 {"step", s.step},
                 {"host", s.host},
                 {"safety", s.safety},
                 {"argv", s.argv},
                 {"result", step_run_result(s)},
                 {"exit_code", s.exit_code}});
  return a;
}

}  // namespace stackdr
