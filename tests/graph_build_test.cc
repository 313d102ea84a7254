// The graph of a big stack is built in two halves, the md states on a second thread (from 100
// arrays on): the graph must be the same, node for node, as the one built in one thread.

#include <gtest/gtest.h>

#include "model/graph_builder.h"
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
