#pragma once
/// Running a task (`lint --fix`, `lun create|remove|resize`) through the step engine from the
/// command line: the same journal, per-host locks, policy, questions and signals as `recover`;
/// `--dry-run` shows the steps a fresh view needs and changes nothing.

#include <string>

#include "cli/stack_context.h"
#include "operate/task.h"
#include "recover/executor.h"

namespace stackdr {

struct TaskCliOptions {
  ContextOptions context;
  bool dry_run = false, yes = false, allow_data_loss = false, json = false;
  /// False: the caller prints the document (lint --fix prints the report after the fixes).
  bool print_outcome = true;
};

/// Runs `task`; returns the executor's exit status (RecoverExit). With --json the step log
/// goes to standard error and standard output gets one JSON document.
/// `topology`: the one the task runs against, when not the context's own (a LUN being created
/// is in it).
int run_task_cli(const TaskCliOptions& o, StackContext& ctx, Task task, const ObserveOptions& observe,
                 const Topology* topology = nullptr);

}  // namespace stackdr
