// Each interlock tried and refused, on the View of a real (simulated) stack state, whatever the
// flags; and the whole chain through the executor: a destructive step runs only with
// --allow-data-loss, after a snapshot of the zvol beneath it.

#include "recover/interlocks.h"

#include <gtest/gtest.h>

#include "recovery_support.h"
#include "util/text.h"

namespace stackdr {
namespace {

using testing::Recovery;

Step destructive(const std::string& host, Argv argv, const std::string& zvol = "") {
  Step s;
  s.id = "test";
  s.title = "test step";
  s.host = host;
  s.safety = Safety::kDestructive;
  s.argv = std::move(argv);
  s.zvol = zvol;
  return s;
}

Policy everything() {
  Policy p;
  p.yes = true;
  p.allow_data_loss = true;
  return p;
}

std::optional<Refusal> check(Recovery& rc, const View& v, const Step& s, const Policy& p,
                             bool snapshot_taken) {
  return check_interlocks(rc.s.topology, v, s, s.argv, p, snapshot_taken);
}

std::string disk(Recovery& rc, const std::string& lun) {
  return "/dev/" + rc.s.state->disk_of(lun);
}

TEST(Interlock, NeverOverwritesAnInSyncMemberOfARunningArray) {
  Recovery rc;
  View v = take_view(rc.s.topology, rc.s.lookup());
  for (Argv a :
       {Argv{"mdadm", "--zero-superblock", disk(rc, "test01")}, Argv{"wipefs", "-a", disk(rc, "test01")},
        Argv{"mdadm", "--manage", "/dev/md1", "--add", disk(rc, "test01")},
        Argv{"dd", "if=/dev/zero", "of=" + disk(rc, "test01"), "bs=1M", "count=1"}}) {
    auto r = check(rc, v, destructive("s01", a), everything(), true);
    ASSERT_TRUE(r) << describe_argv(a);
    EXPECT_EQ(r->rule, "in-sync-member");
    EXPECT_FALSE(r->what_to_do.empty());
  }
}

// A LUN in use is never taken away, whatever the flags: its target, its backstore, its zvol.
TEST(Interlock, NeverTakesAwayALunAnArrayASessionOrAVmUses) {
  Recovery rc;
  View v = take_view(rc.s.topology, rc.s.lookup());
  for (Argv a : {Argv{"targetcli", "/backstores/block", "delete", "test02"},
                 Argv{"targetcli", "/iscsi", "delete", "iqn.2003-01.org.linux-iscsi.storage:test02"},
                 Argv{"zfs", "rename", "-p", "storage/iscsi-test02", "storage/x"},
                 Argv{"zfs", "destroy", "-r", "storage/iscsi-test02"},
                 Argv{"targetcli", "/backstores/block", "delete", "lun01"}}) {
    auto r = check(rc, v, destructive("storage", a), everything(), true);
    ASSERT_TRUE(r) << describe_argv(a);
    EXPECT_EQ(r->rule, "lun-in-use") << describe_argv(a);
  }
  // Not seen is not absent: with the KVM host's sessions unread, a use cannot be ruled out.
  Observation o = v.observation;
  o.kvm.begin()->second.sessions.reset();
  Topology t = rc.s.topology;
  LunConfig spare = *t.lun("test02");
  spare.name = "spare9";
  spare.target = "iqn.2003-01.org.linux-iscsi.storage:spare9";
  spare.backstore_name = "spare9";
  spare.zvol = "storage/iscsi-spare9";
  t.luns.push_back(spare);
  t.index();
  auto r = check_interlocks(t, make_view(t, o),
                            destructive("storage", {"targetcli", "/backstores/block", "delete", "spare9"}),
                            {"targetcli", "/backstores/block", "delete", "spare9"}, everything(), true);
  ASSERT_TRUE(r);
  EXPECT_NE(r->why.find("iscsiadm was not read"), std::string::npos) << r->why;
}

TEST(Interlock, NeverOverwritesTheMemberWithTheHighestEventCount) {
  Recovery rc;
  rc.s.inject("md-superblock-corrupt");  // md1 inactive; test01 holds the only valid superblock
  View v = take_view(rc.s.topology, rc.s.lookup());
  auto r = check(rc, v, destructive("s01", {"mdadm", "--zero-superblock", disk(rc, "test01")}), everything(),
                 true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "freshest-member");
  // The damaged member is fair game for a rebuild.
  EXPECT_FALSE(check(rc, v, destructive("s01", {"mdadm", "--zero-superblock", disk(rc, "test02")}),
                     everything(), true));
}

TEST(Interlock, NeverCreatesOverARecognisableSuperblockWithoutTheDataLossFlag) {
  Recovery rc;
  rc.s.inject("md-events-mismatch");  // test02: stale, out of the array, superblock intact
  View v = take_view(rc.s.topology, rc.s.lookup());
  Step s = destructive("s01", {"mdadm", "--create", "/dev/md9", "--level=1", "--raid-devices=2",
                               disk(rc, "test02"), "missing"});
  Policy p = everything();
  p.allow_data_loss = false;
  auto r = check(rc, v, s, p, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "create-over-superblock");
  EXPECT_FALSE(check(rc, v, s, everything(), true));
}

TEST(Interlock, NeverChecksAMountedFilesystem) {
  Recovery rc;
  View v = take_view(rc.s.topology, rc.s.lookup());
  Step s = destructive("sjm-explore", {"e2fsck", "-fy", "/dev/vdb"});
  s.safety = Safety::kDisruptive;
  auto r = check(rc, v, s, everything(), true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "fsck-mounted");
}

TEST(Interlock, DestructiveStepsNeedTheFlagAndASnapshotFirst) {
  Recovery rc;
  rc.s.inject("md-events-mismatch");
  View v = take_view(rc.s.topology, rc.s.lookup());
  Step s = destructive("s01", {"mdadm", "--zero-superblock", disk(rc, "test02")}, "storage/iscsi-test02");
  Policy no_flag;
  no_flag.yes = true;
  auto r = check(rc, v, s, no_flag, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "destructive-needs-flag");
  r = check(rc, v, s, everything(), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "snapshot-first");
  EXPECT_FALSE(check(rc, v, s, everything(), true));
}

// A host whose libvirt does not answer; everything else is the simulated host.
class NoVirshHost : public Host {
 public:
  explicit NoVirshHost(Host* inner) : inner_(inner) {}
  const std::string& name() const override { return inner_->name(); }
  CommandResult run(const Argv& argv, std::chrono::milliseconds t) override {
    if (!argv.empty() && argv[0] == "virsh") return {false, false, 127, "", "virsh: cannot connect"};
    return inner_->run(argv, t);
  }
  Result<std::string> read_file(const std::string& path) override { return inner_->read_file(path); }

