// The journal cannot lose an incident quietly: each kind of damage found by the hardening run
// (emptied, deleted, replaced by an older copy, pages overwritten) is refused with exit 64 and
// what to do, through the real binary; `--new-journal` sets the old files aside and goes on.
// The refusal's two commands, pasted as printed, work: `journal restore` puts the newest backup
// in place (checked first: a broken one changes nothing), `journal set-aside` starts anew; and
// neither runs under a stackdr that has the journal open.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/local_host.h"
#include "store/journal_file.h"
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
  EXPECT_NE(r.err.find("`stackdr journal set-aside --lab --state-dir /"), std::string::npos) << r.err;
}

// The command a refusal offers between backquotes, starting with `stackdr WORDS`, as argv (the
// state directories here hold no character a shell would need quoted).
Argv offered(const std::string& err, const std::string& words) {
  size_t at = err.find("`stackdr " + words);
  if (at == std::string::npos) return {};
  size_t end = err.find('`', at + 1);
  Argv argv;
  std::istringstream in(err.substr(at + 9, end - at - 9));
  for (std::string w; in >> w;) argv.push_back(w);
  return argv;
}

// One event's words changed outside stackdr: its seal no longer matches.
void tamper(const fs::path& db) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "UPDATE events SET detail = 'changed' WHERE id = (SELECT MAX(id) FROM events)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(h);
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
  EXPECT_NE(r.err.find("the newest backup (stackdr-"), std::string::npos)
      << "the newest backup is named: " << r.err;
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
  EXPECT_NE(r.err.find("journal set-aside"), std::string::npos) << r.err;
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

// The refusal's first way on, pasted as printed: the newest backup (taken when the second run
// opened the journal, so it holds incident #1) is checked and put in place, the broken journal
// kept beside it, and the journal is used again — not refused again for the incident recorded
// after the backup, which the restore names.
TEST(JournalDamage, TheRefusalsRestorePutsTheNewestBackupInPlace) {
  StateDir s;
  s.incident();
  s.incident("lun-unmapped");
  tamper(s.db());
  auto refused = s.list();
  expect_refused(refused, "does not match its seals");
  EXPECT_EQ(offered(refused.err, "journal verify"),
            (Argv{"journal", "verify", "--lab", "--state-dir", s.dir.string()}))
      << refused.err;
  Argv restore = offered(refused.err, "journal restore");
  ASSERT_EQ(restore, (Argv{"journal", "restore", "--lab", "--state-dir", s.dir.string()})) << refused.err;
  auto r = stackdr(restore);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 incidents"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("incident #2 was recorded after it and is not in it"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kept as " + s.db().string() + ".set-aside-"), std::string::npos) << r.out;
  auto listed = s.list();
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("session-down"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("lun-missing"), std::string::npos) << listed.out;
  s.incident("lun-unmapped");  // and written to again: the next incident is #2 once more
  EXPECT_EQ(stackdr({"journal", "verify", "--lab", "--state-dir", s.dir.string()}).exit_code, 0);
}

// A backup whose seals do not hold is not restored, and nothing is changed.
TEST(JournalDamage, ABrokenBackupIsNotRestoredAndNothingChanges) {
  StateDir s;
  s.incident();
  s.incident("lun-unmapped");
  std::vector<fs::path> backups;
  for (const auto& e : fs::directory_iterator(s.dir / "lab" / "backups")) backups.push_back(e.path());
  ASSERT_FALSE(backups.empty());
  for (const auto& b : backups) tamper(b);
  auto before = fs::file_size(s.db());
  auto r = stackdr({"journal", "restore", "--lab", "--state-dir", s.dir.string()});
  EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
  EXPECT_NE(r.err.find("does not match its seals"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(fs::file_size(s.db()), before);
  EXPECT_EQ(s.list().exit_code, 0) << "the journal is where it was";
  EXPECT_EQ(stackdr({"journal", "restore", "--lab", "--state-dir", s.dir.string(), "--backup",
                     (s.dir / "no-such.db").string()})
                .exit_code,
            64)
      << "a backup that is not there";
}

// The second way on, and the guard both share: neither sets a journal aside under a stackdr
// that has it open (a daemon would go on writing into the file set aside).
TEST(JournalDamage, SetAsideStartsAnewButNotUnderARunningStackdr) {
  StateDir s;
  s.incident();
  {
    std::vector<std::string> notes;
    auto open = open_journal_file((s.dir / "lab").string(), {.write = true}, notes);
    ASSERT_TRUE(open) << open.error().message;
    for (Argv verb : {Argv{"journal", "set-aside"}, Argv{"journal", "restore"}}) {
      verb.insert(verb.end(), {"--lab", "--state-dir", s.dir.string()});
      auto r = stackdr(verb);
      EXPECT_EQ(r.exit_code, 64) << verb[1] << ": " << r.out << r.err;
      EXPECT_NE(r.err.find("open in a running stackdr"), std::string::npos) << r.err;
    }
    EXPECT_TRUE(fs::exists(s.db()));
  }
  auto r = stackdr({"journal", "set-aside", "--lab", "--state-dir", s.dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("set aside as " + s.db().string() + ".set-aside-"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(s.db()));
  auto listed = s.list();
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  s.incident();
  EXPECT_EQ(stackdr({"journal", "verify", "--lab", "--state-dir", s.dir.string()}).exit_code, 0);
}

// --resume reads the journal to find what to continue; one it cannot read proves nothing, so
// it is said, not taken for "nothing to resume" (exit 0, which a script would read as done).
TEST(JournalDamage, ResumeOnAJournalItCannotReadSaysSo) {
  StateDir s;
  std::string dir = s.dir.string();
  ASSERT_EQ(stackdr({"lab", "init", "--state-dir", dir}).exit_code, 0);
  ASSERT_EQ(stackdr({"lab", "inject", "session-logout", "--state-dir", dir}).exit_code, 0);
  auto first = stackdr({"recover", "--lab", "--yes", "--state-dir", dir});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  tamper(s.db());
  auto r = stackdr({"recover", "--lab", "--resume", "--yes", "--state-dir", dir});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing was run: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not match its seals"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("nothing to resume"), std::string::npos) << r.out;
}

// The maintenance schedule is the journal's record of past runs and open incidents: a journal
// it cannot read would show every task as never run and none held back by an open incident.
TEST(JournalDamage, TheMaintenanceScheduleOnAJournalItCannotReadSaysSo) {
  StateDir s;
  std::string dir = s.dir.string();
  s.incident();
  auto before = stackdr({"maintain", "--schedule", "--lab", "--state-dir", dir});
  ASSERT_EQ(before.exit_code, 0) << before.out << before.err;
  tamper(s.db());
  auto r = stackdr({"maintain", "--schedule", "--lab", "--state-dir", dir});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing was shown: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not match its seals"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("`stackdr journal restore --lab --state-dir "), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("never"), std::string::npos) << r.out;
  // A dry run still shows its plan (it changes nothing), and says what it cannot tell.
  auto d = stackdr({"maintain", "scrub", "--dry-run", "--lab", "--state-dir", dir});
  EXPECT_NE(d.out.find("cannot tell whether it would be skipped now"), std::string::npos) << d.out << d.err;
}

}  // namespace
}  // namespace stackdr
