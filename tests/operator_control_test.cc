// Operator control that does not trap (issue 21, item 6): the storage network's plan rehearsed
// to the end with `lab repair`, one incident per outage however many reruns it takes, closing
// an escalated incident, tasks listed apart from failures, and practice incidents on their
// stack's clock from open to close.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using testing::PracticeDir;
using testing::run_stackdr;

nlohmann::json incidents(PracticeDir& p, bool tasks = false) {
  Argv a = {"incident", "list", "--json"};
  if (tasks) a.push_back("--tasks");
  auto r = p.run(a);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out)["incidents"];
}

TEST(OperatorControl, TheStorageNetworksPlanIsRehearsedToTheEndAsOneIncident) {
  PracticeDir p("opctl-net");
  ASSERT_EQ(run_stackdr({"lab", "inject", "storage-network-down", "--state-dir", p.sd}).exit_code, 0);
  auto waiting = p.run({"recover", "--yes"});
  EXPECT_EQ(waiting.exit_code, 2) << waiting.out;  // waits for the operator, then needs one
  auto first = incidents(p);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["state"], "escalated");
  auto repair = run_stackdr({"lab", "repair", "storage-network", "--state-dir", p.sd, "--json"});
  ASSERT_EQ(repair.exit_code, 0) << repair.err;
  std::string next = nlohmann::json::parse(repair.out)["next"];
  EXPECT_EQ(next, "stackdr recover --lab --state-dir " + p.sd);
  auto done = p.run({"recover", "--yes"});
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_NE(done.out.find("continuing incident 1"), std::string::npos) << done.out;
  auto after = incidents(p);
  ASSERT_EQ(after.size(), 1u) << after.dump();  // the outage is one incident, not two
  EXPECT_EQ(after[0]["state"], "resolved");
  // On the practice stack's clock from open to close: the hour stackdr waited for the
  // operator, not the wall-clock days since the stack's simulated start.
  auto report = nlohmann::json::parse(p.run({"incident", "report", "1", "--json"}).out);
  double downtime = report["downtime_s"];
  EXPECT_GT(downtime, 3000);
  EXPECT_LT(downtime, 3 * 3600) << report.dump();
  auto status = p.run({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.out;
  // A repair that is not needed says so.
  auto again = run_stackdr({"lab", "repair", "storage-network", "--state-dir", p.sd});
  EXPECT_EQ(again.exit_code, 64);
  EXPECT_NE(again.err.find("nothing to repair"), std::string::npos) << again.err;
}

TEST(OperatorControl, AnEscalatedIncidentCanBeClosedOnItsOwnClock) {
  PracticeDir p("opctl-close");
  ASSERT_EQ(run_stackdr({"lab", "inject", "storage-network-down", "--state-dir", p.sd}).exit_code, 0);
  EXPECT_EQ(p.run({"recover", "--yes"}).exit_code, 2);
  auto c = p.run({"incident", "close", "1", "--why", "switch replaced by hand", "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto report = nlohmann::json::parse(p.run({"incident", "report", "1", "--json"}).out);
  EXPECT_EQ(report["incident"]["state"], "closed");
  EXPECT_LT(report["downtime_s"].get<double>(), 3 * 3600) << "closed on real time, opened on simulated time";
}

TEST(OperatorControl, TasksAreListedApartFromFailures) {
  PracticeDir p("opctl-tasks");
  ASSERT_EQ(p.run({"lint", "--fix", "--yes"}).exit_code, 0);
  ASSERT_EQ(p.run({"maintain", "smart"}).exit_code, 0);
  EXPECT_TRUE(incidents(p).empty()) << incidents(p).dump();
  auto tasks = incidents(p, true);
  ASSERT_EQ(tasks.size(), 2u) << tasks.dump();
  ASSERT_EQ(run_stackdr({"lab", "inject", "session-logout", "--state-dir", p.sd}).exit_code, 0);
  ASSERT_EQ(p.run({"recover"}).exit_code, 0);
  auto failures = incidents(p);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]["cause"], "session-down");
  EXPECT_EQ(incidents(p, true).size(), 2u);
}

}  // namespace
}  // namespace stackdr
