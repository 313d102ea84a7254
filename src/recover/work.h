#pragma once
/// Work the step engine runs that is not a recovery: operate/'s tasks (`lun create`, `lint
/// --fix`, a scrub). The engine journals it as an incident whose cause is kind() and root
/// subject(), runs the steps of plan() that do not hold yet, looks again, and is done when a
/// fresh plan has nothing left to do (or, once(), when its plan ran). What the work is stays
/// with operate/ (operate/task.h); the engine knows it only through this interface, as ninja's
/// Builder knows its commands.

#include <string>

#include "recover/step.h"
#include "recover/view.h"

namespace stackdr {

class Work {
 public:
  virtual ~Work() = default;
  /// The incident's cause: "lint-fix", "lun-create", "maintain-scrub".
  virtual const std::string& kind() const = 0;
  /// What it acts on, the incident's root: "LUN data03". The same kind on the same subject is
  /// the same work (an interrupted run is continued, another is refused beside it).
  virtual const std::string& subject() const = 0;
  /// One line, in words.
  virtual const std::string& summary() const = 0;
  /// The steps, from a fresh view.
  virtual Plan plan(const View& v) const = 0;
  /// True: the plan is run once, not re-planned until nothing is left (a scrub is an act, not
  /// a state to reach: its start leaves no trace once it has ended).
  virtual bool once() const = 0;
  /// What the work found, read from the view after it (a scrub's result line): journaled with
  /// the outcome; "" when it says nothing.
  virtual std::string result(const View& v) const = 0;
};

}  // namespace stackdr
