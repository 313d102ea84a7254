#pragma once
/// RecoverText: the step engine's events drawn as the lines `stackdr recover` prints — the plan,
/// one line per step as it starts, its exit and check, the snapshot, and a progress bar per
/// resync, resilver or scrub as it advances. The recovery's outcome is the caller's to print.

#include <ostream>

#include "recover/recover_events.h"

namespace stackdr {

class RecoverText : public RecoverEvents {
 public:
  /// `out` is made unit-buffered: a recovery written to a file (`stackdr recover >log`, the lab)
  /// is there line by line while it runs, not when it ends — in the lab a hung wait left its
  /// log empty for 15 minutes.
  explicit RecoverText(std::ostream& out) : out_(out) { out_.setf(std::ios::unitbuf); }
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
  std::ostream& out_;
};

}  // namespace stackdr
