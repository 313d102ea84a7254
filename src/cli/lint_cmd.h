#pragma once
/// `stackdr lint [--fix]`: the stack's settings checked (operate/lint.h); --fix runs the safe
/// fixes through the step engine, then checks again.

#include "cli/task_run.h"

namespace stackdr {

struct LintCliOptions {
  TaskCliOptions task;
  bool fix = false;
};

/// Exit 0: no warning; 1: warnings; 3: no warning, but some settings could not be read;
/// with --fix, the step engine's status when it did not finish (RecoverExit), after the report
/// of what is left.
int cmd_lint(const LintCliOptions& o);

}  // namespace stackdr
