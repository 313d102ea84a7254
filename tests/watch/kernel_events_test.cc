// The daemon's event rules (watch/kernel_events): which kernel records, ZFS events and libvirt
// events wake a sweep, and the follower protocol every far host's events arrive in.

#include "watch/kernel_events.h"

#include <gtest/gtest.h>

#include <string>

namespace stackdr {
namespace {

TEST(KernelEvents, ZfsEventsAboutThePoolMatterAndItsHistoryDoesNot) {
  EXPECT_TRUE(zfs_event_matters("Nov 30 2026 08:00:03.000000003 ereport.fs.zfs.io"));
  EXPECT_TRUE(zfs_event_matters("Nov 30 2026 08:00:03.000000003\tresource.fs.zfs.statechange"));
  EXPECT_TRUE(zfs_event_matters("Nov 30 2026 08:00:03.000000003 sysevent.fs.zfs.resilver_start"));
  EXPECT_FALSE(zfs_event_matters("Nov 30 2026 08:00:03.000000003 sysevent.fs.zfs.history_event"));
  EXPECT_FALSE(zfs_event_matters("Nov 30 2026 08:00:03.000000003 sysevent.fs.zfs.config_sync"));
  EXPECT_FALSE(zfs_event_matters("TIME                           CLASS"));
}

TEST(KernelEvents, LibvirtEventsAboutAVmMatter) {
  // As virsh 9.0 prints them (`virsh event --all --loop`).
  EXPECT_TRUE(virsh_event_matters("event 'lifecycle' for domain 'vm1': Suspended I/O Error"));
  EXPECT_TRUE(virsh_event_matters("event 'io-error' for domain 'vm1': /dev/md1 (ua-sda) pause"));
  EXPECT_TRUE(virsh_event_matters("event 'device-removed' for domain 'vm1': scsi0-0-0-0"));
  EXPECT_FALSE(virsh_event_matters("event 'reboot' for domain 'vm1'"));
  EXPECT_FALSE(virsh_event_matters("events received: 3"));
  EXPECT_FALSE(virsh_event_matters(""));
}

TEST(KernelEvents, KernelRecordsAboutTheStackOrAtWarningMatter) {
  EXPECT_TRUE(kernel_record_matters(6, "md/raid1:md1: Disk failure on sdb, disabling device."));
  EXPECT_TRUE(kernel_record_matters(6, " connection1:0: detected conn error (1020)"));
  EXPECT_TRUE(
      kernel_record_matters(3, "EXT4-fs error (device sda): ext4_find_entry:1659: reading directory"));
  EXPECT_TRUE(kernel_record_matters(4, "usb 1-1: device descriptor read/64, error -71"));  // warning or worse
  EXPECT_FALSE(kernel_record_matters(6, "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex"));
}

TEST(KernelEvents, AKmsgRecordGivesItsLevelAndFirstLine) {
  int level = -1;
  std::string_view msg;
  ASSERT_TRUE(parse_kmsg_record("3,1234,5678901,-;md/raid1:md1: Disk failure on sdb\n SUBSYSTEM=block\n",
                                level, msg));
  EXPECT_EQ(level, 3);
  EXPECT_EQ(msg, "md/raid1:md1: Disk failure on sdb");
  ASSERT_TRUE(parse_kmsg_record("30,7,1,-;systemd[1]: Started x", level, msg));  // facility 3, level 6
  EXPECT_EQ(level, 6);
  EXPECT_FALSE(parse_kmsg_record("no separators at all", level, msg));
  EXPECT_FALSE(parse_kmsg_record("x;y,z", level, msg));         // the comma after the semicolon
  EXPECT_FALSE(parse_kmsg_record("-1,2,3,-;msg", level, msg));  // a negative priority
}

// Each kind of follower line, as RemoteFollower prints it: what wakes a sweep, what ends.
// An md event carries what /proc/mdstat showed on the far side, escaped onto one line.
TEST(KernelEvents, AnMdEventCarriesTheFarMdstat) {
  FollowerLine f = parse_follower_line(
      "mdstat Personalities : [raid1] \\nmd1 : active raid1 sdb[1](F) sda[0]\\n      523264 blocks super 1.2 "
      "[2/1] [U_]\\n\\nunused devices: <none>\\n");
  EXPECT_EQ(f.wakes, "mdstat");
  EXPECT_EQ(
      f.mdstat,
      "Personalities : [raid1] \nmd1 : active raid1 sdb[1](F) sda[0]\n      523264 blocks super 1.2 [2/1] "
      "[U_]\n\nunused devices: <none>\n");
  EXPECT_EQ(parse_follower_line("mdstat a\\\\b\\").mdstat,
            "a\\b\\");                                  // an escaped backslash; one left at the end
  EXPECT_EQ(parse_follower_line("mdstat").mdstat, "");  // too large to carry: read again
}

TEST(KernelEvents, TheFollowerProtocolLineByLine) {
  struct Case {
    const char* line;
    const char* wakes;
    const char* ended;
  };
  for (const Case& c : {
           Case{"mdstat", "mdstat", ""},
           Case{"kmsg 3 md/raid1:md1: Disk failure on sdb, disabling device.", "kmsg", ""},
           Case{"kmsg 6  connection1:0: detected conn error (1020)", "kmsg", ""},
           Case{"kmsg 6 e1000e: eth0 NIC Link is Up", "", ""},    // information about nothing of ours
           Case{"kmsg x md/raid1:md1: not a level", "kmsg", ""},  // read as debug; md still matters
           Case{"kmsg", "", ""},
           Case{"zpool Dec  6 2026 17:02:11.123456789 ereport.fs.zfs.io", "zpool", ""},
           Case{"zpool Dec  6 2026 17:02:11.2 sysevent.fs.zfs.history_event", "", ""},
           Case{"virsh event 'lifecycle' for domain 'vm1': Suspended I/O Error", "virsh", ""},
           Case{"virsh event 'reboot' for domain 'vm1'", "", ""},
           Case{"zpool-ended", "", "zpool"},
           Case{"virsh-ended", "", "virsh"},
           Case{"", "", ""},
           Case{"mdstat trailing", "mdstat",
                ""},  // the file's text, here not md's: the first look finds nothing
           Case{"MDSTAT", "", ""},
       }) {
    FollowerLine f = parse_follower_line(c.line);
    EXPECT_EQ(f.wakes, c.wakes) << c.line;
    EXPECT_EQ(f.ended, c.ended) << c.line;
  }
}

// A virsh line that wakes a sweep carries libvirt's words on, for the VM's first look; one
// that does not carries nothing.
TEST(KernelEvents, AVirshLineCarriesLibvirtsEvent) {
  EXPECT_EQ(parse_follower_line("virsh event 'lifecycle' for domain 'vm1': Suspended I/O Error").virsh,
            "event 'lifecycle' for domain 'vm1': Suspended I/O Error");
  EXPECT_EQ(parse_follower_line("virsh event 'reboot' for domain 'vm1'").virsh, "");
  EXPECT_EQ(parse_follower_line("kmsg 3 md/raid1:md1: Disk failure on sdb, disabling device.").virsh, "");
}

}  // namespace
}  // namespace stackdr
