// ReadIndex: "why was this not read?" answered from the sweep's records by host, first record
// first, failed reads only where a failure is asked for.

#include "model/read_index.h"

#include <gtest/gtest.h>

namespace stackdr {
namespace {

Observation with_reads() {
  Observation o;
  o.sources = {{"kvm", "ping -c 1 127.0.0.1", true, "", 1},
               {"kvm", "ping -c 1 127.0.0.2", false, "exit 1: 100% packet loss", 1},
               {"kvm", "ping -c 1 127.0.0.3", false, "exit 2: unknown host", 1},
               {"kvm", "mdadm --examine /dev/sdb", false, "exit 1: cannot open", 1},
               {"storage", "mdadm --examine /dev/sdb", true, "", 1},
               {"kvm", "/proc/mdstat", true, "", 1},
               {"kvm", "/proc/mdstat.old", false, "gone", 1}};
  return o;
}

TEST(ReadIndex, FailedIsExactAndPerHost) {
  Observation o = with_reads();
  ReadIndex r(o);
  ASSERT_NE(r.failed("kvm", "mdadm --examine /dev/sdb"), nullptr);
  EXPECT_EQ(r.failed("kvm", "mdadm --examine /dev/sdb")->error, "exit 1: cannot open");
  EXPECT_EQ(r.failed("storage", "mdadm --examine /dev/sdb"), nullptr);  // read there
  EXPECT_EQ(r.failed("kvm", "mdadm --examine /dev/sd"), nullptr);       // not a prefix match
  EXPECT_EQ(r.failed("kvm", "/proc/mdstat"), nullptr);                  // read fine
  EXPECT_EQ(r.failed("nowhere", "/proc/mdstat"), nullptr);
}

TEST(ReadIndex, FailedNamingGivesTheFirstFailureEveryTime) {
  Observation o = with_reads();
  ReadIndex r(o);
  for (int i = 0; i < 2; ++i) {  // the second answer comes from the memo: same record
    const SourceRecord* p = r.failed_naming("kvm", "ping");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->source, "ping -c 1 127.0.0.2");
  }
  EXPECT_EQ(r.failed_naming("storage", "ping"), nullptr);
  EXPECT_EQ(r.failed_naming("kvm", "virsh"), nullptr);
}

TEST(ReadIndex, AnyStartingPrefersTheWholeSource) {
  Observation o = with_reads();
  ReadIndex r(o);
  ASSERT_NE(r.any_starting("kvm", "/proc/mdstat"), nullptr);
  EXPECT_TRUE(r.any_starting("kvm", "/proc/mdstat")->ok);
  ASSERT_NE(r.any_starting("kvm", "/proc/mdstat.o"), nullptr);
  EXPECT_EQ(r.any_starting("kvm", "/proc/mdstat.o")->source, "/proc/mdstat.old");
  EXPECT_EQ(r.any_starting("kvm", "/sys"), nullptr);
}

}  // namespace
}  // namespace stackdr