 private:
  Host* inner_;
};

// A disruptive step never runs when its host could not be read completely.
TEST(Interlock, NoDisruptiveStepOnAPartialView) {
  Recovery rc;
  rc.fault("md-superblock-corrupt");  // the plan starts with `mdadm --stop` (disruptive) on s01
  NoVirshHost partial(rc.s.sim.hosts.at("s01").get());
  HostLookup inner = rc.s.sim.lookup;
  rc.s.sim.lookup = [&](const std::string& n) -> Host* { return n == "s01" ? &partial : inner(n); };
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  EXPECT_EQ(out.exit, kNeedsOperator);
  EXPECT_NE(out.message.find("partial view"), std::string::npos) << out.message << rc.out.str();
  EXPECT_TRUE(rc.actions().empty());
}

// A host that cannot answer one kind of command; everything else is the simulated host.
class WithoutCommand : public Host {
 public:
  WithoutCommand(Host* inner, std::string cmd) : inner_(inner), cmd_(std::move(cmd)) {}
  const std::string& name() const override { return inner_->name(); }
  CommandResult run(const Argv& argv, std::chrono::milliseconds t) override {
    // `cmd_`: a command ("smartctl") or a command and its first words ("virsh domstate").
    std::string line = text::join(argv, " ");
    if (line == cmd_ || text::starts_with(line, cmd_ + " "))
      return {true, false, 1, "", "/dev/disk/by-id/x: Unable to detect device type"};
    return inner_->run(argv, t);
  }
  Result<std::string> read_file(const std::string& path) override { return inner_->read_file(path); }

