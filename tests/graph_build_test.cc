// The graph of a big stack is built in two halves, the md states on a second thread (from 100
// arrays on): the graph must be the same, node for node, as the one built in one thread.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "model/graph_builder.h"
#include "model/md_state.h"
#include "observe/observer.h"
#include "sim/sim_stack.h"

namespace stackdr {
namespace {

// N RAID1 arrays over 2N LUNs, a target each, on one KVM host (the benchmark's shape).
Topology arrays_topology(int arrays) {
  Topology t;
  t.source = "graph_build_test";
  HostConfig storage, kvm;
  storage.name = "storage";
  storage.role = HostRole::kStorage;
  storage.address = "127.0.0.1";
  kvm.name = "kvm";
  kvm.role = HostRole::kKvm;
  kvm.address = "127.0.0.2";
  t.hosts = {storage, kvm};
  t.storage = {"storage", "tank", "127.0.0.1:3260", {"ata-DISK_A", "ata-DISK_B"}, {}};
  t.initiator = {"kvm", "iqn.2024-01.com.example:kvm"};
  for (int i = 0; i < arrays; ++i) {
    ArrayConfig a;
    a.name = fmt::format("md{}", i);
    a.host = "kvm";
    a.device = "/dev/" + a.name;
    for (int leg = 0; leg < 2; ++leg) {
      LunConfig l;
      l.name = fmt::format("a{}l{}", i, leg);
      l.target = "iqn.2003-01.org.linux-iscsi.storage:" + l.name;
      l.zvol = "tank/" + l.name;
      l.device = "/dev/zvol/" + l.zvol;
      l.backstore_name = l.name;
      a.members.push_back(l.name);
      t.luns.push_back(l);
    }
    t.arrays.push_back(a);
  }
  t.index();
  return t;
}

void expect_same(const StackGraph& a, const StackGraph& b) {
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const Node& x = a.nodes()[i];
    const Node& y = b.nodes()[i];
    ASSERT_EQ(x.id, y.id);
    EXPECT_EQ(x.label, y.label) << x.id;
    EXPECT_EQ(x.health, y.health) << x.id;
    EXPECT_EQ(x.cause, y.cause) << x.id;
    EXPECT_EQ(x.depends_on, y.depends_on) << x.id;
    EXPECT_EQ(x.attrs, y.attrs) << x.id;
    ASSERT_EQ(x.evidence.size(), y.evidence.size()) << x.id;
    for (size_t e = 0; e < x.evidence.size(); ++e) EXPECT_EQ(x.evidence[e].text, y.evidence[e].text) << x.id;
  }
}

TEST(GraphBuild, TheMdStatesThreadBuildsTheSameGraphAsOneThread) {
  Topology t = arrays_topology(120);
  sim::SimStack s(t);
  // sdX names run out at 26: the disks are named sd<number>, members renamed with them.
  for (size_t i = 0; i < s.state->sessions.size(); ++i) s.state->sessions[i].disk = fmt::format("sd{}", i);
  for (auto& a : s.state->arrays)
    for (auto& m : a.members) m.rdev = s.state->disk_of(m.lun);
  for (bool broken : {false, true}) {
    if (broken) s.state->sessions[7].session_state = "FAILED";  // one leg of one array
    Observation o = observe(t, s.lookup);
    StackGraph threaded = build_graph(t, o);
    StackGraph sequential = build_graph(t, o, md_states(t, o));
    expect_same(threaded, sequential);
    size_t failed = 0;
    for (const auto& n : threaded.nodes()) failed += n.health == Health::kFailed;
    EXPECT_EQ(failed > 0, broken);
  }
}

}  // namespace
}  // namespace stackdr
