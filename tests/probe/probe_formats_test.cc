// Formats the parsers meet on machines we did not set up: output under a non-C locale (a
// bundle from another machine), lsblk's KNAME apart from NAME and util-linux's older table
// with "name (dm-N)" rows, targetcli's mapped LUN numbers, md's journal member flag. Each case
// starts from a real capture of the shared corpus and changes only what that format varies.

#include <gtest/gtest.h>

#include <ctime>

#include "probe/lsblk.h"
#include "probe/mdstat.h"
#include "probe/targetcli_ls.h"
#include "probe/zpool_status.h"
#include "test_support.h"
#include "util/text.h"

namespace stackdr {
namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

TEST(ProbeFormats, ADecimalCommaReadsAsAPoint) {
  EXPECT_EQ(text::to_double("72,38"), 72.38);
  EXPECT_EQ(text::to_double("72.38"), 72.38);
  EXPECT_FALSE(text::to_double("1,234,5"));
  std::string text =
      testing::corpus("upstream/zpool-status/openzfs-docs-8000-9P-replacing-resilver-in-progress.txt");
  auto c = parse_zpool_status(text);
  auto de = parse_zpool_status(replace_all(text, "0.14% done", "0,14% done"));
  ASSERT_TRUE(c.ok() && de.ok());
  ASSERT_TRUE(c->pools.front().scan_percent);
  ASSERT_TRUE(de->pools.front().scan_percent);
  EXPECT_DOUBLE_EQ(*de->pools.front().scan_percent, *c->pools.front().scan_percent);
}

// mdadm's Update Time is ctime(3) text; the freshest-member rule orders members by it. Each
// case is checked against strptime + timegm, what the model used before.
TEST(ProbeFormats, MdadmUpdateTimeReadsAsStrptimeWould) {
  for (const char* t : {"Sun Nov 29 10:00:00 2026", "Thu Jan  1 00:00:00 1970", "Tue Feb 29 23:59:59 2028",
                        "Fri Dec 31 12:34:56 1999", "Wed Jul  3 09:05:01 2024"}) {
    std::tm tm{};
    ASSERT_NE(strptime(t, "%a %b %e %H:%M:%S %Y", &tm), nullptr) << t;
    EXPECT_EQ(text::parse_ctime_utc(t), static_cast<int64_t>(timegm(&tm))) << t;
  }
  for (const char* bad :
       {"", "Sun Nov 29 10:00 2026", "Sun Foo 29 10:00:00 2026", "Mon Feb 30 10:00:00 2026",
        "Sun Nov 29 24:00:00 2026", "Sun Nov 29 -1:00:00 2026", "Nov 29 10:00:00 2026",
        "Sun Nov 29 10:00:00 99999999999999999999", "Sun Nov 29 10::00 2026", "Sun Nov 29 10:00:00:00 2026",
        "Sun Nov 29 :10:00 2026", "Sun Nov 29 10:00:00 2026 x"})
    EXPECT_FALSE(text::parse_ctime_utc(bad)) << bad;
}

TEST(ProbeFormats, SizesReadAsZfsReadsThem) {
  EXPECT_EQ(text::parse_binary_size("1G"), int64_t{1} << 30);
  EXPECT_EQ(text::parse_binary_size("512m"), int64_t{512} << 20);
  EXPECT_EQ(text::parse_binary_size("16K"), 16384);
  EXPECT_EQ(text::parse_binary_size("10737418240"), int64_t{10} << 30);
  for (const char* bad : {"", "G", "0", "-1G", "1.5G", "1GB", "9999999999999T"})
    EXPECT_FALSE(text::parse_binary_size(bad)) << bad;
}

TEST(ProbeFormats, LsblkKeepsNameAndKernelNameApart) {
  auto r = parse_lsblk(
      "KNAME=\"dm-2\" NAME=\"mpathb\" TYPE=\"mpath\" SIZE=\"10G\"\n"
      "KNAME=\"sda\" NAME=\"sda\" TYPE=\"disk\" SIZE=\"10G\"\n"
      "KNAME=\"sdb\" TYPE=\"disk\" SIZE=\"10G\"\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->blockdevices.size(), 3u);
  EXPECT_EQ(r->blockdevices[0].name, "mpathb");
  EXPECT_EQ(r->blockdevices[0].kname, "dm-2");
  EXPECT_EQ(r->blockdevices[2].name, "sdb") << "KNAME alone names the row";
}

// util-linux before 2.27: "mpathb (dm-2)" in the NAME column; the columns after it stay put.
TEST(ProbeFormats, LsblkOldTableWithDeviceMapperRows) {
  auto r = parse_lsblk(
      "NAME                 SIZE TYPE  MOUNTPOINT\n"
      "sdc                  10G disk  \n"
      "`-mpathb (dm-2)      10G mpath /srv/data\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->blockdevices.size(), 1u);
  ASSERT_EQ(r->blockdevices[0].children.size(), 1u);
  const BlockDevice& dm = r->blockdevices[0].children[0];
  EXPECT_EQ(dm.name, "mpathb");
  EXPECT_EQ(dm.kname, "dm-2");
  EXPECT_EQ(dm.size, "10G");
  EXPECT_EQ(dm.type, "mpath");
  EXPECT_EQ(dm.mountpoint, "/srv/data");
}

TEST(ProbeFormats, TargetcliAclKeepsTheInitiatorSideLunNumber) {
  std::string text = testing::corpus("lab/targetcli-ls.clean.txt");
  auto r = parse_targetcli_ls(replace_all(text, "o- mapped_lun0 ", "o- mapped_lun3 "));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& acl = r->targets.front().tpgs.front().acls.front();
  ASSERT_EQ(acl.mapped_luns.size(), 1u);
  EXPECT_EQ(acl.mapped_luns[0].mapped, 3);
  EXPECT_EQ(acl.mapped_luns[0].tpg_lun, 0);
}

TEST(ProbeFormats, MdstatTypesEveryMemberFlag) {
  auto r = parse_mdstat(
      "Personalities : [raid1] [raid6] [raid5] [raid4]\n"
      "md1 : active raid5 sde[4](J) sdd[3](S) sdc[2](W) sdb[1](R) sda[0]\n"
      "      20953088 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/3] [UUU]\n"
      "\n"
      "unused devices: <none>\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& m = r->arrays.front().members;
  ASSERT_EQ(m.size(), 5u);
  EXPECT_TRUE(m[0].journal);
  EXPECT_TRUE(m[1].spare);
  EXPECT_TRUE(m[2].write_mostly);
  EXPECT_TRUE(m[3].replacement);
  EXPECT_FALSE(m[4].journal || m[4].spare || m[4].write_mostly || m[4].replacement || m[4].faulty);
}

}  // namespace
}  // namespace stackdr
