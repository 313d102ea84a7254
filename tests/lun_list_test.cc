// stackdr lun list: each LUN joined across the stack, on the simulated stack healthy and with
// its backstore deleted (the serial is gone, the member is faulty: both said, not guessed).

#include <gtest/gtest.h>

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