 private:
  Host* inner_;
  std::string cmd_;
};

// SMART that cannot be read (a pulled disk, a virtio disk: the lab's real Scenario 3) does not
// hold up the replacement of a faulted pool disk, and what SMART would have said is still not
// made up: the sweep lists the reads as failed.
TEST(Interlock, AnUnreadableSmartDoesNotHoldUpAPoolDiskReplacement) {
  Recovery rc;
  rc.fault("pool-disk-faulted");
  WithoutCommand no_smart(rc.s.sim.hosts.at("storage").get(), "smartctl");
  HostLookup inner = rc.s.sim.lookup;
  rc.s.sim.lookup = [&](const std::string& n) -> Host* { return n == "storage" ? &no_smart : inner(n); };
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  EXPECT_EQ(out.exit, kRecovered) << out.message << rc.out.str();
  bool replaced = false;
  for (const auto& a : rc.actions()) replaced = replaced || a.find("zpool replace") != std::string::npos;
  EXPECT_TRUE(replaced) << rc.out.str();
  Observation o = observe(rc.s.topology, rc.s.sim.lookup);
  bool smart_unread = false;
  for (const auto& src : o.sources)
    smart_unread = smart_unread || (!src.ok && src.source.rfind("smartctl ", 0) == 0);
  EXPECT_TRUE(smart_unread);
}

// A VM paused by an I/O error (libvirt's error_policy='stop') is resumed once its disks are
// healthy; one its admin paused (`virsh suspend`: reason "user") is not, nor one whose reason
// could not be read: stackdr does not undo a pause it did not see an error cause.
TEST(Interlock, OnlyAVmPausedByAnIoErrorIsResumed) {
  auto resumed = [](Recovery& rc) {
    for (const auto& a : rc.actions())
      if (a.find("virsh resume") != std::string::npos) return true;
    return false;
  };
  {
    Recovery rc;
    rc.fault("vm-paused");
    RecoverOutcome out = rc.run(Recovery::drill_policy());
    EXPECT_EQ(out.exit, kRecovered) << out.message << rc.out.str();
    EXPECT_TRUE(resumed(rc)) << rc.out.str();
  }
  {
    Recovery rc;
    Host* kvm = rc.s.sim.lookup("s01");
    ASSERT_EQ(kvm->run({"virsh", "suspend", "sjm-explore"}, std::chrono::seconds(5)).exit_code, 0);
    RecoverOutcome out = rc.run(Recovery::drill_policy());
    EXPECT_EQ(out.exit, kNeedsOperator) << out.message << rc.out.str();
    EXPECT_NE(out.message.find("sjm-explore is paused (user), not by an I/O error"), std::string::npos)
        << out.message;
    EXPECT_FALSE(resumed(rc)) << rc.out.str();
    EXPECT_EQ(rc.s.state->vm("sjm-explore")->state, "paused");
  }
  {
    Recovery rc;
    rc.fault("vm-paused");
    WithoutCommand no_reason(rc.s.sim.hosts.at("s01").get(), "virsh domstate");
    HostLookup inner = rc.s.sim.lookup;
    rc.s.sim.lookup = [&](const std::string& n) -> Host* { return n == "s01" ? &no_reason : inner(n); };
    RecoverOutcome out = rc.run(Recovery::drill_policy());
    EXPECT_EQ(out.exit, kNeedsOperator) << out.message << rc.out.str();
    EXPECT_NE(out.message.find("why could not be read"), std::string::npos) << out.message;
    EXPECT_FALSE(resumed(rc)) << rc.out.str();
  }
}

// Nothing failed that stackdr can see, but part of the stack could not be read: not "healthy".
TEST(Interlock, AnUnreadableStackIsNotCalledHealthy) {
  Recovery rc;
  rc.s.sim.hosts.erase("sjm-explore");
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  EXPECT_EQ(out.exit, kNeedsOperator);
  EXPECT_NE(out.message.find("could not read"), std::string::npos) << out.message;
}

// Without a bitmap a failed member cannot be re-added: the plan clears its old superblock
// (destructive) and adds it (full rebuild). --yes alone is not enough; with --allow-data-loss
// the executor snapshots the zvol first and records how to roll back.
TEST(Interlock, ExecutorRefusesDestructiveWithoutFlagAndSnapshotsWithIt) {
  {
    Recovery rc;
    rc.s.state->arrays[0].bitmap = false;
    rc.fault("session-logout");
    RecoverOptions o;
    o.policy.yes = true;
    RecoverOutcome out = rc.run(o);
    EXPECT_EQ(out.exit, kNeedsOperator);
    EXPECT_NE(out.message.find("destructive-needs-flag"), std::string::npos) << out.message;
    for (const auto& a : rc.actions()) EXPECT_EQ(a.find("--zero-superblock"), std::string::npos) << a;
  }
  Recovery rc;
  rc.s.state->arrays[0].bitmap = false;
  rc.fault("session-logout");
  RecoverOutcome out = rc.run(Recovery::drill_policy());
  ASSERT_EQ(out.exit, kRecovered) << out.message << "\n" << rc.out.str();
  auto acts = rc.actions();
  auto pos = [&](const std::string& what) {
    for (size_t i = 0; i < acts.size(); ++i)
      if (acts[i].find(what) != std::string::npos) return static_cast<int>(i);
    return -1;
  };
  ASSERT_GE(pos("zfs snapshot -- storage/iscsi-test02@stackdr-incident-"), 0);
  EXPECT_LT(pos("zfs snapshot"), pos("--zero-superblock"));
  EXPECT_LT(pos("--zero-superblock"), pos("--add"));
  bool rollback = false;
  for (const auto& e : rc.journal->events(out.incident))
    rollback =
        rollback || (e.kind == EventKind::kSnapshot && e.detail.find("zfs rollback -r") != std::string::npos);
  EXPECT_TRUE(rollback);
  EXPECT_TRUE(rc.s.state->data_loss.empty());
  EXPECT_GE(rc.s.state->bytes_resynced, rc.s.state->arrays[0].size_kib * 1024 * 9 / 10);
}

}  // namespace
}  // namespace stackdr
