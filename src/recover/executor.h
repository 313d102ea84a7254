#pragma once
/// The executor: `stackdr recover`. It observes, diagnoses, plans for the lowest finding, and
/// runs the plan step by step — skipping what already holds, asking before disruptive and
/// destructive steps (policy), refusing what an interlock forbids, journaling each step before
/// it runs, re-observing after each step and stopping at the first unexpected state — then
/// observes again and plans the next finding, until the stack is healthy or an operator is
/// needed. A crash leaves the journal saying exactly which steps finished; `--resume`
/// re-observes and continues without repeating them.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/clock.h"
#include "observe/observer.h"
#include "recover/interlocks.h"
#include "recover/planner.h"
#include "recover/recover_events.h"
#include "recover/step_run.h"
#include "recover/work.h"
#include "store/journal.h"
#include "topology/topology.h"

namespace stackdr {

/// Exit statuses of `stackdr recover` (documented in the README).
enum RecoverExit {
  kRecovered = 0,      // healthy at the end (or nothing to do; or the dry-run plan was printed)
  kStopped = 1,        // a step failed or the stack is not what the step should have made it
  kNeedsOperator = 2,  // no safe automatic plan, an interlock refused, or waiting timed out
  kDeclined = 3,       // the operator said no (or there was nobody to ask)
  kLocked = 4,         // another recovery holds a host, or a step of an interrupted run still runs
  kRefused = 64,       // --resume of an incident of another mode or topology (bad usage)
};

/// Thrown by a test hook to simulate a crash at a step boundary.
struct CrashInjected {
  std::string where;
};

struct RecoverOptions {
  Policy policy;
  /// Set: run this work (operate/task.h's tasks), not a recovery.
  std::shared_ptr<const Work> work;
  /// What the sweeps read (a task may need settings).
  ObserveOptions observe;
  bool resume = false;
  std::string mode = "live";  // journal's incident mode
  std::string fingerprint;    // topology_fingerprint(): --resume refuses an incident of another
  /// False on the simulated stack, which starts anew on every run: an open incident of an
  /// earlier run neither blocks this one nor can be continued by it.
  bool resumable = true;
  PlanContext plan;
  int max_rounds = 10;
  /// Asks the operator; returns true for yes. Unset: nobody to ask (counts as no).
  std::function<bool(const std::string&)> ask;
  /// Test hooks: called at "before:STEP", "started:STEP" (journaled, not run), "acted:STEP" (run,
  /// not journaled finished) and "after:STEP" (may throw CrashInjected), and after each act.
  std::function<void(const std::string&)> boundary;
  std::function<void(const Step&)> after_act;
  /// Called with each plan as it is made (round number from 1): the dry run's prediction.
  std::function<void(int, const Plan&, const View&)> planned;
  /// Asked before each step: true stops the recovery there (SIGINT/SIGTERM), with the running
  /// step finished and journaled first; `--resume` continues it.
  std::function<bool()> stop_requested;
  /// Told what is running now ("" when nothing is), for whoever asks (a second signal).
  std::function<void(const std::string&)> running;
  /// Set when the stack is under coordination (coord/election.h): asked before each step and
  /// each command that changes a machine. An error (this process no longer leads) stops the
  /// run there, exit kLocked; a Fence goes with the command, and the machine refuses it when
  /// a newer leader has been there (host/fence.h).
  std::function<Result<Fence>()> leadership;
};

struct RecoverOutcome {
  int exit = kRecovered;
  std::string message;
  int incident = 0;
  std::vector<StepRun> steps;
  int rounds = 0;
};

class Executor {
 public:
  /// `events` hears what the engine does (the command line draws it as text: RecoverText).
  Executor(const Topology& t, HostLookup hosts, Clock& clock, Journal& journal, RecoverEvents& events)
      : t_(t), hosts_(std::move(hosts)), clock_(clock), journal_(journal), events_(events) {}
  RecoverOutcome run(const RecoverOptions& options);

