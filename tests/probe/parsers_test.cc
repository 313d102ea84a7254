// Specific facts read from real captured output: what each parser must see, not only that it
// does not fail.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "probe/disk_links.h"
#include "probe/iscsiadm_session.h"
#include "probe/kernel_log.h"
#include "probe/lio_configfs.h"
#include "probe/lsblk.h"
#include "probe/md_sysfs.h"
#include "probe/mdadm_detail.h"
#include "probe/mdadm_examine.h"
#include "probe/mdstat.h"
#include "probe/mounts.h"
#include "probe/smartctl.h"
#include "probe/targetcli_ls.h"
#include "probe/virsh.h"
#include "probe/zfs_get.h"
#include "probe/zpool_status.h"
#include "test_support.h"

namespace stackdr {
namespace {

using testing::corpus;

TEST(Mdstat, LabDegradedShowsFaultyMember) {
  auto r = parse_mdstat(corpus("lab/mdstat.degraded.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->arrays.size(), 1u);
  const auto& a = r->arrays[0];
  EXPECT_EQ(a.name, "md1");
  EXPECT_EQ(a.level, "raid1");
  EXPECT_EQ(a.raid_disks, 2);
  EXPECT_EQ(a.active_disks, 1);
  EXPECT_EQ(a.health, "U_");
  ASSERT_EQ(a.members.size(), 2u);
  EXPECT_EQ(a.members[0].device, "sdb");
  EXPECT_TRUE(a.members[0].faulty);
  EXPECT_FALSE(a.members[1].faulty);
  EXPECT_EQ(a.blocks, 523264);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Mdstat, RecoveryProgress) {
  auto r = parse_mdstat(corpus("lab/mdstat.recovering.readd.txt"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->arrays[0].sync.has_value());
  EXPECT_EQ(r->arrays[0].sync->action, "recovery");
  EXPECT_DOUBLE_EQ(*r->arrays[0].sync->percent, 1.8);
  EXPECT_EQ(r->arrays[0].sync->total_blocks, 523264);
  EXPECT_EQ(*r->arrays[0].sync->speed_kib, 9920);
}

TEST(Mdstat, MixedStatesFixture) {
  auto r = parse_mdstat(corpus("upstream/mdstat/procfs-fixture-multi-array-mixed-states.txt"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->arrays.size(), 18u);
  const auto& md4 = r->arrays[3];
  EXPECT_EQ(md4.state, "inactive");
  EXPECT_TRUE(md4.members[0].faulty);
  EXPECT_TRUE(md4.members[1].spare);
  const auto& md9 = r->arrays[8];
  ASSERT_TRUE(md9.sync.has_value());
  EXPECT_EQ(md9.sync->state, "DELAYED");
  EXPECT_TRUE(r->arrays[10].auto_read_only);
}

TEST(Mdstat, PromptLineBecomesAWarningAndTruncationIsNoted) {
  auto r =
      parse_mdstat(corpus("upstream/mdstat/checkraid-issue43-raid6-readd-recovery-0.2pct-with-prompt.txt"));
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_EQ(r->warnings[0].line, 1);
  auto t = parse_mdstat(corpus("upstream/mdstat/checkraid-issue43-raid6-degraded-U_UUUU-truncated.txt"));
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->warnings.back().reason.find("truncated"), std::string::npos);
}

TEST(Mdstat, GarbageAndTruncationAreErrorsWithLine) {
  auto g = parse_mdstat("hello world\n", "x");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("x:1"), std::string::npos);
  auto t = parse_mdstat("Personalities : [raid1]\nmd1 : active raid1 sdb[1] sda[0]\n", "cut");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("cut:2"), std::string::npos) << t.error().message;
}

TEST(MdadmDetail, LabDegradedFaulty) {
  auto r = parse_mdadm_detail(corpus("lab/mdadm-detail.degraded-faulty.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->state, (std::vector<std::string>{"clean", "degraded"}));
  EXPECT_EQ(*r->raid_devices, 2);
  EXPECT_EQ(*r->active_devices, 1);
  EXPECT_EQ(*r->failed_devices, 1);
  EXPECT_EQ(r->bitmap, "Internal");
  EXPECT_EQ(*r->events, 25);
  EXPECT_EQ(r->uuid, "77264b19:071bd1c7:14c0b7ca:2960a973");
  ASSERT_EQ(r->members.size(), 3u);
  EXPECT_EQ(r->members[1].state, std::vector<std::string>{"removed"});
  EXPECT_FALSE(r->members[1].number.has_value());
  EXPECT_EQ(r->members[2].device, "/dev/sdb");
  EXPECT_EQ(r->members[2].state, std::vector<std::string>{"faulty"});
  EXPECT_FALSE(r->members[2].role.has_value());
  EXPECT_TRUE(r->warnings.empty());
}

TEST(MdadmDetail, RebuildPercentAndOldEvents) {
  auto r = parse_mdadm_detail(corpus("lab/mdadm-detail.recovering.readd.txt"));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r->rebuild_percent, 3);
  EXPECT_EQ(r->members[1].state, (std::vector<std::string>{"spare", "rebuilding"}));
  auto v09 = parse_mdadm_detail(corpus("upstream/mdadm-detail/jc-md0-v0.90-raid1-clean-preferred-minor.txt"));
  ASSERT_TRUE(v09.ok());
  EXPECT_EQ(*v09->events, 18);  // "0.18"
  auto poisoned =
      parse_mdadm_detail(corpus("upstream/mdadm-detail/ipa-md0-raid1-clean-name-with-slashes.txt"));
  ASSERT_TRUE(poisoned.ok());
  EXPECT_FALSE(poisoned->events.has_value());
  EXPECT_FALSE(poisoned->warnings.empty());
}

TEST(MdadmExamine, StaleMemberHasLowerEvents) {
  auto good = parse_mdadm_examine(corpus("lab/mdadm-examine.member-good.txt"));
  auto stale = parse_mdadm_examine(corpus("lab/mdadm-examine.member-stale.txt"));
  ASSERT_TRUE(good.ok() && stale.ok());
  EXPECT_EQ(good->array_uuid, stale->array_uuid);
  EXPECT_EQ(*good->events, 19);
  EXPECT_EQ(*stale->events, 22);
  EXPECT_EQ(*stale->role, 1);
  EXPECT_EQ(stale->state, "active");
  EXPECT_EQ(good->array_state, "AA");
  EXPECT_TRUE(examine_says_no_superblock(corpus("lab/mdadm-examine.member-corrupted.txt.stderr")));
}

TEST(MdadmExamine, BadBlocksPresentAndListed) {
  auto bb = parse_examine_badblocks(
      corpus("lab/run8-badblock-captures/mdadm-examine-badblocks.sdb.after-s2b-recover.txt"));
  ASSERT_TRUE(bb.ok()) << bb.error().message;
  ASSERT_EQ(bb->size(), 5u);
  EXPECT_EQ((*bb)[0].sector, 280738);
  EXPECT_EQ((*bb)[0].length, 2);
  auto empty = parse_examine_badblocks(
      corpus("lab/run8-badblock-captures/mdadm-examine-badblocks.sda.after-s2b-recover.txt"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(MdSysfs, BrokenArrayAndWriteErrorLeg) {
  auto r = parse_md_sysfs_dump(corpus("lab/md-array-state.after-long-outage.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->array_state, "broken");
  EXPECT_EQ(*r->degraded, 1);
  ASSERT_EQ(r->members.size(), 2u);
  EXPECT_TRUE(r->members[0].has("faulty"));
  EXPECT_TRUE(r->members[1].has("write_error"));
  EXPECT_TRUE(r->members[1].has("in_sync"));
  auto bb =
      parse_md_sysfs_dump(corpus("lab/run8-badblock-captures/md-bad_blocks-sysfs.after-s2b-recover.txt"));
  ASSERT_TRUE(bb.ok());
  EXPECT_EQ(bb->members[0].bad_blocks.size(), 5u);
  EXPECT_FALSE(parse_md_array_state("bogus\n", "array_state").ok());
}

TEST(ZpoolStatus, DegradedMirrorWithFaultedDisk) {
  auto r = parse_zpool_status(
      corpus("upstream/zpool-status/openzfs-docs-8000-2Q-mirror-degraded-faulted-cannot-open.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->pools.size(), 1u);
  const auto& p = r->pools[0];
  EXPECT_EQ(p.state, "DEGRADED");
  ASSERT_EQ(p.root.children.size(), 1u);
  EXPECT_EQ(p.root.children[0].name, "mirror");
  auto leaves = zpool_leaves(p.root);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_EQ(leaves[1]->name, "sdb");
  EXPECT_EQ(leaves[1]->state, "FAULTED");
  EXPECT_EQ(leaves[1]->note, "cannot open");
  EXPECT_NE(p.status.find("degraded state."), std::string::npos);
}

TEST(ZpoolStatus, SparesLogsAndScanProgress) {
  auto r = parse_zpool_status(corpus("upstream/zpool-status/jc-tank-4x-mirror-online-with-spare-AVAIL.txt"));
  ASSERT_TRUE(r.ok());
  const auto& kids = r->pools[0].root.children;
  ASSERT_EQ(kids.size(), 5u);
  EXPECT_EQ(kids[4].group, "spares");
  EXPECT_EQ(kids[4].children[0].state, "AVAIL");
  auto s = parse_zpool_status(
      corpus("upstream/zpool-status/openzfs-docs-8000-9P-replacing-resilver-in-progress.txt"));
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(*s->pools[0].scan_percent, 0.14);
  EXPECT_EQ(s->pools[0].scan_kind, "resilver");
  auto three = parse_zpool_status(
      corpus("upstream/zpool-status/jc-three-pools-online-scrub-canceled-and-completed.txt"));
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->pools.size(), 3u);
  auto files = parse_zpool_status(
      corpus("upstream/zpool-status/jc-tank-unavail-insufficient-replicas-permanent-errors.txt"));
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->pools[0].error_files.size(), 3u);
}

TEST(ZpoolStatusJson, MapsInternalStateNames) {
  auto r = parse_zpool_status_json(
      corpus("upstream/zpool-json/openzfs-man-zpool-status-j-c-raidz1-dedup-special-healthy.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& p = r->pools[0];
  EXPECT_EQ(p.name, "tank");
  EXPECT_EQ(p.state, "ONLINE");
  EXPECT_EQ(p.root.children[0].name, "raidz1-0");
  EXPECT_EQ(p.root.children[0].state, "ONLINE");  // HEALTHY in the JSON
  EXPECT_EQ(zpool_leaves(p.root).size(), 6u);     // 3 raidz + 2 dedup mirror + 1 special
}

TEST(ZfsGet, TabSeparatedAndHeaderForms) {
  auto r = parse_zfs_get(
      "storage/iscsi-test01\tvolmode\tnone\tlocal\nstorage/iscsi-test01\tvolsize\t10737418240\tlocal\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->get("storage/iscsi-test01", "volmode"), "none");
  auto h = parse_zfs_get(corpus("upstream/zfs/openzfs-man-zfs-get-all-dataset.txt"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h->get("pool/home/bob", "creation"), "Tue Jul 21 15:53 2009");
  EXPECT_EQ(*h->get("pool/home/bob", "quota"), "20G");
}

TEST(TargetcliLs, LabTree) {
  auto r = parse_targetcli_ls(corpus("lab/targetcli-ls.clean.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->backstores.size(), 2u);
  EXPECT_EQ(r->backstores[0].type, "block");
  EXPECT_EQ(r->backstores[0].name, "lun01");
  EXPECT_EQ(r->backstores[0].device, "/dev/vdb");
  EXPECT_TRUE(r->backstores[0].activated);
  ASSERT_EQ(r->targets.size(), 2u);
  const auto& t = r->targets[1];
  EXPECT_EQ(t.iqn, "iqn.2003-01.org.linux-iscsi.lab:test02");
  ASSERT_EQ(t.tpgs.size(), 1u);
  EXPECT_TRUE(t.tpgs[0].enabled);
  ASSERT_EQ(t.tpgs[0].luns.size(), 1u);
  EXPECT_EQ(t.tpgs[0].luns[0].lun, 0);
  EXPECT_EQ(t.tpgs[0].luns[0].backstore, "block/lun02");
  EXPECT_EQ(t.tpgs[0].portals, std::vector<std::string>{"127.0.0.1:3260"});
  EXPECT_EQ(t.tpgs[0].acls[0].mapped_luns, (std::vector<LioMappedLun>{{0, 0}}));
}

// stackdr's own lab run: LIO read from configfs (find + grep), as the observer reads it.
LioFacts lab_configfs() {
  std::string dir = stackdr::testing::tests_dir() + "/lab_captures/2026-11-25/";
  auto tree = parse_lio_tree(testing::read_file(dir + "lio-tree.clean.txt"));
  EXPECT_TRUE(tree.ok()) << tree.error().message;
  auto values = parse_lio_values(testing::read_file(dir + "lio-values.clean.txt"));
  EXPECT_TRUE(values.ok()) << values.error().message;
  return apply_lio_values(*tree, *values);
}

TEST(LioConfigfs, LabTreeWithValues) {
  LioFacts f = lab_configfs();
  EXPECT_TRUE(f.warnings.empty());
  ASSERT_EQ(f.backstores.size(), 2u);
  const LioBackstore& b = f.backstores[0];  // configfs lists the newest first
  EXPECT_EQ(b.type, "block");
  EXPECT_EQ(b.name, "lun02");
  EXPECT_EQ(b.device, "/dev/vdc");
  EXPECT_EQ(b.serial, "78237e77-9a72-4917-bb8b-4db81c5b5872");
  EXPECT_TRUE(b.activated);
  ASSERT_EQ(f.targets.size(), 2u);
  const LioTarget& t = f.targets[0];
  EXPECT_EQ(t.iqn, "iqn.2003-01.org.linux-iscsi.lab:test02");
  ASSERT_EQ(t.tpgs.size(), 1u);
  const LioTpg& g = t.tpgs[0];
  EXPECT_EQ(g.tag, 1);
  EXPECT_TRUE(g.enabled);
  ASSERT_EQ(g.luns.size(), 1u);
  EXPECT_EQ(g.luns[0].lun, 0);
  EXPECT_EQ(g.luns[0].backstore, "block/lun02");
  EXPECT_EQ(g.luns[0].device, "/dev/vdc");
  EXPECT_EQ(g.portals, std::vector<std::string>{"127.0.0.2:3260"});
  ASSERT_EQ(g.acls.size(), 1u);
  EXPECT_EQ(g.acls[0].initiator, "iqn.2024-01.lab.example:initiator01");
  EXPECT_EQ(g.acls[0].mapped_luns, (std::vector<LioMappedLun>{{0, 0}}));
}

// configfs and targetcli ls describe the same configuration (the lab's, same topology).
TEST(LioConfigfs, ReadsWhatTargetcliLsShows) {
  auto tl = parse_targetcli_ls(
      testing::read_file(stackdr::testing::tests_dir() + "/lab_captures/2026-11-25/targetcli-ls.clean.txt"));
  ASSERT_TRUE(tl.ok()) << tl.error().message;
  LioFacts cf = lab_configfs();
  auto summary = [](const LioFacts& f) {
    std::set<std::string> out;
    for (const auto& b : f.backstores)
      out.insert(fmt::format("bs {}/{} {} {}", b.type, b.name, b.device, b.activated));
    for (const auto& t : f.targets)
      for (const auto& g : t.tpgs) {
        out.insert(fmt::format("tpg {} {} {}", t.iqn, g.tag, g.enabled));
        for (const auto& l : g.luns)
          out.insert(fmt::format("lun {} {} {} {}", t.iqn, l.lun, l.backstore, l.device));
        for (const auto& p : g.portals) out.insert(fmt::format("portal {} {}", t.iqn, p));
        for (const auto& a : g.acls)
          for (const auto& m : a.mapped_luns)
            out.insert(fmt::format("acl {} {} {}->{}", t.iqn, a.initiator, m.mapped, m.tpg_lun));
      }
    return out;
  };
  EXPECT_EQ(summary(cf), summary(*tl));
}

TEST(LioConfigfs, NoLioLoadedIsAnEmptyConfiguration) {
  auto r = parse_lio_tree("find: '/sys/kernel/config/target': No such file or directory\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->backstores.empty());
  EXPECT_TRUE(r->targets.empty());
  auto cleared = parse_lio_tree("d iscsi\t\nd core\t\n");  // after targetctl clear
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->backstores.empty());
  EXPECT_TRUE(cleared->targets.empty());
}

TEST(LioConfigfs, OtherOutputIsRejectedWithItsLine) {
  auto r = parse_lio_tree("o- / ..... [...]\n", "tree.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("tree.txt:1"), std::string::npos) << r.error().message;
  auto v = parse_lio_values("Storage Objects: 2\n", "values.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("values.txt:1"), std::string::npos) << v.error().message;
}

TEST(LioConfigfs, DisabledTpgAndMissingLunLink) {
  auto tree = parse_lio_tree(
      "d iscsi/iqn.x:t1\t\nd iscsi/iqn.x:t1/tpgt_1\t\nd iscsi/iqn.x:t1/tpgt_1/lun\t\n"
      "d iscsi/iqn.x:t1/tpgt_1/lun/lun_3\t\nd core\t\n");
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  auto values = parse_lio_values("/sys/kernel/config/target/iscsi/iqn.x:t1/tpgt_1/enable:0\n");
  ASSERT_TRUE(values.ok());
  LioFacts f = apply_lio_values(*tree, *values);
  ASSERT_EQ(f.targets.size(), 1u);
  ASSERT_EQ(f.targets[0].tpgs.size(), 1u);
  EXPECT_FALSE(f.targets[0].tpgs[0].enabled);
  ASSERT_EQ(f.targets[0].tpgs[0].luns.size(), 1u);
  EXPECT_EQ(f.targets[0].tpgs[0].luns[0].lun, 3);
  EXPECT_EQ(f.targets[0].tpgs[0].luns[0].backstore, "");  // a LUN with no backstore behind it
}

TEST(IscsiadmSession, P3NetBlocked) {
  auto r = parse_iscsiadm_session(corpus("lab/iscsiadm-session-P3.net-blocked-30s.txt"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->detail_level, 3);
  ASSERT_EQ(r->sessions.size(), 2u);
  const auto& s = r->sessions[1];
  EXPECT_EQ(s.target, "iqn.2003-01.org.linux-iscsi.lab:test02");
  EXPECT_EQ(s.portal, "127.0.0.1:3260");
  EXPECT_EQ(*s.sid, 3);
  EXPECT_EQ(s.connection_state, "TRANSPORT WAIT");
  EXPECT_EQ(s.session_state, "FREE");
  EXPECT_EQ(*s.recovery_timeout, 15);
  ASSERT_EQ(s.disks.size(), 1u);
  EXPECT_EQ(s.disks[0].device, "sdb");
  EXPECT_EQ(s.disks[0].lun, 0);
  EXPECT_EQ(s.disks[0].state, "transport-offline");
}

TEST(IscsiadmSession, OneLineFormsAndNoSessions) {
  auto r = parse_iscsiadm_session(
      corpus("upstream/iscsiadm/trident-session-ontap-two-sessions-tpgt-1028-1029.txt"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->sessions[1].tpgt, 1029);
  EXPECT_EQ(r->sessions[1].portal, "10.0.207.9:3260");
  auto none = parse_iscsiadm_session("", "iscsiadm", "iscsiadm: No active sessions.\n");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->sessions.empty());
  auto p2 = parse_iscsiadm_session(
      corpus("upstream/iscsiadm/goiscsi-session-P2-two-targets-one-logged-in-one-FAILED.txt"));
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->sessions[1].session_state, "FAILED");
}

// Found by the fuzzer: a "Current Portal:" block, then one-line sessions (which grow the list and
// move it), then a detail header and a key line that belongs to the first block. The key must land
// on that first session, not on memory the list has since left.
TEST(IscsiadmSession, DetailAfterOneLineSessionsWritesTheRightSession) {
  std::string input = "Current Portal: 127.0.0.1:3260,1\n";
  for (int i = 1; i <= 40; ++i)
    input += fmt::format("tcp: [{}] 127.0.1.{}:3260,1 iqn.2026-12.test:t{} (non-flash)\n", i, i, i);
  input += "iSCSI Transport Class version 2.0-870\n\t\tiSCSI Session State: LOGGED_IN\n";
  auto r = parse_iscsiadm_session(input);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->sessions.size(), 41u);
  EXPECT_EQ(r->sessions[0].portal, "127.0.0.1:3260");
  EXPECT_EQ(r->sessions[0].session_state, "LOGGED_IN");
  EXPECT_EQ(r->sessions[40].session_state, "");
}

TEST(Lsblk, JsonPairsAndTable) {
  auto j = parse_lsblk(corpus("lab/lsblk.mounted.json"));
  ASSERT_TRUE(j.ok());
  const BlockDevice* sda = j->find("sda");
  ASSERT_NE(sda, nullptr);
  EXPECT_EQ(*sda->wwn, "0x6001405a4f91e79619d4f58aa9909ca0");
  EXPECT_EQ(sda->children[0].name, "md1");
  EXPECT_EQ(*sda->children[0].mountpoint, "/mnt/md1");
  auto p = parse_lsblk(corpus("upstream/lsblk/ipa-lsblk-P-name-type-fstype-md-raid-esp.txt"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->blockdevices[1].fstype.value_or(""), "linux_raid_member");
  auto t = parse_lsblk(corpus("upstream/lsblk/utillinux-table-simple-lvm-basic.txt"));
  ASSERT_TRUE(t.ok());
  const BlockDevice* sda4 = t->find("sda4");
  ASSERT_NE(sda4, nullptr);
  EXPECT_EQ(*sda4->mountpoint, "/");
  EXPECT_EQ(t->find("sda")->children.size(), 6u);
}

// lsblk -J is read as a stream (no JSON tree): what util-linux 2.37+ prints (booleans, a
// "mountpoints" list, -b's numeric SIZE, keys stackdr does not read) and shapes it never prints.
TEST(Lsblk, JsonStreamReadsWhatLsblkPrintsAndRefusesOtherShapes) {
  auto r = parse_lsblk(R"({"blockdevices": [
     {"name":"sda", "maj:min":"8:0", "rm":false, "size":21474836480, "ro":false, "type":"disk",
      "mountpoints":[null], "partflags":{"a":[1,{"b":2}]},
      "children": [
         {"name":"sda1", "size":"512M", "type":"part", "mountpoints":["/boot/efi", "/efi"]},
         {"name":"md1", "kname":"md1", "type":"raid1", "mountpoint":"/mnt/md1", "mountpoints":["/x"],
          "children": null}
      ]},
     {"kname":"dm-2", "type":"mpath", "serial":null, "wwn":"0x6001"}
  ]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->blockdevices.size(), 2u);
  const BlockDevice& sda = r->blockdevices[0];
  EXPECT_EQ(sda.size, "21474836480");
  EXPECT_FALSE(sda.mountpoint.has_value());  // [null]: not mounted
  ASSERT_EQ(sda.children.size(), 2u);
  EXPECT_EQ(sda.children[0].mountpoint.value_or(""), "/boot/efi");  // the first of the list
  EXPECT_EQ(sda.children[1].mountpoint.value_or(""), "/mnt/md1");   // MOUNTPOINT wins
  EXPECT_TRUE(sda.children[1].children.empty());
  EXPECT_EQ(r->blockdevices[1].name, "dm-2");  // no NAME: the kernel name
  EXPECT_FALSE(r->blockdevices[1].serial.has_value());
  EXPECT_EQ(r->blockdevices[1].wwn.value_or(""), "0x6001");

  auto fails = [](const std::string& text) {
    auto x = parse_lsblk(text);
    return x.ok() ? std::string("parsed") : x.error().message;
  };
  EXPECT_NE(fails(R"({"blockdevices": ["sda"]})").find("a device that is not an object"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [{"name": {"x": 1}}]})").find("\"name\" is an object"),
            std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [{"children": "sdb"}]})").find("\"children\" is not a list"),
            std::string::npos);
  EXPECT_NE(fails(R"({"devices": []})").find("no 'blockdevices' array"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": {}})").find("no 'blockdevices' array"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [{"name": "sda")").find("invalid JSON"), std::string::npos);
  // Whatever follows the document, or brackets that do not close, is not JSON.
  EXPECT_NE(fails(R"({"blockdevices": []} {"blockdevices": []})").find("invalid JSON"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": []}])").find("invalid JSON"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [], "x": [1, 2})").find("invalid JSON"), std::string::npos);
  // A broken value is "invalid JSON" wherever it is: in a field read, or under a key skipped.
  EXPECT_NE(fails(R"({"blockdevices": [{"name": "sda", "serial": nnull}]})").find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [{"name": "sda", "maj:min": oops8:0}]})").find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(fails(R"({"x": tru, "blockdevices": []})").find("invalid JSON"), std::string::npos);
  EXPECT_NE(fails(R"({"blockdevices": [{"name": "sd\q"}]})").find("invalid JSON"), std::string::npos);
  EXPECT_NE(fails("{\"blockdevices\": [{\"name\": \"sd\xff\"}]}").find("invalid JSON"), std::string::npos);
  auto escaped = parse_lsblk(R"({"blockdevices": [{"name": "vg\u002dlv", "serial": "a\"b"}]})");
  ASSERT_TRUE(escaped.ok()) << escaped.error().message;
  EXPECT_EQ(escaped->blockdevices[0].name, "vg-lv");
  EXPECT_EQ(escaped->blockdevices[0].serial.value_or(""), "a\"b");
  // Nesting: 33 levels of devices are read, the 34th is refused.
  auto nested = [](int levels) {
    std::string s = R"({"blockdevices": [)";
    for (int i = 0; i < levels; ++i) s += R"({"name": "d", "children": [)";
    s += "]}";
    for (int i = 1; i < levels; ++i) s += "]}";
    return s + "]}";
  };
  EXPECT_EQ(fails(nested(33)), "parsed");
  EXPECT_NE(fails(nested(34)).find("children nested more than 32 deep"), std::string::npos);
}

TEST(DiskLinks, ByPathNamesCarryIqnAndLun) {
  auto r = parse_disk_links(corpus("lab/ls-by-path.clean.txt"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->links.size(), 8u);
  auto id = parse_iscsi_path_name(r->links[1].name);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->iqn, "iqn.2003-01.org.linux-iscsi.lab:test02");
  EXPECT_EQ(id->portal, "127.0.0.1:3260");
  EXPECT_EQ(id->lun, 0);
  EXPECT_EQ(r->links[1].device, "sdb");
  EXPECT_FALSE(parse_iscsi_path_name("pci-0000:00:03.0").has_value());
}

TEST(Smartctl, FailingAndHealthy) {
  auto bad = parse_smartctl_json(
      corpus("upstream/smartctl/smartctl-j-nvme-samsung-FAILED-critical-warning-exit8.txt"));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(*bad->passed);
  EXPECT_EQ(bad->exit_status, 8);
  EXPECT_FALSE(bad->concerns.empty());
  auto realloc =
      parse_smartctl_json(corpus("upstream/smartctl/smartctl-j-ata-seagate-304-reallocated-sectors.txt"));
  ASSERT_TRUE(realloc.ok());
  EXPECT_EQ(*realloc->reallocated_sectors, 304);
  auto ok = parse_smartctl_json(corpus("upstream/smartctl/smartctl-j-ata-wd-red-healthy.txt"));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->concerns.empty());
}

TEST(Virsh, ListDomblklistAndErrors) {
  auto l = parse_virsh_list(corpus("upstream/virsh/libvirt-virshtest-list-all-three-running.txt"));
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->domains.size(), 3u);
  EXPECT_EQ(l->domains[1].name, "fc4");
  EXPECT_EQ(l->domains[1].state, "running");
  auto off = parse_virsh_list(
      " Id   Name          State\n------------------------------\n -    sjm-explore   shut off\n");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->domains[0].id.has_value());
  EXPECT_EQ(off->domains[0].state, "shut off");
  auto b = parse_virsh_domblklist(
      " Target   Source\n------------------------\n vda      /dev/sda\n vdb      /dev/md1\n");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->disks[1].source, "/dev/md1");
  auto e =
      parse_virsh_list(corpus("upstream/virsh/libvirt-virshtest-error-failed-to-get-domain.txt"), "virsh");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("failed to get domain"), std::string::npos);
}

// `virsh domstate --reason` as libvirt 9.0 printed it in our lab (a VM paused on an I/O error,
// then resumed), and the forms without a reason or broken.
TEST(Virsh, DomstateWithItsReason) {
  auto paused = parse_virsh_domstate(
      testing::read_file(stackdr::testing::tests_dir() +
                         "/lab_captures/2026-12-07/virsh-domstate-reason.s5-vm-pause.fault.txt"));
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  EXPECT_EQ(paused->state, "paused");
  EXPECT_EQ(paused->reason, "I/O error");
  auto off = parse_virsh_domstate("shut off (destroyed)\n\n");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->state, "shut off");
  EXPECT_EQ(off->reason, "destroyed");
  auto bare = parse_virsh_domstate("shut off\n\n");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->state, "shut off");
  EXPECT_EQ(bare->reason, "");
  EXPECT_FALSE(parse_virsh_domstate("paused (user\n").ok());  // cut short: not a reason
  EXPECT_FALSE(parse_virsh_domstate("\n").ok());
  auto e = parse_virsh_domstate("error: failed to get domain 'vm9'\n");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("failed to get domain"), std::string::npos);
}

TEST(KernelLog, ClassifiesStorageEvents) {
  auto r = parse_kernel_log(corpus("lab/dmesg.s2b-long-outage.txt"));
  ASSERT_TRUE(r.ok());
  auto count = [&](const std::string& kind) {
    return std::count_if(r->events.begin(), r->events.end(),
                         [&](const KernelEvent& e) { return e.kind == kind; });
  };
  EXPECT_EQ(count("iscsi-ping-timeout"), 2);
  EXPECT_EQ(count("iscsi-recovery-timeout"), 2);
  EXPECT_EQ(count("md-disk-failure"), 1);
  EXPECT_EQ(count("fs-journal-abort"), 1);
  EXPECT_GE(count("io-error"), 5);
  auto fail = std::find_if(r->events.begin(), r->events.end(),
                           [](const KernelEvent& e) { return e.kind == "md-disk-failure"; });
  EXPECT_EQ(fail->array, "md1");
  EXPECT_EQ(fail->device, "sda");
  EXPECT_NE(fail->text.find("Operation continuing on 1 devices"), std::string::npos);
}

// Every form of a block device's name the kernel prints, in the messages stackdr classifies
// (the lab's kernel names iSCSI disks sdX; other machines put md on partitions, NVMe,
// device-mapper, zvols, and past sdz).
TEST(KernelLog, EveryDeviceNameFormIsReadWhole) {
  struct Case {
    std::string line, kind, device;
  };
  const std::vector<Case> cases = {
      {"md/raid1:md1: Disk failure on sdb, disabling device.", "md-disk-failure", "sdb"},
      {"md/raid1:md1: Disk failure on sdaa, disabling device.", "md-disk-failure", "sdaa"},
      {"md/raid1:md1: Disk failure on sdb1, disabling device.", "md-disk-failure", "sdb1"},
      {"md/raid1:md127: Disk failure on nvme0n1p2, disabling device.", "md-disk-failure", "nvme0n1p2"},
      {"md/raid1:md1: Disk failure on dm-3, disabling device.", "md-disk-failure", "dm-3"},
      {"md/raid1:md1: Disk failure on zd16, disabling device.", "md-disk-failure", "zd16"},
      {"md: kicking non-fresh dm-12 from array!", "md-kick-non-fresh", "dm-12"},
      {"md: kicking non-fresh sdab1 from array!", "md-kick-non-fresh", "sdab1"},
      {"I/O error, dev nvme1n1, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", "io-error",
       "nvme1n1"},
      {"blk_update_request: I/O error, dev sdzz, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
       "io-error", "sdzz"},
      {"critical target error, dev dm-0, sector 4096 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 2",
       "io-error", "dm-0"},
      {"Buffer I/O error on dev nvme0n1p1, logical block 0, async page read", "io-error", "nvme0n1p1"},
      {"Buffer I/O error on dev dm-3, logical block 7, lost async page write", "io-error", "dm-3"},
      {"Buffer I/O error on dev zd32p1, logical block 0, async page read", "io-error", "zd32p1"},
      {"Aborting journal on device dm-3-8.", "fs-journal-abort", "dm-3-8"},
      {"EXT4-fs (nvme0n1p3): Remounting filesystem read-only", "fs-remount-ro", "nvme0n1p3"},
      {"EXT4-fs error (device dm-1): ext4_journal_check_start:83: comm dd: Detected aborted journal",
       "fs-error", "dm-1"},
      {"EXT4-fs (md127): mounted filesystem with ordered data mode. Quota mode: none.", "fs-mounted",
       "md127"},
      {"sd 7:0:0:0: [sdaa] tag#0 FAILED Result: hostbyte=DID_TRANSPORT_DISRUPTED driverbyte=DRIVER_OK",
       "other", "sdaa"},
  };
  for (const auto& c : cases) {
    auto r = parse_kernel_log("[  100.000000] " + c.line + "\n");
    ASSERT_TRUE(r.ok()) << c.line;
    ASSERT_EQ(r->events.size(), 1u) << c.line;
    EXPECT_EQ(r->events[0].kind, c.kind) << c.line;
    EXPECT_EQ(r->events[0].device, c.device) << c.line;
  }
}

TEST(Mounts, ReadOnlyFilesystem) {
  auto r = parse_mounts("/dev/vda1 / ext4 rw,relatime 0 0\n/dev/vdb /mnt/raid ext4 ro,relatime 0 0\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->at("/mnt/raid")->read_only());
  EXPECT_FALSE(r->at("/")->read_only());
  EXPECT_FALSE(parse_mounts("garbage\n", "m").ok());
}

}  // namespace
}  // namespace stackdr
