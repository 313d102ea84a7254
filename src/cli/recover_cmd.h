#pragma once
/// `stackdr recover` and `stackdr incident`: wiring between the command line, the stack
/// context (live, lab or replay), the per-host locks, the journal in the state directory and
/// the executor.

#include <string>

#include "cli/stack_context.h"

namespace stackdr {

struct RecoverCliOptions {
  ContextOptions context;
  bool dry_run = false, yes = false, allow_data_loss = false, resume = false, json = false;
  bool new_journal = false;  // set a refused (damaged, emptied) journal aside and start a new one
  std::string new_disk;
};

struct IncidentCliOptions {
  std::string state_dir;  // "" = the default
  std::string stack;      // --stack NAME: that stack's journal (STATE/stacks/NAME)
  bool lab = false;       // the simulated runs' journal
  std::string verb;       // list show report close
  int id = 0;
  std::string format;  // text md json
  std::string why;     // close: what the operator did
  bool json = false;   // --json: the same as --format json, and close answers in JSON
  bool tasks = false;  // list: the tasks (LUN changes, lint fixes, maintenance), not the failures
  std::string backup;  // journal restore --backup FILE ("" = the newest)
};

int cmd_recover(const RecoverCliOptions& o);
int cmd_incident(const IncidentCliOptions& o);

}  // namespace stackdr
