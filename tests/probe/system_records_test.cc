// The parsers of the maintenance tasks' reads: `journalctl -o json` (log-review) and OpenZFS's
// arcstats (arc), on well-formed input and on input that is not what they expect.

#include <gtest/gtest.h>

#include <fstream>

#include "probe/arcstats.h"
#include "probe/dmesg_raw.h"
#include "probe/journal_json.h"
#include "support/paths.h"

namespace stackdr {
namespace {

TEST(JournalJson, EntriesWithTheirTimeLevelUnitAndMessage) {
  auto f = parse_journal_json(
      R"J({"__REALTIME_TIMESTAMP":"1733500000123456","PRIORITY":"3","_SYSTEMD_UNIT":"iscsid.service","SYSLOG_IDENTIFIER":"iscsid","MESSAGE":"Kernel reported iSCSI connection 1:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed) state (3)"})J"
      "\n"
      R"J({"__REALTIME_TIMESTAMP":"1733500001000000","PRIORITY":"4","SYSLOG_IDENTIFIER":"kernel","MESSAGE":[109,100,58,32,255]})J"
      "\n"
      R"J({"__REALTIME_TIMESTAMP":"1733500002000000","SYSLOG_IDENTIFIER":"kernel","MESSAGE":null})J"
      "\n");
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->entries.size(), 3u);
  EXPECT_DOUBLE_EQ(f->entries[0].at, 1733500000.123456);
  EXPECT_EQ(f->entries[0].priority, 3);
  EXPECT_EQ(f->entries[0].unit, "iscsid.service");
  EXPECT_NE(f->entries[0].message.find("ISCSI_ERR_TCP_CONN_CLOSE"), std::string::npos);
  EXPECT_EQ(f->entries[1].message, std::string("md: \xff")) << "a message that is not UTF-8 comes as bytes";
  EXPECT_EQ(f->entries[2].priority, 6) << "no PRIORITY is info";
  EXPECT_NE(f->entries[2].message.find("too large"), std::string::npos);
  EXPECT_TRUE(f->warnings.empty());
}

TEST(JournalJson, NoEntriesIsEmptyAndOtherTextIsAnError) {
  auto none = parse_journal_json("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->entries.empty());
  auto quiet = parse_journal_json("-- No entries --\n");
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->entries.empty());
  auto text = parse_journal_json("Dec 06 21:00:01 storage kernel: md: md1 stopped.\n", "journalctl -k");
  ASSERT_FALSE(text) << "short output is not a quiet journal";
  EXPECT_NE(text.error().message.find("journalctl -k:1"), std::string::npos) << text.error().message;
  auto mixed = parse_journal_json(R"J({"__REALTIME_TIMESTAMP":"1","MESSAGE":"a"})J"
                                  "\n{broken\n"
                                  R"J({"MESSAGE":"no time"})J"
                                  "\n");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->entries.size(), 1u);
  EXPECT_EQ(mixed->warnings.size(), 2u) << "a line that is not an entry is said, not dropped";
}

TEST(Arcstats, TheCountersByNameAndTheTypedOnes) {
  auto a = parse_arcstats(
      "13 1 0x01 147 39984 3604461522 1212398137383\n"
      "name                            type data\n"
      "hits                            4    1523466\n"
      "misses                          4    61321\n"
      "c                               4    201326592\n"
      "c_max                           4    201326592\n"
      "size                            4    104857600\n"
      "memory_available_bytes          3    -1234\n"
      "arc_meta_max                    4    18446744073709551615\n");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->hits(), 1523466u);
  EXPECT_EQ(a->misses(), 61321u);
  EXPECT_EQ(a->size(), 104857600u);
  EXPECT_EQ(a->ceiling(), 201326592u);
  EXPECT_EQ(a->get("memory_available_bytes"), 0u) << "a negative signed counter is kept as 0";
  EXPECT_EQ(a->get("arc_meta_max"), 18446744073709551615u);
  EXPECT_TRUE(a->warnings.empty());
}

// The lab's storage server (OpenZFS 2.1.11, zfs_arc_max 192 MiB), read by m-maintain.
TEST(Arcstats, TheLabsRealArcstatsParseWhole) {
  std::ifstream f(stackdr::testing::tests_dir() + "/lab_captures/2026-12-06/arcstats.storage.txt");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  auto a = parse_arcstats(text, "arcstats.storage.txt");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->warnings.empty()) << a->warnings.front().text;
  EXPECT_EQ(a->counters.size(), 123u);  // every row of the kstat (its header says 123)
  EXPECT_EQ(a->ceiling(), 201326592u);
  EXPECT_EQ(a->hits(), 21745u);
  EXPECT_EQ(a->misses(), 3u);
  EXPECT_EQ(a->size(), 203749216u);
}

TEST(Arcstats, OtherInputIsAnErrorOrAWarning) {
  EXPECT_FALSE(parse_arcstats(""));
  EXPECT_FALSE(parse_arcstats("cat: /proc/spl/kstat/zfs/arcstats: No such file or directory\n"));
  auto a = parse_arcstats("name type data\nhits 4 12x\nsize 4\nmisses 4 3\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->warnings.size(), 2u);
  EXPECT_FALSE(a->hits());
  EXPECT_EQ(a->misses(), 3u);
}

TEST(DmesgRaw, RecordsWithTheirLevelAndTimeAndTheirSecondLines) {
  auto f = parse_dmesg_raw(
      "<6>[    0.000000] Linux version 6.1.0-50-amd64\n"
      "<11>[  200.683897] md: super_written gets error=-5\n"
      "<2>[  201.500000] md/raid1:md1: Disk failure on sdb, disabling device.\n"
      "               md/raid1:md1: Operation continuing on 1 devices.\n"
      "garbage\n");
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->records.size(), 3u);
  EXPECT_EQ(f->records[1].priority, 3) << "facility 1 (user) level 3: the level is kept";
  EXPECT_DOUBLE_EQ(f->records[1].since_boot, 200.683897);
  EXPECT_EQ(f->records[2].message,
            "md/raid1:md1: Disk failure on sdb, disabling device.\nmd/raid1:md1: Operation continuing on 1 "
            "devices.");
  EXPECT_EQ(f->warnings.size(), 1u);
  EXPECT_FALSE(parse_dmesg_raw("[  200.683897] md: no level\n")) << "plain dmesg is not --raw";
  EXPECT_EQ(boot_time("cpu  1 2\nbtime 1733500000\nprocesses 5\n"), 1733500000.0);
  EXPECT_FALSE(boot_time("cpu 1 2\n"));
}

}  // namespace
}  // namespace stackdr
