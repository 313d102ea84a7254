#include "recover/dry_run.h"

#include <fmt/format.h>

#include "recover/planner.h"
#include "recover/step_argv.h"

namespace stackdr {

PlannedRound planned_round(const Topology& t, const View& v, int round, const Plan& plan) {
  PlannedRound r;
  r.round = round;
  r.after_reobservation = round > 1;
  r.plan = plan;
  for (const auto& s : plan.steps) {
    PlannedStep ps{s, std::nullopt, ""};
    if (!s.argv.empty()) {
      auto a = resolve_step_argv(t, v, s.argv);
      if (a)
        ps.argv = *a;
      else
        ps.unresolved = a.error().message;
    }
    r.steps.push_back(std::move(ps));
  }
  return r;
}

std::vector<PlannedRound> plan_from_view(const Topology& t, const View& v, const PlanContext& ctx) {
  std::vector<PlannedRound> out;
  for (const auto& f : v.findings)
    out.push_back(planned_round(t, v, static_cast<int>(out.size()) + 1, plan_recovery(t, v, f, ctx)));
  return out;
}

namespace {

std::string verify_words(const Step& s) {
  if (s.argv.empty()) return fmt::format("wait until {} (at most {} s)", s.done_when, s.settle_s);
  if (!s.done) return "exit status 0";
  return fmt::format("{} within {} s", s.done_when, s.settle_s);
}

}  // namespace

nlohmann::json dry_run_json(const std::vector<PlannedRound>& rounds) {
  nlohmann::json plan = nlohmann::json::array(), rs = nlohmann::json::array();
  for (const auto& r : rounds) {
    rs.push_back(
        {{"round", r.round},
         {"after_reobservation", r.after_reobservation},
         {"scenario", r.plan.scenario},
         {"cause", r.plan.cause},
         {"root", r.plan.root},
         {"summary", r.plan.summary},
         {"escalate", r.plan.escalate.empty() ? nlohmann::json() : nlohmann::json(r.plan.escalate)}});
    for (const auto& ps : r.steps) {
      const Step& s = ps.step;
      nlohmann::json j{{"round", r.round},
                       {"step", s.id},
                       {"title", s.title},
                       {"host", s.host},
                       {"argv", ps.argv ? nlohmann::json(*ps.argv) : nlohmann::json(s.argv)},
                       {"safety", safety_name(s.safety)},
                       {"runbook", s.runbook},
                       {"check", s.done ? nlohmann::json(s.done_when) : nlohmann::json()},
                       {"verify", verify_words(s)}};
      if (!ps.unresolved.empty()) j["unresolved"] = ps.unresolved;
      if (!s.predict.empty()) j["predict"] = s.predict;
      plan.push_back(std::move(j));
    }
  }
  return {{"rounds", rs}, {"plan", plan}};
}

std::string dry_run_text(const std::vector<PlannedRound>& rounds) {
  std::string out;
  for (const auto& r : rounds) {
    out += fmt::format("round {}{}: scenario {} / {} — {}\n", r.round,
                       r.after_reobservation ? " (after re-observation)" : "", r.plan.scenario, r.plan.cause,
                       r.plan.summary);
    if (!r.plan.escalate.empty()) out += "  needs an operator: " + r.plan.escalate + "\n";
    for (size_t i = 0; i < r.steps.size(); ++i) {
      const PlannedStep& ps = r.steps[i];
      const Step& s = ps.step;
      std::string cmd = s.argv.empty() ? "(wait until " + s.done_when + ")"
                        : ps.argv      ? describe_argv(*ps.argv)
                                       : describe_argv(s.argv) + "   (" + ps.unresolved + ")";
      out += fmt::format("  {:>2}. {:<11} {:<12} {}\n      {} [{}]\n", i + 1, safety_name(s.safety), s.host,
                         cmd, s.title, s.runbook);
      if (!s.predict.empty()) out += "      " + s.predict + "\n";
    }
  }
  return out;
}

}  // namespace stackdr
