// stackdr maintain: the runbook's maintenance tasks on the practice stack — a scrub waited for
// with its result journaled, md's check with its mismatch count, SMART self-tests started, the
// configuration backed up with rotation, drills — the skip rules, and the schedule.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "operate/config_backup.h"
#include "sim_fixture.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

// A practice stack, and one task's row of `maintain --schedule --json` on it.
struct Practice : testing::PracticeDir {
  Practice() : PracticeDir("maintain") {}
  nlohmann::json task(const std::string& name) {
    auto j = nlohmann::json::parse(run({"maintain", "--schedule", "--json"}).out);
    for (const auto& t : j["tasks"])
      if (t["task"] == name) return t;
    return {};
  }
};

TEST(Maintain, ScrubAndCheckAreWaitedForAndTheirResultsJournaledThenNotDue) {
  Practice p;
  EXPECT_TRUE(p.task("scrub")["due"].get<bool>());
  auto scrub = p.run({"maintain", "scrub"});
  ASSERT_EQ(scrub.exit_code, 0) << scrub.out << scrub.err;
  EXPECT_NE(scrub.out.find("ETA"), std::string::npos);  // progress with an ETA
  EXPECT_NE(scrub.out.find("done: scrub pool storage — scrub repaired 0B"), std::string::npos) << scrub.out;
  auto check = p.run({"maintain", "md-check"});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("md1: mismatch_cnt 0"), std::string::npos) << check.out;
  auto s = p.task("scrub");
  EXPECT_FALSE(s["due"].get<bool>());
  EXPECT_NE(s["last_outcome"].get<std::string>().find("with 0 errors"), std::string::npos) << s.dump();
  auto list = p.run({"incident", "list", "--tasks"});
  EXPECT_NE(list.out.find("maintain-scrub"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("maintain-md-check"), std::string::npos) << list.out;
}

TEST(Maintain, NothingHeavyStartsOnADegradedStackOrBesideAnOpenIncident) {
  Practice p;
  ASSERT_EQ(testing::run_stackdr({"lab", "inject", "session-logout", "--state-dir", p.sd}).exit_code, 0);
  for (const char* task : {"scrub", "md-check", "smart"}) {
    auto r = p.run({"maintain", task});
    EXPECT_EQ(r.exit_code, 2) << task;
    EXPECT_NE(r.out.find("skipped " + std::string(task) + ": array md1 is degraded"), std::string::npos)
        << r.out;
  }
  EXPECT_EQ(p.task("scrub")["skip"], "array md1 is degraded");
  // The light tasks still run: a backup is most wanted when things break.
  EXPECT_EQ(p.run({"maintain", "config-backup"}).exit_code, 0);
  EXPECT_EQ(p.task("config-backup")["skip"], "");
}

TEST(Maintain, ConfigBackupKeepsEachFileAndRotatesOldRuns) {
  testing::SimStack s;
  HostLookup lookup = s.lookup();
  fs::path root = fs::temp_directory_path() / ("stackdr-backup-" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (int i = 0; i < 3; ++i) {
    auto b = backup_config(s.topology, lookup, root.string(), 1796000000.0 + i * 86400, 2);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_TRUE(b->missing.empty()) << b->missing[0];
    EXPECT_EQ(b->saved.size(), 3u);  // saveconfig.json, mdadm.conf, topology
    EXPECT_NE(testing::read_file(fs::path(b->dir) / "storage.saveconfig.json").find("storage_objects"),
              std::string::npos);
    if (i == 2) {
      EXPECT_EQ(b->removed.size(), 1u);
    }
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 2);
  fs::remove_all(root);
}

}  // namespace
}  // namespace stackdr