 private:
  /// Where a resumed incident's plans stand: the last plan's number and key.
  struct Resumed {
    int plan_no = 0;
    std::string key;
  };
  enum class PlanEnd { kCompleted, kEnded, kReplan, kLookAgain };
  View look();
  RecoverOutcome run_work();
  bool run_work_plan(const Plan& plan, int round, View& view);
  // run()'s parts, in order.
  std::optional<RecoverOutcome> take_up(const IncidentRecord& open, Resumed& resumed);
  std::optional<RecoverOutcome> still_running(const IncidentRecord& open,
                                              const std::vector<JournalEvent>& events);
  void open_incident_for(const View& view);
  RecoverOutcome run_rounds(View& view, Resumed& resumed);
  PlanEnd run_plan(const Plan& plan, int plan_no, const std::string& key, View& view);
  RecoverOutcome held_by(const IncidentRecord& open, const std::string& what);
  /// "" when the pool has room for a snapshot of `zvol` to keep every block the rebuild
  /// rewrites; else what is short, or not known.
  std::string snapshot_room(const std::string& zvol, Host* storage);
  /// Tells events_ of a plan about to run, each step's command resolved against `v`.
  void announce_plan(int round, const Plan& p, const View& v);
  // Runs one step; returns false to stop the plan (outcome_ filled in). Its parts, in order:
  bool run_step(const Plan& plan, int plan_no, size_t index, View& view);
  /// True when the step needs no run: the interrupted run finished it, or what it makes holds.
  bool skip_if_done(const StepEvent& e, StepRun& run, const View& view);
  /// A step with no command: waits until its check holds (a resync, a resilver, an operator).
  bool run_wait(const StepEvent& e, StepRun& run, View& view);
  /// The partial-view rule, the policy (asking), the snapshot and the interlocks: true to run.
  bool allowed_to_run(const StepEvent& e, StepRun& run, const Argv& argv, const View& view);
  /// Ends the step as refused by `rule` and the recovery as needing an operator; false.
  bool refuse(const StepEvent& e, StepRun& run, const std::string& rule, const std::string& msg);
  /// Runs the command, journaled before it starts, as its process exists and when it ends.
  CommandResult act(const StepEvent& e, const Argv& argv);
  /// Runs a command that changes a machine: fenced under coordination (o_.leadership).
  CommandResult change(Host* h, const Argv& argv, const std::function<void(const ProcessId&)>& started);
  /// Looks again and judges the step by its check; false to stop the plan.
  bool verify(const StepEvent& e, StepRun& run, const Argv& argv, const CommandResult& r, View& view);
  /// A step the crashed run started and never finished, whose `done` does not hold: true to
  /// run it again; false when nothing shows whether it ran and it is not harmless twice (then
  /// the incident waits for an operator).
  bool run_again(const StepEvent& e, StepRun& run);
  /// How a wait for a step's check ended.
  enum class WaitEnd { kHolds, kGaveUp, kTimedOut, kStopped };
  /// Looks again until `s.done` holds, `s.gave_up` says it cannot (for kGaveUpGrace seconds
  /// on end: a look taken as md starts a rebuild may see neither), `timeout_s` passed, or —
  /// with `stoppable`, for waits that change nothing — a signal asked to stop.
  WaitEnd wait_for(const Step& s, View& view, int timeout_s, bool stoppable = false);
  /// Records how a step ended: in the outcome and to events_.
  void step_ended(const StepEvent& e, StepRun& run, StepEnd end);
  Result<Argv> resolve(const Argv& argv, const View& v) const;
  bool take_snapshot(const Step& s, int plan_no);
  /// `zfs hold stackdr SNAP`, said in the output; `resumed`: the snapshot is one a killed run
  /// took, which may hold the tag already.
  void hold_snapshot(Host* storage, const std::string& snap, bool resumed);
  void event(EventKind kind, int plan, const Step* s, const std::string& argv, std::optional<int> rc,
             const std::string& output, const std::string& detail);
  void finish(int exit, EventKind state, const std::string& message);

  const Topology& t_;
  HostLookup hosts_;
  Clock& clock_;
  Journal& journal_;
  RecoverEvents& events_;
  RecoverOptions o_;
  RecoverOutcome outcome_;
  std::map<std::string, bool> snapshots_;  // zvol → taken for this incident
  // On --resume: the acts an earlier run of this incident finished (step id → count). Each is
  // not run again; its effect is judged by observing. Used up one by one, so a step that a new
  // failure makes necessary again still runs.
  std::map<std::string, int> done_before_;
  Plan unfinished_;  // the interrupted plan's unchecked steps still to run (on --resume)
  int unfinished_plan_ = 0;
  std::set<std::string> ran_;          // step ids this run has taken up
  std::set<std::string> interrupted_;  // step ids started and never finished before the crash
  // Runs unfinished_'s steps that no plan of this run took up; false when one stopped.
  bool finish_interrupted(View& view);
};

}  // namespace stackdr
