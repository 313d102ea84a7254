#include "operate/light_maintenance.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "operate/maintain.h"
#include "operate/maintenance_records.h"
#include "recover/executor.h"

namespace stackdr {

void journal_task_done(const LightTaskContext& c, const std::string& task, const std::string& subject,
                       const std::string& summary, bool ok, const std::string& outcome) {
  int id = c.journal.open_incident(c.now, c.mode, c.fingerprint, 0, maintenance_kind(task), subject, summary,
                                   nlohmann::json::array(), c.topology.name, c.topology.site);
  c.journal.close_incident(id, c.now, ok ? "resolved" : "escalated", outcome);
}

int run_log_review(const LightTaskContext& c, std::ostream& log) {
  // From the last review that read every journal: one that could not read some leaves the
  // time since then to the next (what was not read is not known to be quiet).
  std::optional<double> since;
  for (const auto& i : c.journal.incidents())
    if (i.cause == maintenance_kind("log-review") && i.state == "resolved" && i.closed_at &&
        (!since || *i.closed_at > *since))
      since = i.closed_at;
  double from = since.value_or(c.now - 7 * 86400.0);
  // The last review could not read every journal: its window is read again, whole.
  if (auto last = last_log_review(c.state_dir); last && !(*last)["unread"].empty())
    from = std::min(from, last->value("since", from));
  LogReview r = review_logs(c.topology, c.hosts, from, c.now);
  log << log_review_text(r);
  auto kept = keep_log_review(c.state_dir, r);
  std::string outcome = fmt::format(
      "{} error(s), {} warning(s) in {} group(s) since {:.0f}{}{}", r.errors(), r.warnings(), r.groups.size(),
      from, r.unread.empty() ? "" : fmt::format("; {} journal(s) NOT read", r.unread.size()),
      kept ? "" : "; not kept: " + kept.error().message);
  bool ok = r.unread.empty() && static_cast<bool>(kept);
  journal_task_done(c, "log-review", "the stack's journals", "review the logs", ok, outcome);
  if (!kept) log << "stackdr: " << kept.error().message << "\n";
  return ok ? 0 : kNeedsOperator;
}

int run_arc_sample(const LightTaskContext& c, std::ostream& log) {
  auto s = sample_arc(c.topology, c.hosts, c.now);
  if (!s) {
    journal_task_done(c, "arc", "the ARC of " + c.topology.storage.host, "sample the ARC", false,
                      s.error().message);
    log << "stackdr: " << s.error().message << "\n";
    return kNeedsOperator;
  }
  std::vector<ArcSample> before = arc_samples(c.state_dir);
  std::optional<ArcSample> last = before.empty() ? std::nullopt : std::optional<ArcSample>(before.back());
  std::optional<double> ratio = hit_ratio(last, *s);
  auto kept = keep_arc_sample(c.state_dir, *s);
  std::string outcome = fmt::format(
      "ARC {:.0f} MiB (target {:.0f} MiB, ceiling {:.0f} MiB); hit ratio {}{}", s->size / 1048576.0,
      s->target / 1048576.0, s->ceiling / 1048576.0,
      ratio ? fmt::format("{:.1f}% {}", *ratio * 100,
                          last && s->hits >= last->hits ? "since the last sample" : "since the module loaded")
            : "not known (no reads)",
      kept ? "" : "; not kept: " + kept.error().message);
  journal_task_done(c, "arc", "the ARC of " + c.topology.storage.host, "sample the ARC",
                    static_cast<bool>(kept), outcome);
  log << outcome << "\n";
  return kept ? 0 : kNeedsOperator;
}

}  // namespace stackdr
