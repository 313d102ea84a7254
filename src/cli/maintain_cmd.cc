#include "cli/maintain_cmd.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/exit_codes.h"
#include "cli/operator_io.h"
#include "drill/drill.h"
#include "host/clock.h"
#include "operate/config_backup.h"
#include "operate/light_maintenance.h"
#include "operate/maintain.h"
#include "recover/view.h"
#include "sim/faults.h"
#include "store/journal_file.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

std::vector<IncidentRecord> open_incidents(const std::vector<IncidentRecord>& all) {
  std::vector<IncidentRecord> out;
  for (const auto& i : all)
    if (i.state == "open" || i.state == "stopped") out.push_back(i);
  return out;
}
std::vector<IncidentRecord> open_incidents(Journal& j) {
  return open_incidents(j.incidents());
}

// The journal's incidents, read only: none when no journal was ever recorded here; the
// journal's refusal when one was and cannot be read (not seen is not "none").
Result<std::vector<IncidentRecord>> recorded_incidents(const std::string& dir, const StackHints& hints) {
  if (!journal_recorded(dir)) return std::vector<IncidentRecord>{};
  auto j = open_state_journal(dir, hints, false);
  if (!j) return j.error();
  return (*j)->incidents();
}

// Where a light task runs (operate/light_maintenance.h): this stack, its journal and clock.
LightTaskContext light_context(StackContext& ctx, Journal& j, const std::string& dir) {
  // The journal's clock: simulated time on a practice stack.
  return {ctx.topology(),
          ctx.hosts(),
          j,
          ctx.clock()->now(),
          ctx.journal_mode(),
          topology_fingerprint(ctx.topology()),
          dir};
}

// A task that does not go through the step engine is still journaled: an incident of its kind,
// closed at once with what it did.
void journal_done(Journal& j, StackContext& ctx, const std::string& task, const std::string& subject,
                  const std::string& summary, bool ok, const std::string& outcome) {
  journal_task_done(light_context(ctx, j, ""), task, subject, summary, ok, outcome);
}

int config_backup(StackContext& ctx, Journal& j, const std::string& dir, std::ostream& log) {
  const Topology& t = ctx.topology();
  int keep = t.maintenance.keep_backups > 0 ? t.maintenance.keep_backups : 14;
  auto b = backup_config(t, ctx.hosts(), (std::filesystem::path(dir) / "config-backups").string(),
                         ctx.clock()->now(), keep);
  if (!b) {
    journal_done(j, ctx, "config-backup", "configuration", "back up the configuration", false,
                 b.error().message);
    log << "stackdr: " << b.error().message << "\n";
    return kNeedsOperator;
  }
  std::string outcome =
      fmt::format("{}: {}{}{}", b->dir, text::join(b->saved, ", "),
                  b->missing.empty() ? "" : "; missing: " + text::join(b->missing, "; "),
                  b->removed.empty() ? "" : fmt::format("; rotated away {}", b->removed.size()));
  journal_done(j, ctx, "config-backup", "configuration", "back up the configuration", b->missing.empty(),
               outcome);
  log << outcome << "\n";
  return b->missing.empty() ? 0 : kNeedsOperator;
}

int drill_all(StackContext& ctx, Journal& j, std::ostream& log) {
  int passed = 0, ran = 0;
  std::vector<std::string> failed;
  for (const auto& f : sim::fault_catalog()) {
    auto r = run_drill(ctx.topology(), f.name);
    if (!r) continue;  // does not apply to this topology
    ++ran;
    if (r->passed())
      ++passed;
    else
      failed.push_back(f.name);
  }
  std::string outcome =
      fmt::format("{} of {} drills passed on the simulated stack of this topology{}", passed, ran,
                  failed.empty() ? "" : "; failed: " + text::join(failed, ", "));
  journal_done(j, ctx, "drill", "the simulated stack", "recovery drills", failed.empty(), outcome);
  log << outcome << "\n";
  return failed.empty() ? 0 : kStopped;
}

}  // namespace

// A StackContext's light maintenance lives here, beside the tasks it runs (drill/ and the
// config backup are cli/'s to reach; the daemon reaches them through Stack).
int StackContext::run_light_maintenance(Journal& journal, const std::string& dir, const std::string& task,
                                        std::ostream& log) {
  if (task == "drill") return drill_all(*this, journal, log);
  if (task == "log-review") return run_log_review(light_context(*this, journal, dir), log);
  if (task == "arc") return run_arc_sample(light_context(*this, journal, dir), log);
  return config_backup(*this, journal, dir, log);
}

int cmd_maintain(const MaintainCliOptions& o) {
  auto ctx = StackContext::open(o.task.context);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  const Topology& t = (*ctx)->topology();
  std::string dir = state_dir_for(o.task.context.state_dir, (*ctx)->sim() != nullptr);
  if (o.schedule) {
    // The schedule is the journal's record of past runs and open incidents: one that cannot
    // be read would show every task as never run and nothing open. Said instead.
    auto incidents = recorded_incidents(dir, stack_hints(o.task.context));
    if (!incidents) return fail(kExitUsage, "nothing was shown: " + incidents.error().message);
    View v = take_view(t, (*ctx)->hosts(), maintenance_observe());
    double now = (*ctx)->clock()->now();  // the journal's clock
    auto rows = maintenance_schedule(t, *incidents, now, v);
    if (o.task.json)
      std::cout << json_text(schedule_json(rows), 2) << "\n";
    else
      std::cout << schedule_text(rows, now);
    return 0;
  }
  if (!maintenance_task_info(o.name)) {
    std::vector<std::string> names;
    for (const auto& i : maintenance_tasks()) names.push_back(i.name);
    return fail(kExitUsage,
                fmt::format("no maintenance task '{}': the tasks are {}", o.name, text::join(names, ", ")));
  }
  if (o.task.dry_run) {
    if (!maintenance_task_info(o.name)->heavy) {
      std::cout << "dry run: " << maintenance_task_info(o.name)->what << "\n";
      return 0;
    }
    View v = take_view(t, (*ctx)->hosts(), maintenance_observe());
    auto incidents = recorded_incidents(dir, stack_hints(o.task.context));
    if (!incidents)
      std::cout << "cannot tell whether it would be skipped now (an open incident skips it): "
                << incidents.error().message << "\n";
    else if (auto why = maintenance_skip_reason(t, v, o.name, open_incidents(*incidents)); !why.empty())
      std::cout << "would be skipped now: " << why << "\n";
    return run_task_cli(o.task, **ctx, maintenance_step_task(t, v, o.name), maintenance_observe());
  }
  std::ostream& log = o.task.json ? std::cerr : std::cout;
  auto journal = open_state_journal(dir, stack_hints(o.task.context));
  if (!journal) return fail(kExitUsage, journal.error().message);
  if (!maintenance_task_info(o.name)->heavy)
    return (*ctx)->run_light_maintenance(**journal, dir, o.name, log);
  View v = take_view(t, (*ctx)->hosts(), maintenance_observe());
  if (auto why = maintenance_skip_reason(t, v, o.name, open_incidents(**journal)); !why.empty()) {
    log << fmt::format("skipped {}: {}\n", o.name, why);
    return kNeedsOperator;
  }
  journal->reset();  // run_task_cli opens the journal itself
  return run_task_cli(o.task, **ctx, heavy_maintenance_task(t, v, o.name, !o.no_wait), maintenance_observe());
}

}  // namespace stackdr
