// The simulated stack's text must parse to the facts it holds, in every fault state: what the
// renderers print and what the state says can never drift apart.

#include <gtest/gtest.h>

#include "probe/disk_links.h"
#include "probe/iscsiadm_session.h"
#include "probe/lsblk.h"
#include "probe/md_sysfs.h"
#include "probe/mdadm_detail.h"
#include "probe/mdstat.h"
#include "probe/targetcli_ls.h"
#include "probe/virsh.h"
#include "probe/zpool_status.h"
#include "sim/faults.h"
#include "sim/renderers.h"
#include "support/paths.h"

namespace stackdr::sim {
namespace {

SimState state_with(const std::string& fault) {
  auto t = load_topology(stackdr::testing::default_config());
  SimState s = build_sim_state(*t);
  if (!fault.empty()) {
    EXPECT_TRUE(inject_fault(s, fault).ok());
  }
  return s;
}

void check_consistent(const SimState& s) {
  auto md = parse_mdstat(render_mdstat(s));
  ASSERT_TRUE(md.ok()) << md.error().message;
  EXPECT_TRUE(md->warnings.empty());
  for (const auto& a : s.arrays) {
    auto it = std::find_if(md->arrays.begin(), md->arrays.end(),
                           [&](const MdstatArray& x) { return x.name == a.name; });
    if (a.state == "stopped") {
      EXPECT_EQ(it, md->arrays.end());
      continue;
    }
    ASSERT_NE(it, md->arrays.end());
    EXPECT_EQ(it->state, a.state);
    for (const auto& m : a.members) {
      std::string dev = s.rdev_name(m);  // md shows a failed member under its old name
      auto pm = std::find_if(it->members.begin(), it->members.end(),
                             [&](const MdstatMember& x) { return x.device == (dev.empty() ? m.lun : dev); });
      EXPECT_EQ(pm != it->members.end(), m.in_array) << m.lun;
      if (pm != it->members.end()) {
        EXPECT_EQ(pm->faulty, m.faulty) << m.lun;
      }
    }
    auto det = render_mdadm_detail(s, a.device);
    auto pd = parse_mdadm_detail(det.out);
    ASSERT_TRUE(pd.ok()) << pd.error().message;
    EXPECT_TRUE(pd->warnings.empty());
    EXPECT_EQ(*pd->events, a.events);
    EXPECT_EQ(pd->uuid, a.uuid);
    auto st = render_md_sysfs(s, "/sys/block/" + a.name + "/md/array_state");
    ASSERT_TRUE(st.has_value());
    auto ps = parse_md_array_state(*st, "array_state");
    ASSERT_TRUE(ps.ok());
    EXPECT_EQ(*ps == "broken", a.broken);
  }
  auto se = render_iscsiadm_session(s, 3);
  auto ps = parse_iscsiadm_session(se.out, "iscsiadm", se.err);
  ASSERT_TRUE(ps.ok()) << ps.error().message;
  ASSERT_EQ(ps->sessions.size(), s.sessions.size());
  for (const auto& x : s.sessions) {
    auto it = std::find_if(ps->sessions.begin(), ps->sessions.end(),
                           [&](const IscsiSession& p) { return p.target == x.target; });
    ASSERT_NE(it, ps->sessions.end());
    EXPECT_EQ(it->session_state, x.session_state);
    EXPECT_EQ(*it->sid, x.sid);
    ASSERT_EQ(it->disks.size(), x.disk.empty() ? 0u : 1u);
    if (!x.disk.empty()) {
      EXPECT_EQ(it->disks[0].state, x.disk_state);
    }
  }
  auto tl = parse_targetcli_ls(render_targetcli_ls(s));
  ASSERT_TRUE(tl.ok()) << tl.error().message;
  EXPECT_TRUE(tl->warnings.empty());
  EXPECT_EQ(tl->backstores.size(), s.lio.backstores.size());
  ASSERT_EQ(tl->targets.size(), s.lio.targets.size());
  for (size_t i = 0; i < s.lio.targets.size(); ++i) {
    EXPECT_EQ(tl->targets[i].iqn, s.lio.targets[i].iqn);
    EXPECT_EQ(tl->targets[i].tpgs[0].luns.size(), s.lio.targets[i].luns.size());
    EXPECT_EQ(tl->targets[i].tpgs[0].enabled, s.lio.targets[i].tpg_enabled);
  }
  auto zp = parse_zpool_status(render_zpool_status(s, s.pool.name).out);
  ASSERT_TRUE(zp.ok()) << zp.error().message;
  EXPECT_TRUE(zp->warnings.empty());
  EXPECT_EQ(zp->pools[0].state, s.pool.state());
  auto leaves = zpool_leaves(zp->pools[0].root);
  ASSERT_EQ(leaves.size(), s.pool.disks.size());
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(leaves[i]->state, s.pool.disks[i].state);
  auto lb = parse_lsblk(render_lsblk_json(s));
  ASSERT_TRUE(lb.ok()) << lb.error().message;
  for (const auto& x : s.sessions)
    if (!x.disk.empty()) {
      EXPECT_NE(lb->find(x.disk), nullptr);
    }
  auto bp = parse_disk_links(render_by_path(s));
  ASSERT_TRUE(bp.ok());
  size_t iscsi_links = std::count_if(bp->links.begin(), bp->links.end(), [](const DiskLink& l) {
    return parse_iscsi_path_name(l.name).has_value();
  });
  EXPECT_EQ(iscsi_links,
            static_cast<size_t>(std::count_if(s.sessions.begin(), s.sessions.end(),
                                              [](const Session& x) { return !x.disk.empty(); })));
  auto vl = parse_virsh_list(render_virsh_list(s).out);
  ASSERT_TRUE(vl.ok()) << vl.error().message;
  EXPECT_EQ(vl->domains.size(), s.vms.size());
  for (const auto& v : s.vms) {
    auto bl = parse_virsh_domblklist(render_virsh_domblklist(s, v.name).out);
    ASSERT_TRUE(bl.ok());
    EXPECT_EQ(bl->disks.size(),
              static_cast<size_t>(
                  std::count_if(v.disks.begin(), v.disks.end(), [](const VmDisk& d) { return d.attached; })));
  }
}

TEST(SimConsistency, Healthy) {
  check_consistent(state_with(""));
}

TEST(SimConsistency, EveryFaultState) {
  for (const auto& f : fault_catalog()) {
    SCOPED_TRACE(f.name);
    check_consistent(state_with(f.name));
  }
}

TEST(SimConsistency, UnknownFaultListsTheKnownOnes) {
  SimState s = state_with("");
  auto r = inject_fault(s, "disk-on-fire");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("lun-unmapped"), std::string::npos);
}

}  // namespace
}  // namespace stackdr::sim
