// stackdr lun list: each LUN joined across the stack, on the simulated stack healthy and with
// its backstore deleted (the serial is gone, the member is faulty: both said, not guessed).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace stackdr {
namespace {

nlohmann::json row(const nlohmann::json& doc, const std::string& name) {
  for (const auto& r : doc["luns"])
    if (r["name"] == name) return r;
  return {};
}

TEST(LunList, JoinsZvolBackstoreTargetSessionDiskArrayAndVm) {
  auto r = testing::run_stackdr({"lun", "list", "--lab", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["luns"].size(), 3u);
  auto t2 = row(j, "test02");
  EXPECT_EQ(t2["zvol"], "storage/iscsi-test02");
  EXPECT_EQ(t2["backstore"], "block/test02");
  EXPECT_EQ(t2["device"], "/dev/zvol/storage/iscsi-test02");
  EXPECT_FALSE(t2["serial"].get<std::string>().empty());
  EXPECT_EQ(t2["target"], "iqn.2003-01.org.linux-iscsi.storage:test02");
  EXPECT_EQ(t2["acls"].size(), 1u);
  EXPECT_EQ(t2["session"].get<std::string>().find("LOGGED_IN") != std::string::npos, true);
  EXPECT_EQ(t2["disk"], "sdc");
  EXPECT_EQ(t2["array"], "md1");
  EXPECT_EQ(t2["role"], "1");
  EXPECT_EQ(t2["vm_disk"], "sjm-explore vdb (via md1)");
  EXPECT_EQ(row(j, "lun01")["vm_disk"], "sjm-explore vda");
}

TEST(LunList, ADeletedBackstoreShowsAbsentAndItsMemberFaulty) {
  auto r = testing::run_stackdr({"lun", "list", "--lab", "--fault", "backstore-deleted", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t2 = row(nlohmann::json::parse(r.out), "test02");
  EXPECT_EQ(t2["device"], "absent");
  EXPECT_EQ(t2["serial"], "");
  EXPECT_EQ(t2["role"], "faulty");
  EXPECT_EQ(t2["health"], "FAILED");
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

using testing::PracticeDir;

TEST(LunOps, CreateShowsInTheListJoinedToItsSerialAndTargetAndRunTwiceChangesNothing) {
  PracticeDir p("lun");
  auto dry = p.run({"lun", "create", "data03", "--size", "1G", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("zfs create -V 1073741824 -o volblocksize=16K -o volmode=dev -o stackdr:lun=data03 "
                         "storage/iscsi-data03"),
            std::string::npos)
      << dry.out;
  EXPECT_EQ(dry.out.find("already holds"), std::string::npos) << dry.out;  // every step is still to do
  auto made = p.run({"lun", "create", "data03", "--size", "1G", "--yes"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  auto list = p.run({"lun", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0);
  auto r = row(nlohmann::json::parse(list.out), "data03");
  EXPECT_EQ(r["in_topology"], false);
  EXPECT_EQ(r["backstore"], "block/data03");
  EXPECT_EQ(r["device"], "/dev/zvol/storage/iscsi-data03");
  EXPECT_EQ(r["volsize"], "1073741824");
  EXPECT_EQ(r["target"], "iqn.2003-01.org.linux-iscsi.storage:data03");
  EXPECT_EQ(r["serial"].get<std::string>().size(), 36u);
  EXPECT_EQ(r["acls"].size(), 1u);
  auto again = p.run({"lun", "create", "data03", "--size", "1G", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
  auto other = p.run({"lun", "create", "data03", "--size", "2G", "--yes"});
  EXPECT_EQ(other.exit_code, 2) << other.out;  // exists with another size: said, not changed
}

// Typed names are argv words: the same rules as the topology's names, refused before anything runs.
TEST(LunOps, HostileNamesAreRefusedBeforeAnythingRuns) {
  PracticeDir p("lun");
  for (Argv a :
       {Argv{"lun", "create", "-rf", "--size", "1G"}, Argv{"lun", "create", "a b", "--size", "1G"},
        Argv{"lun", "create", "Data", "--size", "1G"},
        Argv{"lun", "create", "x1", "--size", "1G", "--target", "iqn.2003-01.org.x:a b"},
        Argv{"lun", "create", "x1", "--size", "1G", "--target", "-o"},
        Argv{"lun", "create", "x1", "--size", "1G", "--zvol", "storage/a;b"},
        Argv{"lun", "create", "x1", "--size", "1G", "--zvol", "other/x1"},
        Argv{"lun", "create", "x1", "--size", "1.5G"}, Argv{"lun", "resize", "nosuch", "--size", "1G"}}) {
    auto r = p.run(a);
    EXPECT_EQ(r.exit_code, 64) << describe_argv(a) << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("incident"), std::string::npos)
        << describe_argv(a);  // nothing journaled, nothing run
  }
  auto list = nlohmann::json::parse(p.run({"lun", "list", "--json"}).out);
  EXPECT_EQ(list["luns"].size(), 3u);
}

TEST(LunOps, RemovingAnArrayMemberIsRefusedWithWhy) {
  PracticeDir p("lun");
  auto r = p.run({"lun", "remove", "test01", "--yes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("member of array md1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("logged in"), std::string::npos) << r.err;
  auto list = p.run({"lun", "list", "--json"});
  EXPECT_EQ(row(nlohmann::json::parse(list.out), "test01")["role"], "0");  // nothing was touched
}

TEST(LunOps, RemoveHoldsTheZvolAndResizeOnlyGrows) {
  PracticeDir p("lun");
  ASSERT_EQ(p.run({"lun", "create", "data04", "--size", "512M", "--yes"}).exit_code, 0);
  EXPECT_EQ(p.run({"lun", "resize", "data04", "--size", "256M"}).exit_code, 2);
  auto grown = p.run({"lun", "resize", "data04", "--size", "1G"});
  EXPECT_EQ(grown.exit_code, 0) << grown.err;
  EXPECT_EQ(row(nlohmann::json::parse(p.run({"lun", "list", "--json"}).out), "data04")["volsize"],
            "1073741824");
  auto declined = p.run({"lun", "remove", "data04"});  // disruptive, and nobody to ask
  EXPECT_EQ(declined.exit_code, 3) << declined.err;
  // The declined task's incident stays open to be continued; recovery does not take it over.
  auto rec = p.run({"recover", "--yes"});
  EXPECT_EQ(rec.exit_code, 4) << rec.out << rec.err;
  EXPECT_NE((rec.out + rec.err).find("is an interrupted task"), std::string::npos) << rec.out << rec.err;
  auto removed = p.run({"lun", "remove", "data04", "--yes"});
  ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;
  EXPECT_NE(removed.out.find("zfs rename -p storage/iscsi-data04 storage/stackdr-removed/data04-"),
            std::string::npos);
  EXPECT_EQ(removed.out.find("zfs destroy"), std::string::npos);
  EXPECT_TRUE(row(nlohmann::json::parse(p.run({"lun", "list", "--json"}).out), "data04").is_null());
}

}  // namespace
}  // namespace stackdr
