// md's state as the model reads it from a /proc/mdstat it did not make (the shared corpus's
// capture from checkraid): the bitmap's pages in use and md's own sync rate.

#include "model/md_state.h"

#include <gtest/gtest.h>

#include "probe/mdstat.h"
#include "sim_fixture.h"
#include "test_support.h"

namespace stackdr {
namespace {

MdArrayState md1_from(const std::string& mdstat) {
  Topology t = testing::default_topology();
  Observation o;
  auto parsed = parse_mdstat(mdstat, "/proc/mdstat");
  EXPECT_TRUE(parsed) << parsed.error().message;
  o.kvm[t.arrays.front().host].mdstat = *parsed;
  return md_states(t, o).at(t.arrays.front().name);
}

TEST(MdState, TheBitmapsPagesAndTheSyncRateFromACapture) {
  std::string text = testing::corpus("upstream/mdstat/checkraid-pr77-resync-delayed-check-bitmap.txt");
  ASSERT_EQ(testing::default_topology().arrays.front().kernel_name(), "md1");
  MdArrayState delayed = md1_from(text);  // md1: resync=DELAYED, bitmap: 0/4 pages
  ASSERT_TRUE(delayed.bitmap_pages);
  EXPECT_EQ(*delayed.bitmap_pages_used, 0);
  EXPECT_EQ(*delayed.bitmap_pages, 4);
  ASSERT_TRUE(delayed.sync);
  EXPECT_FALSE(delayed.sync->speed_kib) << "a delayed resync has no rate";

  // The capture's md0 (a check at 97293K/sec, bitmap 1/1) read as this topology's md1.
  std::string swapped = text;
  swapped.replace(swapped.find("md1 :"), 5, "md9 :");
  swapped.replace(swapped.find("md0 :"), 5, "md1 :");
  MdArrayState checking = md1_from(swapped);
  ASSERT_TRUE(checking.sync);
  EXPECT_EQ(checking.sync->action, "check");
  EXPECT_EQ(checking.sync->speed_kib, 97293);
  EXPECT_EQ(checking.bitmap_pages_used, 1);
  EXPECT_EQ(checking.bitmap_pages, 1);
}

TEST(MdState, ABitmapLineItCannotReadLeavesThePagesUnset) {
  std::string text =
      "Personalities : [raid1]\nmd1 : active raid1 sdb[0] sdc[1]\n      1048512 blocks super 1.2 [2/2] [UU]\n"
      "      bitmap: file /var/md1.bitmap\n\nunused devices: <none>\n";
  MdArrayState a = md1_from(text);
  EXPECT_FALSE(a.bitmap_pages);
  EXPECT_FALSE(a.bitmap_pages_used);
}

}  // namespace
}  // namespace stackdr
