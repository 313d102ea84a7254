#pragma once
/// `stackdr lun list | create | remove | resize`: the LUN verbs (operate/lun_list.h,
/// operate/lun_ops.h) wired to the stack context and the step engine (cli/task_run.h).

#include <string>

#include "cli/task_run.h"
#include "operate/lun_ops.h"

namespace stackdr {

struct LunCliOptions {
  TaskCliOptions task;
  std::string verb;  // list create remove resize
  LunRequest request;
  std::string size;  // as typed
};

/// list: 0. create/remove/resize: the step engine's status (RecoverExit): 2 when refused.
int cmd_lun(const LunCliOptions& o);

}  // namespace stackdr
