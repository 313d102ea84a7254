#include "watch/recovery_status.h"

#include <cmath>

#include "util/text.h"

namespace stackdr {

namespace {

const char* start_name(IncidentStart how) {
  switch (how) {
    case IncidentStart::kOpened:
      return "opened";
    case IncidentStart::kResumed:
      return "resumed";
    case IncidentStart::kContinued:
      return "continued";
    case IncidentStart::kAfterOperator:
      return "after-operator";
  }
  return "?";
}

const char* snapshot_state(SnapshotEvent::Kind k) {
  switch (k) {
    case SnapshotEvent::kFoundInJournal:
    case SnapshotEvent::kFoundOnPool:
      return "taken-earlier";
    case SnapshotEvent::kShortOfRoom:
      return "short-of-room";
    case SnapshotEvent::kTaken:
      return "taken";
    case SnapshotEvent::kFailed:
      return "failed";
    case SnapshotEvent::kAlreadyHeld:
    case SnapshotEvent::kHeld:
      return "held";
    case SnapshotEvent::kNotHeld:
      return "not-held";
  }
  return "?";
}

}  // namespace

RecoveryStatus::RecoveryStatus(std::function<void(const std::string&)> log, std::function<double()> now)
    : log_(std::move(log)), now_(std::move(now)) {}

void RecoveryStatus::flush_text() {
  std::string s = buffer_.str();
  size_t end = s.rfind('\n');
  if (end == std::string::npos) return;
  const std::string complete = s.substr(0, end);  // text::lines views into it
  for (auto line : text::lines(complete)) log_(std::string(line));
  buffer_.str(s.substr(end + 1));
  buffer_.seekp(0, std::ios::end);
}

nlohmann::json RecoveryStatus::json() const {
  std::lock_guard<std::mutex> l(mu_);
  return j_;
}

void RecoveryStatus::begin(const std::string& what) {
  std::lock_guard<std::mutex> l(mu_);
  j_ = {{"what", what}, {"running", true}, {"started_at", now_()}, {"rounds", 0}};
}

void RecoveryStatus::end(const RecoverOutcome& o) {
  std::lock_guard<std::mutex> l(mu_);
  if (j_.is_null()) return;
  j_["running"] = false;
  j_["ended_at"] = now_();
  j_["exit"] = o.exit;
  j_["message"] = o.message;
  if (o.incident) j_["incident"] = o.incident;
  j_.erase("step");
}

void RecoveryStatus::incident(int id, IncidentStart how, const std::string& summary) {
  text_.incident(id, how, summary);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  j_["incident"] = id;
  j_["incident_start"] = start_name(how);
  j_["summary"] = summary;
}

void RecoveryStatus::plan_made(int round, const Plan& plan, const std::vector<std::string>& commands,
                               bool task) {
  text_.plan_made(round, plan, commands, task);
  flush_text();
  nlohmann::json steps = nlohmann::json::array();
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    steps.push_back({{"id", s.id},
                     {"title", s.title},
                     {"runbook", s.runbook},
                     {"host", s.host},
                     {"safety", safety_name(s.safety)},
                     {"command", i < commands.size() ? commands[i] : ""},
                     {"state", "pending"}});
  }
  std::lock_guard<std::mutex> l(mu_);
  j_["rounds"] = round;
  j_["plan"] = {{"scenario", plan.scenario},
                {"cause", cause_name(plan.cause)},
                {"summary", plan.summary},
                {"steps", steps}};
  j_.erase("progress");
}

void RecoveryStatus::finishing_interrupted() {
  text_.finishing_interrupted();
  flush_text();
}

nlohmann::json* RecoveryStatus::plan_step(const StepEvent& e) {
  if (!j_.contains("plan")) return nullptr;
  auto& steps = j_["plan"]["steps"];
  if (e.index < steps.size() && steps[e.index].value("id", "") == e.step->id) return &steps[e.index];
  return nullptr;  // a step of the interrupted plan, which was not announced as this plan
}

void RecoveryStatus::step_started(const StepEvent& e) {
  text_.step_started(e);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  j_["step"] = {{"index", e.index + 1}, {"of", e.count},        {"id", e.step->id},
                {"host", e.step->host}, {"command", e.command}, {"waiting", e.command.empty()},
                {"started_at", now_()}};
  if (auto* s = plan_step(e)) (*s)["state"] = "running";
}

void RecoveryStatus::step_rerun(const StepEvent& e, const std::string& why) {
  text_.step_rerun(e, why);
  flush_text();
}

void RecoveryStatus::step_finished(const StepEvent& e, const StepEnd& end) {
  text_.step_finished(e, end);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  double took = -1;
  if (j_.contains("step") && j_["step"].value("id", "") == e.step->id)
    took = now_() - j_["step"].value("started_at", now_());
  if (took >= 0) {
    // A second to six hours: a command, a resync, a resilver.
    auto [it, fresh] = step_seconds_.try_emplace(step_result_name(end.result),
                                                 Histogram({1, 5, 15, 60, 300, 1800, 7200, 21600}));
    it->second.observe(took);
  }
  if (auto* s = plan_step(e)) {
    (*s)["state"] = step_result_name(end.result);
    if (took >= 0) (*s)["seconds"] = std::round(took * 10) / 10;
    if (end.exit_code) (*s)["exit_code"] = *end.exit_code;
    if (!end.detail.empty()) (*s)["detail"] = end.detail;
    if (!end.refusal.empty()) (*s)["refusal"] = end.refusal;
  }
  j_.erase("step");
}

std::map<std::string, Histogram> RecoveryStatus::step_seconds() const {
  std::lock_guard<std::mutex> l(mu_);
  return step_seconds_;
}

void RecoveryStatus::progress(const Progress& p) {
  text_.progress(p);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  nlohmann::json& all = j_["progress"];
  if (!all.is_object()) all = nlohmann::json::object();
  all[p.what] = {{"percent", p.percent}, {"at", now_()}};
  if (p.eta_s) all[p.what]["eta_s"] = *p.eta_s;
}

void RecoveryStatus::snapshot(const SnapshotEvent& e) {
  text_.snapshot(e);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  j_["snapshot"] = {{"name", e.snapshot}, {"state", snapshot_state(e.kind)}};
  if (!e.detail.empty()) j_["snapshot"]["detail"] = e.detail;
}

void RecoveryStatus::replanning(const std::string& why) {
  text_.replanning(why);
  flush_text();
  std::lock_guard<std::mutex> l(mu_);
  j_["replanned"] = why;
}

}  // namespace stackdr
