#pragma once
/// A task: a runbook operation that is not a recovery (`lint --fix`, `lun create|remove|resize`,
/// a scrub, an md check), written as plans of steps so that it runs on recover/'s step engine
/// with the same journal, locks, policy and interlocks as a recovery. `plan` gives the steps
/// from a fresh View; the task is done when every step of a fresh plan already holds, so
/// running it twice changes nothing.

#include <functional>
#include <memory>
#include <string>

#include "recover/work.h"

namespace stackdr {

struct Task {
  std::string kind;     // "lint-fix", "lun-create" ...
  std::string subject;  // what it acts on: "LUN data03"
  std::string summary;  // one line, in words
  std::function<Plan(const View&)> plan;
  /// True: the plan is run once, not re-planned until nothing is left (a scrub or a check is
  /// an act, not a state to reach: its start leaves no trace once it has ended).
  bool once = false;
  /// What the task found, read from the view after it (the scrub's result line): journaled
  /// with the outcome.
  std::function<std::string(const View&)> result;
};

/// The task as the step engine takes it (RecoverOptions::work).
std::shared_ptr<const Work> as_work(Task task);

}  // namespace stackdr
