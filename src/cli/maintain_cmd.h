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

}  // namespace stackdr
