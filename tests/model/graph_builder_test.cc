// The graph of a big stack is built in two halves, the md states on a second thread (from 100
// arrays on): the graph must be the same, node for node, as the one built in one thread. Edges
// are places in the node list, each to a node added before: the graph cannot hold a loop.

#include "model/graph_builder.h"

#include <gtest/gtest.h>

#include "diagnose/report_json.h"
#include "model/md_state.h"
#include "observe/observer.h"
#include "sim/sim_stack.h"
#include "sim/synthetic_stack.h"

namespace stackdr {
namespace {

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
  Topology t = sim::synthetic_topology(120);
  sim::SimStack s(t);
  sim::number_disks(*s.state);
  // Healthy; one leg of one array failed; then also /proc/mdstat not read (every array and member
  // UNKNOWN, each asking the read index why).
  for (int round = 0; round < 3; ++round) {
    if (round == 1) s.state->sessions[7].session_state = "FAILED";
    Observation o = observe(t, s.lookup);
    if (round == 2) {
      o.kvm["kvm"].mdstat.reset();
      for (auto& r : o.sources)
        if (r.source == "/proc/mdstat") {
          r.ok = false;
          r.error = "Permission denied";
        }
    }
    StackGraph threaded = build_graph(t, o);
    StackGraph sequential = build_graph(t, o, md_states(t, o));
    expect_same(threaded, sequential);
    size_t failed = 0, unknown = 0;
    for (const auto& n : threaded.nodes()) {
      failed += n.health == Health::kFailed;
      unknown += n.health == Health::kUnknown;
    }
    EXPECT_EQ(failed > 0, round >= 1) << round;      // the failed leg stays failed
    EXPECT_EQ(unknown >= 120, round == 2) << round;  // at least every array
  }
}

Node node(std::string id, std::vector<size_t> deps = {}) {
  Node n;
  n.id = std::move(id);
  n.depends_on = std::move(deps);
  return n;
}

TEST(GraphBuild, AnEdgeGoesOnlyToANodeAlreadyAdded) {
  StackGraph g;
  EXPECT_EQ(g.add(node("pool:tank")), 0u);
  EXPECT_EQ(g.add(node("zvol:tank/a", {0})), 1u);
  EXPECT_EQ(g.add(node("zvol:tank/a", {0})), 1u);  // the same identity is one node
  EXPECT_THROW(g.add(node("lun:x", {2})), std::logic_error);
  EXPECT_THROW(g.add(node("lun:y", {1, 7})), std::logic_error);
  EXPECT_EQ(g.nodes().size(), 2u);  // what threw was not added
  EXPECT_EQ(g.index_of("zvol:tank/a"), 1u);
  EXPECT_FALSE(g.index_of("lun:x"));
  ASSERT_EQ(g.dependents("pool:tank").size(), 1u);
  EXPECT_EQ(g.dependents("pool:tank")[0]->id, "zvol:tank/a");
}

TEST(GraphBuild, EveryEdgeOfABuiltGraphPointsDownAndJsonNamesItById) {
  Topology t = sim::synthetic_topology(3);
  sim::SimStack s(t);
  sim::number_disks(*s.state);
  StackGraph g = build_graph(t, observe(t, s.lookup));
  nlohmann::json j = graph_json(g);
  ASSERT_EQ(j.size(), g.nodes().size());
  size_t edges = 0;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& n = g.nodes()[i];
    ASSERT_EQ(j[i]["depends_on"].size(), n.depends_on.size()) << n.id;
    for (size_t k = 0; k < n.depends_on.size(); ++k) {
      EXPECT_LT(n.depends_on[k], i) << n.id;
      EXPECT_EQ(j[i]["depends_on"][k], g.node(n.depends_on[k]).id) << n.id;
      ++edges;
    }
  }
  // A member rests on its iSCSI disk, which rests on its session and its LUN.
  const Node* member = g.find(node_id::member(t.arrays[0], t.arrays[0].members[0]));
  ASSERT_TRUE(member);
  ASSERT_EQ(member->depends_on.size(), 1u);
  const Node& disk = g.node(member->depends_on[0]);
  EXPECT_EQ(disk.layer, Layer::kIscsiDisk);
  ASSERT_EQ(disk.depends_on.size(), 2u);
  EXPECT_EQ(g.node(disk.depends_on[0]).layer, Layer::kSession);
  EXPECT_EQ(g.node(disk.depends_on[1]).layer, Layer::kLun);
  EXPECT_GT(edges, g.nodes().size());
}

}  // namespace
}  // namespace stackdr
