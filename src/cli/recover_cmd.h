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
  std::string new_disk;
  std::string state_dir;  // "" = $STACKDR_STATE_DIR or /var/lib/stackdr
};

int cmd_recover(const RecoverCliOptions& o);
int cmd_incident(const std::string& state_dir, const std::string& verb, int id, const std::string& format);

/// $STACKDR_STATE_DIR, else /var/lib/stackdr.
std::string default_state_dir();

}  // namespace stackdr
