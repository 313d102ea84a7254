// md first (watch/first_look): what /proc/mdstat alone shows, read from our lab's captures and
// from other machines' (../shared/corpus/upstream), against topologies unlike the lab's too.

#include "watch/first_look.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace stackdr {
namespace {

Topology lab() {
  auto t = load_topology(stackdr::testing::tests_dir() + "/../config/lab.yaml");
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

std::string capture(const std::string& name) {
  return testing::read_file(stackdr::testing::tests_dir() + "/lab_captures/2026-12-06/" + name);
}

std::string upstream(const std::string& name) {
  return testing::read_file(stackdr::testing::corpus_dir().string() + "/upstream/mdstat/" + name);
}

TEST(FirstLook, AMemberLostInTheLabIsAnArrayDegradedAtOnce) {
  auto f = md_first_look(lab(), "lab", capture("mdstat.s1-logout.fault.txt"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].cause, Cause::kArrayDegraded);
  EXPECT_EQ(f[0].scenario, 1);
  EXPECT_EQ(f[0].layer, "md-array");
  EXPECT_EQ(f[0].host, "lab");
  EXPECT_NE(f[0].summary.find("first look"), std::string::npos) << f[0].summary;
  ASSERT_EQ(f[0].evidence.size(), 1u);
  EXPECT_EQ(f[0].evidence[0].source, "mdstat");
  EXPECT_NE(f[0].evidence[0].text.find("sdb[1](F)"), std::string::npos) << f[0].evidence[0].text;
  EXPECT_NE(f[0].evidence[0].text.find("[2/1] [U_]"), std::string::npos) << f[0].evidence[0].text;
}

TEST(FirstLook, AWholeArrayOrAnotherHostOrUnreadableTextRaisesNothing) {
  EXPECT_TRUE(md_first_look(lab(), "lab", capture("mdstat.clean.txt")).empty());
  EXPECT_TRUE(md_first_look(lab(), "lab", capture("mdstat.s1-logout.recovered.txt")).empty());
  EXPECT_TRUE(md_first_look(lab(), "target", capture("mdstat.s1-logout.fault.txt")).empty());  // not its host
  EXPECT_TRUE(md_first_look(lab(), "lab", "").empty());
  EXPECT_TRUE(md_first_look(lab(), "lab", std::string("\0\xff garbage md1 : [2/1]", 21)).empty());
}

// Other machines: a failed member whose slot a spare took leaves the array whole ([5/5] with an
// (F)); a RAID6 with one slot empty is degraded; an array the topology does not name is not ours.
TEST(FirstLook, OtherMachinesCaptures) {
  Topology t = lab();
  t.arrays[0].device = "/dev/md1";
  EXPECT_TRUE(md_first_look(t, "lab", upstream("checkraid-issue164-raid1-faulty-member-bitmap.txt")).empty());
  t.arrays[0].device = "/dev/md0";
  t.arrays[0].level = "raid6";
  auto f = md_first_look(t, "lab", upstream("checkraid-issue43-raid6-degraded-U_UUUU-truncated.txt"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].evidence[0].text.find("[6/5] [U_UUUU]"), std::string::npos) << f[0].evidence[0].text;
  t.arrays[0].device = "/dev/md9";
  EXPECT_TRUE(
      md_first_look(t, "lab", upstream("checkraid-issue43-raid6-degraded-U_UUUU-truncated.txt")).empty());
}

}  // namespace
}  // namespace stackdr
