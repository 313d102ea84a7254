// Recovery end to end on the simulated stack: every fault of the catalogue is recovered with
// no data lost; the cheap exact repair is chosen (bitmap re-add), the hard case (every leg lost)
// is handled in the right order, and the policy asks before anything disruptive.

#include <gtest/gtest.h>

#include "drill/drill.h"
#include "recover/dry_run.h"
#include "recovery_support.h"

namespace stackdr {
namespace {

using testing::Recovery;

class EveryFaultRecovers : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFaultRecovers, HealthyWithNoDataLost) {
  auto r = run_drill(testing::default_topology(), GetParam());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->baseline_status, 0);
  EXPECT_TRUE(r->diagnosed);
  EXPECT_TRUE(r->recovered) << r->recovery.message << "\n" << r->output;
  EXPECT_EQ(r->final_status, 0);
  EXPECT_TRUE(r->data_loss.empty()) << r->data_loss.front();
  EXPECT_FALSE(r->recovery.steps.empty());
}

std::vector<std::string> fault_names() {
  std::vector<std::string> n;
  for (const auto& f : sim::fault_catalog()) n.push_back(f.name);
  return n;
}

INSTANTIATE_TEST_SUITE_P(Catalog, EveryFaultRecovers, ::testing::ValuesIn(fault_names()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (auto& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

// The lab's topology (no ZFS, no VM, ext4 mounted from the array on the KVM host, a portal per
// leg) is recovered as the qemu lab runs it, on the simulator first.
TEST(Recovery, LabTopologyFaultsRecover) {
  Topology lab = testing::default_topology(testing::kLabConfig);
  for (const char* fault :
       {"lun-unmapped", "backstore-deleted", "session-logout", "target-service-stopped",
        "storage-network-down", "md-superblock-corrupt", "md-events-mismatch", "vm-fs-readonly"}) {
    auto r = run_drill(lab, fault);
    ASSERT_TRUE(r) << fault << ": " << r.error().message;
    EXPECT_TRUE(r->recovered) << fault << ": " << r->recovery.message << "\n" << r->output;
    EXPECT_EQ(r->final_status, 0) << fault;
    EXPECT_TRUE(r->data_loss.empty()) << fault;
    if (std::string(fault) == "target-service-stopped") {  // storage.service: "" — no systemd
      ASSERT_FALSE(r->recovery.steps.empty());
      EXPECT_EQ(r->recovery.steps.front().argv, "targetctl restore");
    }
  }
}

TEST(Recovery, SessionLogoutResyncsOnlyTheDirtyChunks) {
  auto r = run_drill(testing::default_topology(), "session-logout");
  ASSERT_TRUE(r);
  EXPECT_GT(r->bytes_resynced, 0);
  EXPECT_LT(r->bytes_resynced * 20, r->array_bytes) << "a bitmap re-add copies a few chunks, not the array";
  bool re_add = false;
  for (const auto& s : r->recovery.steps) re_add = re_add || s.argv.find("--re-add") != std::string::npos;
  EXPECT_TRUE(re_add);
  for (const auto& s : r->recovery.steps) EXPECT_EQ(s.argv.find("--zero-superblock"), std::string::npos);
}

TEST(Recovery, LostSuperblockIsAFullRebuildOfThatMemberOnly) {
  auto r = run_drill(testing::default_topology(), "md-superblock-corrupt");
  ASSERT_TRUE(r);
  int64_t member_bytes = r->array_bytes;  // one array: the member is as large as the array
  EXPECT_GE(r->bytes_resynced, member_bytes * 9 / 10);
  EXPECT_LE(r->bytes_resynced, member_bytes);
}

// Every leg lost at once: the order is umount, detach, stop, assemble from the freshest member
// clearing the bad-block log, re-add the other with the bitmap, attach, fsck, mount.
TEST(Recovery, EveryLegLostIsRecoveredInOrderFromTheFreshestMember) {
  Recovery rc;
  rc.fault("storage-network-down");
  // Which member is freshest is decided by the superblocks once the network is back.
  auto o = Recovery::drill_policy();
  RecoverOutcome out = rc.run(o);
  ASSERT_EQ(out.exit, kRecovered) << out.message << "\n" << rc.out.str();
  std::vector<std::string> order;
  for (const auto& s : out.steps)
    if (s.result == StepResult::kOk || s.result == StepResult::kFailedBestEffort)
      order.push_back(s.step.substr(0, s.step.find(':')));
  std::vector<std::string> want = {"fs.umount", "virsh.detach", "md.stop", "md.assemble",
                                   "md.re-add", "virsh.attach", "fs.fsck", "fs.mount"};
  size_t at = 0;
  for (const auto& s : order)
    if (at < want.size() && s == want[at]) ++at;
  EXPECT_EQ(at, want.size()) << rc.out.str();
  std::string assemble;
  for (const auto& s : out.steps)
    if (s.step.rfind("md.assemble", 0) == 0) assemble = s.argv;
  EXPECT_NE(assemble.find("--update=force-no-bbl"), std::string::npos);
  EXPECT_NE(assemble.find("--run"), std::string::npos);
  // The member md kept "active" to the end is the one it assembles from.
  EXPECT_NE(assemble.find("/dev/sdc"), std::string::npos) << assemble;
  EXPECT_TRUE(rc.healthy());
  EXPECT_TRUE(rc.s.state->data_loss.empty());
  for (const auto& m : rc.s.state->arrays[0].members) EXPECT_TRUE(m.bad_blocks.empty());
}

// One leg's portal lost (its own portal, the lab's topology) for longer than the recovery
// timeout: stackdr waits for the network, then re-adds only that leg from the bitmap.
TEST(Recovery, OneLegsPortalLostIsWaitedForThenOnlyThatLegIsReAdded) {
  Recovery rc(":memory:", testing::kLabConfig);
  remember_serials(rc.s.topology, take_view(rc.s.topology, rc.s.lookup()), *rc.journal, rc.clock.now());
  rc.s.state->blocked_ips.insert("127.0.0.2");
  rc.s.state->scheduled.push_back(
      {rc.s.state->now + 300, "operator", [](sim::SimState& st) { st.blocked_ips.clear(); }});
  sim::advance(*rc.s.state, 200);
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  ASSERT_EQ(out.exit, kRecovered) << out.message << "\n" << rc.out.str();
  std::vector<std::string> ran;
  for (const auto& s : out.steps) ran.push_back(s.step + " " + step_run_result(s));
  EXPECT_EQ(ran.front(), "net.wait:127.0.0.2:3260 waited") << rc.out.str();
  for (const auto& a : rc.actions()) {
    EXPECT_EQ(a.find("--add"), std::string::npos) << a;
    EXPECT_EQ(a.find("test01"), std::string::npos) << "the healthy leg is left alone: " << a;
  }
  // Five minutes of writes dirtied some chunks, not the array: the bitmap copies only those.
  EXPECT_GT(rc.s.state->bytes_resynced, 0);
  EXPECT_LT(rc.s.state->bytes_resynced * 2, rc.s.state->arrays[0].size_kib * 1024) << rc.out.str();
  EXPECT_TRUE(rc.healthy()) << rc.out.str();
  EXPECT_TRUE(rc.s.state->data_loss.empty());
}

// A clean stop (or a host crash): every member fresh, so assemble them all, rebuild nothing.
TEST(Recovery, StoppedArrayWithEqualMembersIsAssembledWholeWithForce) {
  Recovery rc;
  sim::Array& a = rc.s.state->arrays[0];
  a.state = "stopped";
  for (auto& m : a.members) m.in_array = false;
  sim::advance(*rc.s.state, 1);
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  ASSERT_EQ(out.exit, kRecovered) << out.message << "\n" << rc.out.str();
  std::string assemble;
  for (const auto& s : out.steps)
    if (s.step.rfind("md.assemble", 0) == 0) assemble = s.argv;
  EXPECT_EQ(assemble, "mdadm --assemble /dev/md1 --force /dev/sdb /dev/sdc");
  EXPECT_EQ(rc.s.state->bytes_resynced, 0);
  EXPECT_TRUE(rc.healthy());
}

TEST(Recovery, DryRunChangesNothing) {
  Recovery rc;
  rc.fault("session-logout");
  View v = take_view(rc.s.topology, rc.s.lookup());
  std::string text = dry_run_text(plan_from_view(rc.s.topology, v, {}));
  EXPECT_TRUE(rc.actions().empty());
  EXPECT_NE(text.find("iscsiadm -m node -T iqn.2003-01.org.linux-iscsi.storage:test02"), std::string::npos);
  EXPECT_TRUE(rc.journal->incidents().empty()) << "a dry run opens no incident";
}

TEST(Recovery, AsksBeforeDisruptiveStepsAndStopsWhenTheAnswerIsNo) {
  Recovery rc;
  rc.fault("vm-fs-readonly");  // its first step, umount, is disruptive
  RecoverOptions o;
  std::vector<std::string> asked;
  o.ask = [&](const std::string& q) {
    asked.push_back(q);
    return false;
  };
  RecoverOutcome out = rc.run(o);
  EXPECT_EQ(out.exit, kDeclined);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].find("umount -- /mnt/raid"), std::string::npos);
  EXPECT_TRUE(rc.actions().empty());
}

TEST(Recovery, SafeStepsRunWithoutAskingAndYesRunsTheDisruptiveOnes) {
  Recovery rc;
  rc.fault("session-logout");  // login and re-add are safe
  RecoverOptions o;
  o.ask = [](const std::string&) -> bool { throw std::logic_error("asked for a safe step"); };
  EXPECT_EQ(rc.run(o).exit, kRecovered);

  Recovery rc2;
  rc2.fault("vm-fs-readonly");
  RecoverOptions y;
  y.policy.yes = true;
  EXPECT_EQ(rc2.run(y).exit, kRecovered) << rc2.out.str();
  EXPECT_TRUE(rc2.healthy());
}

TEST(Recovery, BackstoreIsRecreatedWithTheSerialItHad) {
  Recovery rc;
  std::string before = rc.s.state->lio.backstore("block/test02")->serial;
  rc.fault("backstore-deleted");
  ASSERT_EQ(rc.run(Recovery::drill_policy()).exit, kRecovered) << rc.out.str();
  const sim::Backstore* b = rc.s.state->lio.backstore("block/test02");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->serial, before);
}

