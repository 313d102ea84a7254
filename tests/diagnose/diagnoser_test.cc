// End to end on the simulated stack: every fault of the catalogue is detected through the real
// probes and parsers and named with its runbook scenario and cause; mixtures give one finding
// per independent failure; the status exit code follows the monitoring-plugin rule.

#include <gtest/gtest.h>

#include "model/node_id.h"
#include "sim/time_passes.h"
#include "sim_fixture.h"

namespace stackdr {
namespace {

using testing::SimStack;

TEST(Diagnosis, HealthyStackHasNoFindingAndStatusZero) {
  SimStack s;
  StackGraph g = s.graph();
  EXPECT_TRUE(diagnose(g).empty());
  EXPECT_EQ(status_code(g), 0);
  for (const auto& n : g.nodes()) EXPECT_EQ(n.health, Health::kOk) << n.id << " " << n.cause;
}

class EveryFault : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFault, IsDiagnosedWithItsScenarioAndCause) {
  SimStack s;
  const sim::Fault* f = sim::find_fault(GetParam());
  ASSERT_NE(f, nullptr);
  s.inject(f->name);
  StackGraph g = s.graph();
  auto findings = diagnose(g);
  ASSERT_EQ(findings.size(), 1u) << "expected exactly the root cause, got " << findings.size();
  EXPECT_EQ(findings[0].scenario, f->scenario);
  EXPECT_EQ(cause_name(findings[0].cause), f->cause);
  EXPECT_FALSE(findings[0].evidence.empty());
  EXPECT_GE(status_code(g), 1);
  EXPECT_LE(status_code(g), 2);
}

std::vector<std::string> fault_names() {
  std::vector<std::string> n;
  for (const auto& f : sim::fault_catalog()) n.push_back(f.name);
  return n;
}

INSTANTIATE_TEST_SUITE_P(Catalog, EveryFault, ::testing::ValuesIn(fault_names()), [](const auto& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

TEST(Diagnosis, MemberFaultsNameTheArrayAndVmAsImpact) {
  SimStack s;
  s.inject("lun-unmapped");
  auto f = diagnose(s.graph());
  ASSERT_EQ(f.size(), 1u);
  bool array = false, vm = false;
  for (const auto& i : f[0].impacted) {
    array = array || (i.layer == std::string("md-array") && i.health == Health::kDegraded);
    vm = vm || i.layer == std::string("vm");
  }
  EXPECT_TRUE(array);
  EXPECT_TRUE(vm);
}

TEST(Diagnosis, StatusCodesFollowThePluginRule) {
  auto code_after = [](const std::string& fault) {
    SimStack s;
    s.inject(fault);
    return status_code(s.graph());
  };
  EXPECT_EQ(code_after("session-logout"), 1);        // one leg lost, data still served
  EXPECT_EQ(code_after("pool-disk-faulted"), 1);     // pool degraded, still serving
  EXPECT_EQ(code_after("storage-network-down"), 2);  // every leg lost: array broken
  EXPECT_EQ(code_after("vm-fs-readonly"), 2);
}

TEST(Diagnosis, IndependentFailuresGiveOneFindingEach) {
  SimStack s;
  s.inject("pool-disk-faulted");
  s.inject("session-logout");
  s.inject("vm-fs-readonly");
  auto f = diagnose(s.graph());
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].cause, Cause::kVdevFaulted);  // bottom-up order
  EXPECT_EQ(f[1].cause, Cause::kSessionDown);
  EXPECT_EQ(f[2].cause, Cause::kFsReadonly);
}

TEST(Diagnosis, ALowerFailureExplainsEverythingAboveIt) {
  SimStack s;
  s.inject("lun-unmapped");
  s.inject("target-service-stopped");
  auto f = diagnose(s.graph());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].cause, Cause::kTargetNotListening);
}

TEST(Diagnosis, MembersAreNamedByLunNotByKernelName) {
  SimStack s;
  s.inject("session-logout");
  // After a re-login the disk may come back under another sdX; the member's id does not move.
  StackGraph g = s.graph();
  const Node* m = g.find("md-member:s01/md1/test02");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->health, Health::kFailed);
  EXPECT_EQ(g.find("md-member:s01/md1/test01")->attrs.at("device"), "sdb");
}

TEST(Diagnosis, UnreadableSourcesMakeNodesUnknownNotHealthy) {
  SimStack s;
  s.sim.hosts.erase("storage");  // the storage server cannot be reached
  StackGraph g = s.graph();
  EXPECT_EQ(g.find("pool:storage")->health, Health::kUnknown);
  EXPECT_EQ(status_code(g), 3);
  EXPECT_TRUE(diagnose(g).empty());
}

TEST(Diagnosis, BrokenArrayAfterLosingEveryLegShowsBadBlocks) {
  SimStack s;
  s.inject("storage-network-down");
  StackGraph g = s.graph();
  const Node* a = g.find("md:s01/md1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->health, Health::kFailed);
  EXPECT_EQ(a->cause, Cause::kArrayBroken);
}

// With a portal per leg (the lab's topology), one leg's network can go alone: the finding is
// on that portal's path, and the other leg's session is untouched.
TEST(Diagnosis, OneLegsPortalLostIsNamedOnThatPathOnly) {
  SimStack s(testing::kLabConfig);
  s.state->blocked_ips.insert("127.0.0.2");
  sim::advance(*s.state, 200);  // past NOP-Out + replacement_timeout
  StackGraph g = s.graph();
  auto findings = diagnose(g);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].scenario, 2);
  EXPECT_EQ(findings[0].cause, Cause::kPortalUnreachable);
  EXPECT_EQ(findings[0].root, node_id::path("lab", "127.0.0.2:3260"));
  EXPECT_EQ(g.find(node_id::path("lab", "127.0.0.1:3260"))->health, Health::kOk);
  EXPECT_EQ(g.find(node_id::session("lab", *s.topology.lun("test01"), "127.0.0.1:3260"))->health,
            Health::kOk);
}

// Linux 6.1 (our qemu lab): after an ext4 error with errors=remount-ro the kernel stops writes
// but /proc/mounts still says rw; the kernel log's "Remounting filesystem read-only" after the
// last mount is what tells. The simulator renders it that way, and diagnosis reads it.
TEST(Diagnosis, Ext4ShutDownIsReadOnlyEvenWhenProcMountsSaysRw) {
  SimStack s(testing::kLabConfig);
  s.inject("vm-fs-readonly");
  Observation o = s.observe();
  const Mount* m = o.guests.at("lab").mounts->at("/mnt/md1");
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->read_only());
  auto findings = diagnose(build_graph(s.topology, o));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].cause, Cause::kFsReadonly);
  EXPECT_NE(findings[0].evidence.front().text.find("the kernel stopped its writes"), std::string::npos);
}

}  // namespace
}  // namespace stackdr
