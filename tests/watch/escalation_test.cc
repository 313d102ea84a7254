// The escalation policy (watch/escalation): which level an incident calls for, from its journal
// and the sweep, and only once.

#include "watch/escalation.h"

#include <gtest/gtest.h>

namespace stackdr {
namespace {

JournalEvent ev(EventKind k, std::string detail = "", std::string safety = "", std::string output = "") {
  JournalEvent e;
  e.kind = k;
  e.detail = std::move(detail);
  e.safety = std::move(safety);
  e.output = std::move(output);
  return e;
}

View failing(Cause cause = Cause::kSessionDown) {
  View v;
  v.status = 2;
  Finding f;
  f.cause = cause;
  f.summary = "something: " + std::string(cause_name(cause));
  v.findings.push_back(f);
  return v;
}

TEST(Escalation, NoProgressPastTheTeamsTimeGoesToLevelTwoOnce) {
  EscalationConfig c;
  c.team.after = 1800;
  std::vector<JournalEvent> events = {ev(EventKind::kDetected)};
  EXPECT_TRUE(escalations_due(c, events, failing(), 1799).empty());
  auto due = escalations_due(c, events, failing(), 1800);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].level, 2);
  EXPECT_EQ(due[0].contact, "team");
  EXPECT_NE(due[0].reason.find("no step finished for 30 minutes"), std::string::npos) << due[0].reason;
  events.push_back(ev(EventKind::kEscalation, escalation_detail(due[0])));
  EXPECT_EQ(escalated_level(events.back()), 2);
  EXPECT_TRUE(escalations_due(c, events, failing(), 7200).empty());  // once
  View healthy;
  healthy.status = 0;
  EXPECT_TRUE(escalations_due(c, {ev(EventKind::kDetected)}, healthy, 7200).empty());
}

TEST(Escalation, ADataLossRiskGoesToLevelTwoAtOnce) {
  EscalationConfig c;
  std::vector<JournalEvent> planned = {
      ev(EventKind::kPlanned, "", "", R"({"steps":[{"safety":"destructive","argv":["mdadm","--create"]}]})")};
  auto due = escalations_due(c, planned, failing(Cause::kSuperblockInvalid), 0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_NE(due[0].reason.find("--allow-data-loss"), std::string::npos);
  auto refused = escalations_due(c, {ev(EventKind::kStepRefused, "", "destructive")}, failing(), 0);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].level, 2);
  EXPECT_TRUE(
      escalations_due(c, {ev(EventKind::kPlanned, "", "", R"({"steps":[{"safety":"safe"}]})")}, failing(), 0)
          .empty());
}

TEST(Escalation, SuspectedHardwareGoesToTheVendorsOnce) {
  EscalationConfig c;
  for (Cause cause : {Cause::kDiskSmartWarning, Cause::kVdevFaulted, Cause::kVdevErrors}) {
    auto due = escalations_due(c, {}, failing(cause), 0);
    ASSERT_EQ(due.size(), 1u) << cause_name(cause);
    EXPECT_EQ(due[0].level, 3);
    EXPECT_EQ(due[0].contact, "vendor");
    EXPECT_TRUE(escalations_due(c, {ev(EventKind::kEscalation, escalation_detail(due[0]))}, failing(cause), 0)
                    .empty());
  }
  EXPECT_TRUE(escalations_due(c, {}, failing(Cause::kPoolDegraded), 0).empty());
  // A note that happens to start with "level" is not an escalation.
  EXPECT_EQ(escalated_level(ev(EventKind::kNote, "level 3 (vendor): x")), 0);
}

}  // namespace
}  // namespace stackdr
