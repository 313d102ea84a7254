#pragma once
/// RecoveryStatus: the recovery (or heavy maintenance task) the daemon runs now, or ran last,
/// built from the step engine's events: the plan with each step's state, the step running and
/// its command, the progress of what it waits for, and the outcome. /status serves it as
/// "recovery"; each event is also drawn as the text `stackdr recover` prints, one log line each.

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "recover/executor.h"
#include "recover/recover_text.h"
#include "watch/metrics_page.h"

namespace stackdr {

class RecoveryStatus : public RecoverEvents {
 public:
  /// `log` receives each line of text; `now` is the wall clock the times are in.
  RecoveryStatus(std::function<void(const std::string&)> log, std::function<double()> now);

  /// A run starts (`what`: "auto-recovery of scenario 2 / session-lost"); the last run's
  /// record is replaced.
  void begin(const std::string& what);
  void end(const RecoverOutcome& outcome);
  /// A copy of the record, for another thread (the HTTP endpoint). Null before any run.
  nlohmann::json json() const;
  /// How long the steps of every run took, wall clock, by how they ended (ok, failed, waited …).
  std::map<std::string, Histogram> step_seconds() const;

  void incident(int id, IncidentStart how, const std::string& summary) override;
  void plan_made(int round, const Plan& plan, const std::vector<std::string>& commands, bool task) override;
  void finishing_interrupted() override;
  void step_started(const StepEvent& e) override;
  void step_rerun(const StepEvent& e, const std::string& why) override;
  void step_finished(const StepEvent& e, const StepEnd& end) override;
  void progress(const Progress& p) override;
  void snapshot(const SnapshotEvent& e) override;
  void replanning(const std::string& why) override;

 private:
  void flush_text();                              // complete lines of text_ to log_
  nlohmann::json* plan_step(const StepEvent& e);  // the step's entry in the current plan

  std::function<void(const std::string&)> log_;
  std::function<double()> now_;
  std::ostringstream buffer_;
  RecoverText text_{buffer_};
  mutable std::mutex mu_;
  nlohmann::json j_;  // null before the first run
  std::map<std::string, Histogram> step_seconds_;
};

}  // namespace stackdr
