// The journal cannot lose an incident quietly: each kind of damage found by the hardening run
// (emptied, deleted, replaced by an older copy, pages overwritten) is refused with exit 64 and
// what to do, through the real binary; `--new-journal` sets the old files aside and goes on.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/local_host.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

CommandResult stackdr(Argv args) {
  return testing::run_stackdr(std::move(args));
}

struct StateDir {
  fs::path dir =
      fs::temp_directory_path() / ("stackdr-damage-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  StateDir() { fs::remove_all(dir); }
  ~StateDir() { fs::remove_all(dir); }
  fs::path db() const { return dir / "lab" / "stackdr.db"; }
  // One simulated incident, recovered: the journal then holds incident #n.
  void incident(const char* fault = "session-logout") const {
    auto r = stackdr({"recover", "--lab", "--fault", fault, "--yes", "--state-dir", dir.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  CommandResult list() const { return stackdr({"incident", "list", "--lab", "--state-dir", dir.string()}); }
};

void expect_refused(const CommandResult& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--new-journal"), std::string::npos) << r.err;
}

TEST(JournalDamage, AnEmptiedJournalIsRefused) {
  StateDir s;
  s.incident();
  fs::resize_file(s.db(), 0);
  fs::remove(s.db().string() + "-wal");
  expect_refused(s.list(), "is empty (0 bytes), but incident #1 was recorded");
  expect_refused(stackdr({"recover", "--lab", "--state-dir", s.dir.string()}), "is empty");
  EXPECT_EQ(fs::file_size(s.db()), 0u) << "a refused journal is not touched";
}

TEST(JournalDamage, ADeletedJournalIsRefused) {
  StateDir s;
  s.incident();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(s.db().string() + suffix);
  expect_refused(s.list(), "is missing, but incident #1 was recorded");
  expect_refused(stackdr({"recover", "--lab", "--state-dir", s.dir.string()}), "is missing");
  EXPECT_FALSE(fs::exists(s.db())) << "nothing was created in its place";
}

TEST(JournalDamage, AnOlderCopyIsRefusedAndTheBackupIsNamed) {
  StateDir s;
  s.incident();
  fs::path old = s.dir / "old.db";
  {
    auto r = stackdr({"incident", "list", "--lab", "--state-dir", s.dir.string()});  // checkpoint-free read
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // An older journal: the one before the second incident, as a restore of yesterday's copy.
  fs::copy_file(s.db(), old);
  if (fs::exists(s.db().string() + "-wal")) fs::copy_file(s.db().string() + "-wal", old.string() + "-wal");
  s.incident("lun-unmapped");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(s.db().string() + suffix);
  fs::copy_file(old, s.db());
  if (fs::exists(old.string() + "-wal")) fs::copy_file(old.string() + "-wal", s.db().string() + "-wal");
  auto r = s.list();
  expect_refused(r, "holds incidents up to #1, but #2 was recorded");
  EXPECT_NE(r.err.find("backups/stackdr-"), std::string::npos) << "the newest backup is named: " << r.err;
}

TEST(JournalDamage, OverwrittenPagesAreRefused) {
  StateDir s;
  s.incident();
  s.incident("lun-unmapped");
  // Move everything into the main file, then overwrite its pages after the header.
  ASSERT_EQ(s.list().exit_code, 0);
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(s.db().string() + suffix);
  auto size = fs::file_size(s.db());
  ASSERT_GT(size, 4096u);
  {
    std::fstream f(s.db(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1024);
    std::string junk(size - 1024, '\xa5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = s.list();
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("--new-journal"), std::string::npos) << r.err;
}

TEST(JournalDamage, NewJournalSetsTheOldFilesAsideAndGoesOn) {
  StateDir s;
  s.incident();
  fs::resize_file(s.db(), 0);
  auto r = stackdr({"recover", "--lab", "--fault", "session-logout", "--yes", "--new-journal", "--state-dir",
                    s.dir.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the old one is kept as"), std::string::npos) << r.err;
  bool kept = false;
  for (const auto& e : fs::directory_iterator(s.dir / "lab"))
    kept = kept || e.path().filename().string().rfind("stackdr.db.set-aside-", 0) == 0;
  EXPECT_TRUE(kept);
  EXPECT_EQ(s.list().exit_code, 0);
}

TEST(JournalDamage, BackupsAreKeptAndRotated) {
  StateDir s;
  for (int i = 0; i < 3; ++i) {
    s.incident();
    sleep(1);  // backups are named by the second
  }
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(s.dir / "lab" / "backups")) n += e.path().extension() == ".db";
  EXPECT_GE(n, 2u);
  EXPECT_LE(n, 5u);
}

}  // namespace
}  // namespace stackdr
