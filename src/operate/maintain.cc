#include "operate/maintain.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

const std::vector<MaintenanceTaskInfo>& maintenance_tasks() {
  static const std::vector<MaintenanceTaskInfo> tasks{
      {"scrub", "monthly", "zpool scrub of the pool, waited for, with what it repaired", true},
      {"md-check", "monthly", "md's consistency check of each array (checkarray), with its mismatch count",
       true},
      {"smart", "monthly", "a SMART extended self-test of each pool disk", true},
      {"config-backup", "daily", "LIO's saved config, mdadm.conf and the topology, kept with rotation",
       false},
      {"drill", "quarterly", "every fault injected and recovered on the simulated stack of this topology",
       false},
      {"log-review", "weekly",
       "the target's and iscsid's journal and the kernel's messages since the last review: errors and "
       "warnings, "
       "grouped",
       false},
      {"arc", "monthly", "a sample of the ZFS ARC: its size and the hit ratio since the last sample", false},
  };
  return tasks;
}

const MaintenanceTaskInfo* maintenance_task_info(const std::string& name) {
  for (const auto& t : maintenance_tasks())
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<int64_t> period_seconds(const std::string& every) {
  if (every == "daily") return 86400;
  if (every == "weekly") return 7 * 86400;
  if (every == "monthly") return 30 * 86400;
  if (every == "quarterly") return 91 * 86400;
  return std::nullopt;
}

std::string task_every(const Topology& t, const std::string& task) {
  auto it = t.maintenance.every.find(task);
  if (it != t.maintenance.every.end()) return it->second;
  const MaintenanceTaskInfo* info = maintenance_task_info(task);
  return info ? info->default_every : "off";
}

std::string maintenance_kind(const std::string& task) {
  return "maintain-" + task;
}

std::string maintenance_skip_reason(const Topology& t, const View& v, const std::string& task,
                                    const std::vector<IncidentRecord>& open_incidents) {
  const MaintenanceTaskInfo* info = maintenance_task_info(task);
  if (!info) return "no task " + task;
  if (!info->heavy) return "";
  for (const auto& i : open_incidents)
    if (i.cause != maintenance_kind(task)) return fmt::format("incident {} is open ({})", i.id, i.summary);
  for (const auto& a : t.arrays) {
    const MdArrayState& st = v.array(a);
    if (st.assembled == Seen::kUnknown) return "array " + a.name + ": /proc/mdstat was not read";
    if (st.assembled == Seen::kNo) return "array " + a.name + " is not assembled";
    if (st.sync) return fmt::format("array {} is running a {}", a.name, st.sync->action);
    if (st.active_disks < st.raid_disks) return "array " + a.name + " is degraded";
  }
  if (!t.storage.pool.empty()) {
    const auto& z = v.observation.storage.zpool;
    if (!z) return "pool " + t.storage.pool + ": zpool status was not read";
    for (const auto& p : z->pools) {
      if (p.name != t.storage.pool) continue;
      if (!p.scan_kind.empty())
        return fmt::format("pool {} is running a {} ({:.1f}%)", p.name, p.scan_kind,
                           p.scan_percent.value_or(0));
      if (p.state != "ONLINE") return fmt::format("pool {} is {}", p.name, p.state);
    }
  }
  return "";
}

namespace {

const ZpoolPool* pool_of(const Topology& t, const View& v) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return nullptr;
  for (const auto& p : z->pools)
    if (p.name == t.storage.pool) return &p;
  return nullptr;
}

Step act(std::string id, std::string title, std::string host, Argv argv, std::string done_when, Check done) {
  Step s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.runbook = "runbook: Preventive Maintenance";
  s.host = std::move(host);
  s.safety = Safety::kSafe;
  s.argv = std::move(argv);
  s.done_when = std::move(done_when);
  s.done = std::move(done);
  s.settle_s = 30;
  return s;
}

Step wait(std::string id, std::string title, std::string host, std::string done_when, Check done) {
  Step s = act(std::move(id), std::move(title), std::move(host), {}, std::move(done_when), std::move(done));
  s.show_progress = true;
  s.settle_s = 7 * 86400;  // a scrub of a large pool takes hours; a week is a hang
  return s;
}

Task scrub_task(const Topology& t, const View& before) {
  const ZpoolPool* p = pool_of(t, before);
  std::string earlier = p ? p->scan : "";  // the last scan's line before this one
  Task task{maintenance_kind("scrub"),
            "pool " + t.storage.pool,
            "scrub pool " + t.storage.pool,
            nullptr,
            true,
            [t](const View& v) {
              const ZpoolPool* p = pool_of(t, v);
              return p ? p->scan : std::string("pool not read");
            }};
  task.plan = [t, earlier](const View& v) {
    Plan plan;
    const ZpoolPool* p = pool_of(t, v);
    if (!p) {
      plan.escalate = "pool " + t.storage.pool + " could not be read";
      return plan;
    }
    auto finished = [t, earlier](const View& v) -> std::string {
      const ZpoolPool* p = pool_of(t, v);
      if (!p) return "pool not read";
      if (!p->scan_kind.empty())
        return fmt::format("{} {:.1f}% done", p->scan_kind, p->scan_percent.value_or(0));
      return text::starts_with(p->scan, "scrub repaired") && p->scan != earlier ? "" : "no new scrub result";
    };
    plan.steps.push_back(act("maintain.scrub-start:" + t.storage.pool, "start a scrub of " + t.storage.pool,
                             t.storage.host, {"zpool", "scrub", t.storage.pool}, "a scrub runs or has ended",
                             [t, finished](const View& v) -> std::string {
                               const ZpoolPool* p = pool_of(t, v);
                               if (p && p->scan_kind == "scrub") return "";
                               return finished(v);
                             }));
    plan.steps.push_back(wait("maintain.scrub-wait:" + t.storage.pool, "wait for the scrub to end",
                              t.storage.host, "zpool status shows the scrub's result", finished));
    return plan;
  };
  return task;
}

Task md_check_task(const Topology& t) {
  Task task{maintenance_kind("md-check"),
            "arrays",
            "check the consistency of every array",
            nullptr,
            true,
            [t](const View& v) {
              std::vector<std::string> found;
              for (const auto& a : t.arrays) {
                auto k = v.observation.kvm.find(a.host);
                const MdSysfsFacts* sys = nullptr;
                if (k != v.observation.kvm.end())
                  if (auto it = k->second.md_sysfs.find(a.name); it != k->second.md_sysfs.end())
                    sys = &it->second;
                found.push_back(sys && sys->mismatch_cnt
                                    ? fmt::format("{}: mismatch_cnt {}", a.name, *sys->mismatch_cnt)
                                    : a.name + ": mismatch_cnt not read");
              }
              return text::join(found, "; ");
            }};
  task.plan = [t](const View& v) {
    Plan plan;
    for (const auto& a : t.arrays) {
      const MdArrayState& st = v.array(a);
      auto checked = [name = a.name](const View& v) -> std::string {
        auto it = v.md.find(name);
        if (it == v.md.end() || it->second.assembled != Seen::kYes) return "array not seen";
        if (it->second.sync)
          return fmt::format("{} {:.1f}%", it->second.sync->action, it->second.sync->percent.value_or(0));
        return "";
      };
      if (st.sync && st.sync->action != "check") continue;  // another sync: skip rules said so
      plan.steps.push_back(act("maintain.md-check-start:" + a.name, "start md's check of " + a.device, a.host,
                               {"/usr/share/mdadm/checkarray", a.device}, "a check runs or has ended",
                               [name = a.name](const View& v) -> std::string {
                                 auto it = v.md.find(name);
                                 if (it != v.md.end() && it->second.sync &&
                                     it->second.sync->action == "check")
                                   return "";
                                 return "no check running";
                               }));
      plan.steps.back().rerun_safe = "checkarray skips an array that is not idle";
      plan.steps.push_back(wait("maintain.md-check-wait:" + a.name,
                                "wait for the check of " + a.device + " to end", a.host,
                                "no sync action on " + a.device, checked));
    }
    return plan;
  };
  return task;
}

Task smart_task(const Topology& t) {
  Task task{maintenance_kind("smart"),
            "pool disks",
            "start a SMART extended self-test on each pool disk",
            nullptr,
            true,
            [n = t.storage.disks.size()](const View&) {
              return fmt::format(
                  "started on {} disk(s); each reports in its self-test log (smartctl -l selftest) "
                  "when it ends, in hours",
                  n);
            }};
  task.plan = [t](const View&) {
    Plan plan;
    for (const auto& d : t.storage.disks) {
      Step s = act("maintain.smart:" + d, "start a SMART extended self-test of " + d, t.storage.host,
                   {"smartctl", "-t", "long", "/dev/disk/by-id/" + d}, "smartctl accepted the test", nullptr);
      s.rerun_safe = "starting a self-test again restarts it";
      plan.steps.push_back(s);
    }
    return plan;
  };
  return task;
}

}  // namespace