TEST(Recovery, HealthyStackOpensNoIncident) {
  Recovery rc;
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  EXPECT_EQ(out.exit, kRecovered);
  EXPECT_EQ(out.incident, 0);
  EXPECT_TRUE(rc.actions().empty());
}

TEST(Recovery, NoSpareDiskEscalatesWithWhatToDo) {
  Recovery rc;
  rc.s.state->pool.spares.clear();
  rc.s.topology.storage.spare_disks.clear();
  rc.fault("pool-disk-faulted");
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  EXPECT_EQ(out.exit, kNeedsOperator);
  EXPECT_NE(out.message.find("--new-disk"), std::string::npos) << out.message;
}

TEST(Recovery, JournalRecordsEachStepBeforeItsResult) {
  Recovery rc;
  rc.fault("session-logout");
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  ASSERT_EQ(out.exit, kRecovered);
  auto inc = rc.journal->incident(out.incident);
  ASSERT_TRUE(inc);
  EXPECT_EQ(inc->state, "resolved");
  EXPECT_EQ(inc->cause, "session-down");
  auto ev = rc.journal->events(out.incident);
  std::map<std::string, int> started;
  for (const auto& e : ev) {
    if (e.kind == EventKind::kStepStarted) started[e.step] = 1;
    if (e.kind == EventKind::kStepFinished && !e.argv.empty()) {
      EXPECT_TRUE(started.count(e.step)) << e.step;
    }
  }
  EXPECT_EQ(ev.front().kind, EventKind::kDetected);
  EXPECT_EQ(ev.back().kind, EventKind::kResolved);
}

TEST(Chaos, FixedSeedsEndHealthyOrEscalatedAndNeverLoseData) {
  int runs = STACKDR_CHAOS_RUNS;
  if (const char* e = std::getenv("STACKDR_CHAOS_RUNS")) runs = std::atoi(e);
  ChaosResult r = run_chaos(testing::default_topology(), 1, runs);
  EXPECT_EQ(r.runs, runs);
  EXPECT_EQ(r.data_loss_actions, 0);
  EXPECT_EQ(r.healthy + r.escalated, r.runs);
  EXPECT_GT(r.faults_during_recovery, 0);
  EXPECT_GT(r.healthy, r.runs * 9 / 10);
  for (const auto& f : r.failures) ADD_FAILURE() << f.dump();
}

}  // namespace
}  // namespace stackdr
