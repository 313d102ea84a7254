#include "watch/escalation.h"

#include <fmt/format.h>

#include <set>

#include "util/text.h"

namespace stackdr {

namespace {

// A plan of this incident has a destructive step (it needs --allow-data-loss): as the journal
// kept the plan, or a step refused for it.
bool data_loss_risk(const std::vector<JournalEvent>& events) {
  for (const auto& e : events) {
    if (e.safety == "destructive") return true;
    if (e.kind == EventKind::kPlanned && text::contains(e.output, "\"safety\":\"destructive\"")) return true;
  }
  return false;
}

// A finding that points at hardware: SMART failing, a pool disk faulted or erring.
const Finding* hardware_suspected(const View& v) {
  for (const auto& f : v.findings)
    if (f.cause == Cause::kDiskSmartWarning || f.cause == Cause::kVdevFaulted ||
        f.cause == Cause::kVdevErrors)
      return &f;
  return nullptr;
}

}  // namespace

std::string escalation_detail(const EscalationDue& e) {
  return fmt::format("level {} ({}): {}", e.level, e.contact, e.reason);
}

int escalated_level(const JournalEvent& e) {
  if (e.kind != EventKind::kEscalation || !text::starts_with(e.detail, "level ")) return 0;
  return static_cast<int>(text::to_int(e.detail.substr(6, 1)).value_or(0));
}

std::vector<EscalationDue> escalations_due(const EscalationConfig& c, const std::vector<JournalEvent>& events,
                                           const View& v, double stalled_s) {
  std::set<int> reached;
  for (const auto& e : events)
    if (int l = escalated_level(e)) reached.insert(l);
  std::vector<EscalationDue> out;
  if (!reached.count(2)) {
    if (data_loss_risk(events))
      out.push_back({2, "team", "data-loss risk: a plan of this incident needs --allow-data-loss"});
    else if (v.status != 0 && stalled_s >= c.team.after)
      out.push_back({2, "team",
                     fmt::format("no progress: no step finished for {} and the stack is not healthy",
                                 stalled_s < 120 ? fmt::format("{:.0f} s", stalled_s)
                                                 : fmt::format("{:.0f} minutes", stalled_s / 60))});
  }
  if (!reached.count(3))
    if (const Finding* f = hardware_suspected(v))
      out.push_back({3, "vendor", "hardware failure suspected: " + f->summary});
  return out;
}

}  // namespace stackdr
