#pragma once
/// Maintenance: the runbook's Preventive Maintenance list as tasks — a pool scrub, an md
/// consistency check, SMART long self-tests, a backup of the configuration (LIO's saved config,
/// mdadm.conf, the topology), and a recovery drill on the simulated stack (the runbook's
/// quarterly "test RAID rebuild, in a test environment only"). Scrub, md-check and smart run
/// through the step engine; each run is journaled. Skip rules: none of the I/O-heavy tasks
/// starts while an incident is open, an array is degraded or resyncing, a pool is not ONLINE
/// or already scanning, or what it would read was not read.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "operate/task.h"
#include "recover/executor.h"
#include "store/journal.h"
#include "topology/topology.h"

namespace stackdr {

struct MaintenanceTaskInfo {
  std::string name;           // scrub md-check smart config-backup drill
  std::string default_every;  // the runbook's period
  std::string what;           // one line
  bool heavy = false;         // I/O on the data path: the skip rules apply
};
const std::vector<MaintenanceTaskInfo>& maintenance_tasks();
const MaintenanceTaskInfo* maintenance_task_info(const std::string& name);

/// daily weekly monthly quarterly → seconds; off (or anything else) → nullopt.
std::optional<int64_t> period_seconds(const std::string& every);
/// The task's period: the topology's `maintenance:` section, else the runbook's.
std::string task_every(const Topology& t, const std::string& task);

/// Why the task must not start now ("" = it may), from a fresh View and the journal's open
/// incidents.
std::string maintenance_skip_reason(const Topology& t, const View& v, const std::string& task,
                                    const std::vector<IncidentRecord>& open_incidents);

/// The step engine's task for scrub, md-check or smart: start it, wait for it with its
/// progress, and end with what it found.
Task maintenance_step_task(const Topology& t, const View& before, const std::string& task);

/// One row of `maintain --schedule`.
struct ScheduleRow {
  std::string task, every;
  std::optional<double> last_run;  // when its last run ended
  std::string last_outcome;
  std::optional<double> next_due;  // nullopt: off
  bool due = false;
  std::string skip;  // why it would not start now ("" = it would)
};
std::vector<ScheduleRow> maintenance_schedule(const Topology& t, const std::vector<IncidentRecord>& journal,
                                              double now, const View& v);
nlohmann::json schedule_json(const std::vector<ScheduleRow>& rows);
std::string schedule_text(const std::vector<ScheduleRow>& rows, double now);

/// The journal's incident kind ("cause") of a maintenance task's runs.
std::string maintenance_kind(const std::string& task);

/// What a sweep must read for maintenance (md's mismatch counts too).
ObserveOptions maintenance_observe();

/// The step engine's task for scrub, md-check or smart; `wait` false: start it and return
/// (the daemon's way: a scrub takes hours, and the daemon must go on watching).
Task heavy_maintenance_task(const Topology& t, const View& v, const std::string& task, bool wait);

}  // namespace stackdr
