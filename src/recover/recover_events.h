#pragma once
/// RecoverEvents: what the step engine (recover/executor) says while it works, as typed events
/// instead of text — as ninja's Builder reports to Status. The command line draws them as text
/// and progress bars (recover/recover_text.h); the daemon also keeps the recovery that runs now
/// for /status (watch/recovery_status.h). The engine never writes to a stream itself.

#include <optional>
#include <string>
#include <vector>

#include "recover/progress.h"
#include "recover/step.h"

namespace stackdr {

/// How an incident came to be the one this run works on.
enum class IncidentStart {
  kOpened,         // a new failure (or a task's first run)
  kResumed,        // an interrupted recovery of it, continued (--resume, or a rerun beside it)
  kContinued,      // an interrupted task of the same kind, run again
  kAfterOperator,  // the same failure escalated a moment ago; this rerun goes on with it
};

/// What became of one step. `step_result_name` gives the words the journal's JSON and the
/// drills print.
enum class StepResult {
  kOk,                // ran, and what it should make holds
  kSkipped,           // what it makes held already; not run
  kDoneEarlier,       // the interrupted run finished it (journal); not run again
  kWaited,            // a wait whose condition came
  kTimedOut,          // a wait whose condition did not come in time
  kGaveUp,            // a wait ended early: what it waited for can no longer come (md gave a rebuild up)
  kStopped,           // a wait ended by a signal; it changed nothing, and --resume waits again
  kUnresolved,        // its {disk:…}/{sid:…} no longer names anything: the stack moved
  kRefused,           // an interlock, a partial view, or an unrecorded interrupted run refused it
  kDeclined,          // the operator said no (or nobody was there to ask)
  kFailed,            // its command failed
  kUnverified,        // its command succeeded, and what it should make does not hold
  kFailedBestEffort,  // a cheaper first try that failed; the plan goes on
};
const char* step_result_name(StepResult r);

/// A step as the events name it: which plan, where in it, and the command as it runs.
struct StepEvent {
  int plan = 0;      // the plan's number within the incident
  size_t index = 0;  // 0-based position in the plan
  size_t count = 0;  // steps in the plan
  const Step* step = nullptr;
  std::string command;  // the resolved argv in words; "" for a wait
};

/// How a step ended. `detail`: the check that held, what was seen instead, or why it was
/// refused; `refusal`: the rule that refused it ("partial-view", "interrupted", an interlock's).
struct StepEnd {
  StepResult result = StepResult::kOk;
  std::optional<int> exit_code;
  bool command_failed = false;  // it did not start, timed out or exited non-zero
  std::string exit_meaning;     // " (e2fsck: errors corrected)" where the tool gives one
  std::string error_line;       // the first line the command printed on failure
  std::string detail;
  std::string refusal;
};

/// The ZFS snapshot taken before a destructive step, and its hold.
struct SnapshotEvent {
  enum Kind {
    kFoundInJournal,  // taken by the run this one resumes (journaled)
    kFoundOnPool,     // taken by the run this one resumes (it was killed before journaling it)
    kShortOfRoom,     // the pool may not hold it (detail says why); the operator is asked
    kTaken,
    kFailed,
    kAlreadyHeld,
    kHeld,
    kNotHeld,  // detail: the error
  } kind;
  std::string snapshot;
  std::string detail;
};

class RecoverEvents {
 public:
  virtual ~RecoverEvents() = default;
  virtual void incident(int id, IncidentStart how, const std::string& summary) = 0;
  /// A plan about to run: `round` counts plans in this run, from 1; `commands` holds each
  /// step's command resolved against the view it was planned on ("(wait: …)" for a wait).
  virtual void plan_made(int round, const Plan& plan, const std::vector<std::string>& commands,
                         bool task) = 0;
  /// Steps of the interrupted plan that no later plan ran, about to run.
  virtual void finishing_interrupted() = 0;
  /// A command about to run, or a wait begun (command "").
  virtual void step_started(const StepEvent& e) = 0;
  /// A step started and never recorded as finished by the crashed run runs again: `why` it is
  /// harmless.
  virtual void step_rerun(const StepEvent& e, const std::string& why) = 0;
  virtual void step_finished(const StepEvent& e, const StepEnd& end) = 0;
  /// Something the running step waits for advanced (a resync, a resilver, a scrub).
  virtual void progress(const Progress& p) = 0;
  virtual void snapshot(const SnapshotEvent& e) = 0;
  /// A plan met a changed stack and a new plan is made (`why`: what it met).
  virtual void replanning(const std::string& why) = 0;
};

}  // namespace stackdr
