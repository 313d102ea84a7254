// The daemon's record of the recovery it runs (watch/recovery_status.h), built from the step
// engine's events: what /status serves as "recovery", and the lines it logs.

#include "watch/recovery_status.h"

#include <gtest/gtest.h>

#include "recovery_support.h"

namespace stackdr {
namespace {

using testing::Recovery;

TEST(RecoveryStatus, ARecoveryIsRecordedStepByStepAndLoggedAsTheCommandLinePrintsIt) {
  Recovery rc;
  rc.fault("session-logout");
  std::vector<std::string> logged;
  double t = 1000;
  RecoveryStatus status([&](const std::string& line) { logged.push_back(line); }, [&] { return t += 1; });
  EXPECT_TRUE(status.json().is_null()) << "nothing before the first run";
  status.begin("auto-recovery of scenario 2 / session-lost");
  RecoverOutcome out = rc.run(Recovery::drill_policy(), status);
  status.end(out);
  ASSERT_EQ(out.exit, kRecovered) << out.message;

  nlohmann::json j = status.json();
  EXPECT_EQ(j["running"], false);
  EXPECT_EQ(j["exit"], 0);
  EXPECT_EQ(j["incident"], out.incident);
  EXPECT_EQ(j["incident_start"], "opened");
  EXPECT_FALSE(j.contains("step")) << "no step runs after the end";
  ASSERT_TRUE(j["plan"]["steps"].is_array());
  ASSERT_FALSE(j["plan"]["steps"].empty());
  for (const auto& s : j["plan"]["steps"]) EXPECT_NE(s["state"], "pending") << s.dump();
  EXPECT_LT(j["started_at"].get<double>(), j["ended_at"].get<double>());

  // The same lines, one per log call, as RecoverText draws them for `stackdr recover`.
  Recovery again;
  again.fault("session-logout");
  RecoverOutcome printed = again.run(Recovery::drill_policy());
  ASSERT_EQ(printed.exit, kRecovered);
  std::string joined;
  for (const auto& l : logged) joined += l + "\n";
  EXPECT_EQ(joined, again.out.str());
}

TEST(RecoveryStatus, TheStepRunningNowIsShownUntilItEnds) {
  std::vector<std::string> logged;
  RecoveryStatus status([&](const std::string& line) { logged.push_back(line); }, [] { return 5.0; });
  status.begin("auto-recovery");
  Step s;
  s.id = "iscsi.login:iqn.x";
  s.title = "log in again";
  s.host = "kvm01";
  Plan p;
  p.steps = {s};
  status.plan_made(1, p, {"iscsiadm -m node -T iqn.x --login"}, false);
  StepEvent e{1, 0, 1, &p.steps[0], "iscsiadm -m node -T iqn.x --login"};
  status.step_started(e);
  nlohmann::json j = status.json();
  EXPECT_EQ(j["step"]["id"], "iscsi.login:iqn.x");
  EXPECT_EQ(j["step"]["command"], "iscsiadm -m node -T iqn.x --login");
  EXPECT_EQ(j["plan"]["steps"][0]["state"], "running");
  StepEnd end;
  end.result = StepResult::kOk;
  end.exit_code = 0;
  status.step_finished(e, end);
  j = status.json();
  EXPECT_FALSE(j.contains("step"));
  EXPECT_EQ(j["plan"]["steps"][0]["state"], "ok");
  EXPECT_EQ(j["plan"]["steps"][0]["exit_code"], 0);
  EXPECT_EQ(logged.back(), "      ok: ");  // its check, in words (none in this test)
}

}  // namespace
}  // namespace stackdr
