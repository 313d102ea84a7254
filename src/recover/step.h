#pragma once
/// Step and Plan: what recovery does, as data. A step is check / act / verify: `done` tells
/// from a fresh View whether what the step achieves already holds (then it is skipped, which
/// makes plans resumable), `argv` is one command on one named host, and `done` must hold
/// within `settle_s` after it ran (verify). A step with no argv waits (a resync, the operator).
/// Argv words like {disk:test02} name a member by its LUN; they are resolved to today's
/// /dev/sdX only when the step runs.

#include <functional>
#include <string>
#include <vector>

#include "host/host.h"
#include "recover/view.h"

namespace stackdr {

/// What a step can cost, in DESIGN.md's terms; policy decides what runs without asking.
enum class Safety { kRead, kSafe, kDisruptive, kDestructive };
const char* safety_name(Safety s);  // read safe disruptive destructive

/// "" when the condition holds; otherwise what is observed instead.
using Check = std::function<std::string(const View&)>;

struct Step {
  std::string id;       // stable within a plan: "md.re-add:md1/test02"
  std::string title;    // what it does, in words
  std::string runbook;  // the runbook step it implements (or improves on)
  std::string host;
  Safety safety = Safety::kSafe;
  Argv argv;              // empty: wait until `done` holds
  std::string done_when;  // the check, in words
  Check done;             // empty: nothing to observe; the exit status alone verifies the step
  int settle_s = 30;      // how long `done` may take to hold after the act
  // Non-empty when what `done` waits for can no longer come (a scrub that ended with errors):
  // the wait stops there and the step failed, instead of waiting out `settle_s`.
  Check gave_up;
  // A step that must still run after a crash although what it follows up is healthy by then
  // (the scrub after a resilver: the pool reads ONLINE, so no finding plans it again). Names
  // the check `restore_check` (planner.h) rebuilds for it when the interrupted plan resumes.
  std::string resume_check;
  bool best_effort = false;    // if it does not take, go on with the next step (a cheaper try first)
  bool show_progress = false;  // resync / resilver / scrub: draw a progress bar while waiting
  // A check the rest of the plan rests on (the copy md keeps, checked before the other is
  // overwritten): when it fails, the plan stops there for an operator (exit 2), with this said.
  std::string gate;
  std::string predict;  // what will happen, when it is not obvious ("re-add: ~768 MiB resync")
  // After a crash the journal may show the step started and never finished: its effect may or
  // may not be there. `done` is taken to observe the step's own effect (so a `done` that does
  // not hold says the effect is absent, and the step runs again); where it observes a later
  // goal instead (e2fsck's is "mounted read-write"), or there is no `done`, the step says why
  // running it again after it finished changes nothing. An interrupted step with no `done`
  // and no such reason is not run again: it waits for an operator.
  std::string rerun_safe;
  // For the interlocks: what the step may overwrite.
  std::string array;           // topology array name
  std::string member_lun;      // the member whose device it overwrites (--add, --zero-superblock, wipefs)
  bool creates_array = false;  // mdadm --create
  std::string zvol;            // the zvol holding the data a destructive step touches
};

struct Plan {
  int scenario = 0;
  Cause cause = Cause::kNone;
  std::string root, summary;
  std::vector<Step> steps;
  std::string escalate;  // non-empty: no safe automatic plan; what the operator must do
};

}  // namespace stackdr