Task maintenance_step_task(const Topology& t, const View& before, const std::string& task) {
  if (task == "scrub") return scrub_task(t, before);
  if (task == "md-check") return md_check_task(t);
  return smart_task(t);
}

std::vector<ScheduleRow> maintenance_schedule(const Topology& t, const std::vector<IncidentRecord>& journal,
                                              double now, const View& v) {
  std::vector<IncidentRecord> open;
  for (const auto& i : journal)
    if (i.state == "open" || i.state == "stopped") open.push_back(i);
  std::vector<ScheduleRow> rows;
  for (const auto& info : maintenance_tasks()) {
    ScheduleRow r;
    r.task = info.name;
    r.every = task_every(t, info.name);
    for (const auto& i : journal)
      if (i.cause == maintenance_kind(info.name) && i.closed_at && i.state == "resolved" &&
          (!r.last_run || *i.closed_at > *r.last_run)) {
        r.last_run = i.closed_at;
        r.last_outcome = i.outcome;
      }
    if (auto period = period_seconds(r.every)) {
      r.next_due = r.last_run ? *r.last_run + static_cast<double>(*period) : now;
      r.due = *r.next_due <= now;
    }
    r.skip = maintenance_skip_reason(t, v, info.name, open);
    rows.push_back(std::move(r));
  }
  return rows;
}

