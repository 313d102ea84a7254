// The graph builder's typed facts (NodeFacts), which recovery, progress and lint read back:
// set from what the probes read, as numbers, beside the text reports show. (A resync's progress
// as numbers is checked through the engine's events: tests/recover/recover_events_test.cc.)

#include <gtest/gtest.h>

#include "model/node_id.h"
#include "recover/view.h"
#include "sim_fixture.h"

namespace stackdr {
namespace {

using testing::SimStack;

TEST(NodeFacts, ASessionAndItsDiskCarryTheirIdTimerSerialAndDevice) {
  SimStack s;
  View v = take_view(s.topology, s.lookup());
  const LunConfig& l = s.topology.luns.front();
  const Node* session = v.node(node_id::session(s.topology.initiator.host, l, s.topology.portal_of(l)));
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->facts.sid.has_value());
  EXPECT_EQ(session->attrs.at("sid"), std::to_string(*session->facts.sid));
  ASSERT_TRUE(session->facts.replacement_timeout.has_value());
  EXPECT_EQ(session->attrs.at("replacement_timeout"), std::to_string(*session->facts.replacement_timeout));
  const Node* disk = v.node(node_id::iscsi_disk(s.topology.initiator.host, l));
  ASSERT_NE(disk, nullptr);
  EXPECT_FALSE(disk->facts.device.empty());
  EXPECT_EQ(disk->facts.device, v.disk_of(s.topology, l));
  EXPECT_FALSE(disk->facts.serial.empty());
}

}  // namespace
}  // namespace stackdr
