#pragma once
/// `stackdr maintain TASK | --schedule`: the maintenance tasks (operate/maintain.h) run by hand,
/// and the schedule — what runs next, when each last ran, and why one would be skipped now.

#include <string>

#include "cli/task_run.h"
#include "store/journal.h"

namespace stackdr {

struct MaintainCliOptions {
  TaskCliOptions task;
  std::string name;  // scrub md-check smart config-backup drill
  bool schedule = false;
  bool no_wait = false;  // start the scrub or check and return (what the daemon does)
};

/// 0 done; 2 skipped (a skip rule holds: said why) or not done; the step engine's status else.
int cmd_maintain(const MaintainCliOptions& o);

/// What a sweep must read for maintenance (md's mismatch counts too).
ObserveOptions maintenance_observe();

/// Runs config-backup or drill (tasks that are not steps on a host) against an open context,
/// journaled in `journal` as an incident of their kind; returns 0 when it did it all.
int run_light_maintenance(StackContext& ctx, Journal& journal, const std::string& journal_dir,
                          const std::string& task, std::ostream& log);

/// The step engine's task for scrub, md-check or smart; `wait` false: start it and return
/// (the daemon's way: a scrub takes hours, and the daemon must go on watching).
Task heavy_maintenance_task(const Topology& t, const View& v, const std::string& task, bool wait);

}  // namespace stackdr