nlohmann::json schedule_json(const std::vector<ScheduleRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows)
    a.push_back({{"task", r.task},
                 {"every", r.every},
                 {"last_run", r.last_run ? nlohmann::json(*r.last_run) : nlohmann::json()},
                 {"last_outcome", r.last_outcome},
                 {"next_due", r.next_due ? nlohmann::json(*r.next_due) : nlohmann::json()},
                 {"due", r.due},
                 {"skip", r.skip}});
  return nlohmann::json{{"tasks", a}};
}

std::string schedule_text(const std::vector<ScheduleRow>& rows, double now) {
  auto when = [now](std::optional<double> at) -> std::string {
    if (!at) return "never";
    double d = *at - now;
    double a = std::abs(d);
    if (a < 60) return std::string("just now");
    std::string span = a < 3600        ? fmt::format("{:.0f} min", a / 60)
                       : a < 2 * 86400 ? fmt::format("{:.0f} h", a / 3600)
                                       : fmt::format("{:.0f} days", a / 86400);
    return d < 0 ? span + " ago" : "in " + span;
  };
  std::string out =
      fmt::format("{:<14} {:<10} {:<14} {:<14} {}\n", "TASK", "EVERY", "LAST RUN", "NEXT", "NOW");
  for (const auto& r : rows) {
    std::string next = !r.next_due ? "off" : r.due ? "due" : when(r.next_due);
    std::string now_word = !r.next_due      ? "-"
                           : r.skip.empty() ? (r.due ? "would run" : "-")
                                            : "would skip: " + r.skip;
    out += fmt::format("{:<14} {:<10} {:<14} {:<14} {}\n", r.task, r.every, when(r.last_run), next, now_word);
  }
  return out;
}

ObserveOptions maintenance_observe() {
  ObserveOptions o;
  o.kernel_log = false;
  o.settings = true;  // md's mismatch counts
  return o;
}

Task heavy_maintenance_task(const Topology& t, const View& v, const std::string& task, bool wait) {
  Task out = maintenance_step_task(t, v, task);
  if (!wait) {
    // Started, not waited for: the scrub or check goes on; its result shows in later sweeps.
    auto plan = out.plan;
    out.plan = [plan](const View& v) {
      Plan p = plan(v);
      std::erase_if(p.steps, [](const Step& s) { return s.argv.empty(); });
      return p;
    };
    out.result = [](const View&) { return std::string("started; not waited for"); };
  }
  return out;
}

}  // namespace stackdr
