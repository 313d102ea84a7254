#pragma once
/// The maintenance tasks that do not go through the step engine and change nothing on the
/// stack — log-review and arc — run here, journaled as an incident of their kind closed at once
/// with what they found, and kept for /metrics (operate/maintenance_records.h). cli/ runs
/// config-backup and drill itself (they reach the simulator and the backup folder).

#include <ostream>
#include <string>

#include "host/host.h"
#include "store/journal.h"
#include "topology/topology.h"

namespace stackdr {

/// Where a light task runs: the stack, the journal and its clock's now, the state folder.
struct LightTaskContext {
  const Topology& topology;
  HostLookup hosts;
  Journal& journal;
  double now = 0;  // the journal's clock (simulated time on a practice stack)
  std::string mode, fingerprint, state_dir;
};

/// A task's run, journaled: an incident of its kind opened and closed with `outcome`
/// (resolved when `ok`, else escalated: an operator should look).
void journal_task_done(const LightTaskContext& c, const std::string& task, const std::string& subject,
                       const std::string& summary, bool ok, const std::string& outcome);

/// log-review from the last resolved review (a week back the first time) to now. Exit 0, or 2
/// when a journal could not be read or the review could not be kept.
int run_log_review(const LightTaskContext& c, std::ostream& log);
/// arc: a sample, its hit ratio since the last one, kept. Exit 0, or 2 when not read.
int run_arc_sample(const LightTaskContext& c, std::ostream& log);

}  // namespace stackdr
