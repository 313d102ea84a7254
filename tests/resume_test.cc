// Crash and resume: for every fault, the recovery is killed at every step boundary (before a
// step, after its "started" record is on disk but before it ran, after it ran but before its
// "finished" record, and after that), the journal is closed as a dying process leaves it, and
// `recover --resume` on the same stack (the machines outlive stackdr) must end healthy with
// every action run as often as in an uninterrupted recovery: none skipped, and none done twice
// except a step whose plan says running it again is harmless (Step::rerun_safe) — after a
// crash between its effect and its record, nothing else can tell that it ran.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "recovery_support.h"
#include "store/host_lock.h"

namespace stackdr {
namespace {

using testing::Recovery;

std::string temp_dir(const std::string& name) {
  auto d =
      std::filesystem::temp_directory_path() / ("stackdr-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

class CrashAtEveryBoundary : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashAtEveryBoundary, ResumeEndsHealthyWithNoStepDoneTwice) {
  // The uninterrupted recovery: its boundaries and its actions.
  std::vector<std::string> boundaries;
  std::vector<std::string> want;
  std::set<std::string> harmless_twice;  // "host: argv" of the plans' rerun_safe steps
  auto note_harmless = [&](int, const Plan& p, const View&) {
    for (const auto& st : p.steps)
      if (!st.rerun_safe.empty()) harmless_twice.insert(st.host + ": " + describe_argv(st.argv));
  };
  {
    Recovery rc;
    rc.fault(GetParam());
    auto o = Recovery::drill_policy();
    o.planned = note_harmless;
    o.boundary = [&](const std::string& b) { boundaries.push_back(b); };
    ASSERT_EQ(rc.run(o).exit, kRecovered) << rc.out.str();
    want = rc.actions();
  }
  ASSERT_FALSE(boundaries.empty());
  RecordProperty("crash_points", static_cast<int>(boundaries.size()));
  std::string dir = temp_dir("resume");
  int acted_crashes = 0;
  for (size_t k = 0; k < boundaries.size(); ++k) {
    std::string db = dir + "/crash" + std::to_string(k) + ".db";
    Recovery rc(db);
    rc.fault(GetParam());
    auto o = Recovery::drill_policy();
    size_t seen = 0;
    o.boundary = [&](const std::string& b) {
      if (seen++ == k) throw CrashInjected{b};
    };
    bool crashed = false;
    try {
      rc.run(o);
    } catch (const CrashInjected&) {
      crashed = true;
    }
    ASSERT_TRUE(crashed) << boundaries[k];
    rc.reopen(db);  // a new process: only what reached the disk remains
    auto r = Recovery::drill_policy();
    r.resume = true;
    r.planned = note_harmless;
    RecoverOutcome out = rc.run(r);
    EXPECT_EQ(out.exit, kRecovered) << "crash at " << boundaries[k] << ": " << out.message << "\n"
                                    << rc.out.str();
    EXPECT_TRUE(rc.healthy()) << "crash at " << boundaries[k];
    EXPECT_TRUE(rc.s.state->data_loss.empty());
    std::map<std::string, int> wanted, got;
    for (const auto& a : want) ++wanted[a];
    for (const auto& a : rc.actions()) ++got[a];
    for (const auto& [a, n] : wanted)
      EXPECT_GE(got[a], n) << "skipped after a crash at " << boundaries[k] << ": " << a;
    for (const auto& [a, n] : got) {
      if (n == wanted[a]) continue;
      EXPECT_TRUE(n == wanted[a] + 1 && harmless_twice.count(a))
          << "crash at " << boundaries[k] << ": `" << a << "` ran " << n << " times, uninterrupted "
          << wanted[a] << "\n"
          << rc.out.str();
    }
    if (boundaries[k].rfind("acted:", 0) == 0) ++acted_crashes;
  }
  EXPECT_GT(acted_crashes, 0);  // the crash between a command's effect and its record was tried
  std::filesystem::remove_all(dir);
}

std::vector<std::string> fault_names() {
  std::vector<std::string> n;
  for (const auto& f : sim::fault_catalog()) n.push_back(f.name);
  return n;
}

INSTANTIATE_TEST_SUITE_P(Catalog, CrashAtEveryBoundary, ::testing::ValuesIn(fault_names()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (auto& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

// A rerun beside an interrupted incident continues it (with --resume's checks), never opening a
// second one; --resume continues it the same way.
TEST(Resume, ARerunBesideAnInterruptedIncidentContinuesIt) {
  std::string dir = temp_dir("open");
  Recovery rc(dir + "/j.db");
  rc.fault("session-logout");
  auto o = Recovery::drill_policy();
  o.boundary = [](const std::string& b) {
    if (b.rfind("after:", 0) == 0) throw CrashInjected{b};
  };
  EXPECT_THROW(rc.run(o), CrashInjected);
  rc.reopen(dir + "/j.db");
  RecoverOutcome again = rc.run(Recovery::drill_policy());
  EXPECT_EQ(again.exit, kRecovered) << again.message;
  EXPECT_EQ(again.incident, 1);
  EXPECT_NE(rc.out.str().find("resuming incident 1"), std::string::npos) << rc.out.str();
  EXPECT_EQ(rc.journal->incidents().size(), 1u);
  std::filesystem::remove_all(dir);
}

// A step with no check, interrupted between its effect and its record, is run again only when
// its plan says that is harmless. A journal whose plan does not say so (written by an older
// stackdr) stops for an operator instead of guessing.
TEST(Resume, AnInterruptedStepNothingShowsRunsAgainOnlyIfHarmlessTwice) {
  for (bool harmless : {true, false}) {
    std::string dir = temp_dir(harmless ? "rerun-safe" : "rerun-unknown");
    std::string db = dir + "/j.db";
    Recovery rc(db);
    rc.fault("lun-unmapped");
    auto o = Recovery::drill_policy();
    o.boundary = [](const std::string& b) {
      if (b == "acted:lio.saveconfig") throw CrashInjected{b};
    };
    EXPECT_THROW(rc.run(o), CrashInjected);
    auto saves = [&] {
      auto a = rc.actions();
      return std::count(a.begin(), a.end(), "storage: targetcli saveconfig");
    };
    ASSERT_EQ(saves(), 1);
    rc.journal.reset();
    if (!harmless) {
      sqlite3* h = nullptr;
      ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
      ASSERT_EQ(sqlite3_exec(h,
                             "UPDATE events SET output = replace(output, '\"rerun_safe\":\"it saves the same "
                             "running configuration again\"', '\"rerun_safe\":\"\"') WHERE kind = 'planned'",
                             nullptr, nullptr, nullptr),
                SQLITE_OK);
      EXPECT_EQ(sqlite3_changes(h), 1);
      sqlite3_close(h);
    }
    rc.reopen(db);
    auto r = Recovery::drill_policy();
    r.resume = true;
    RecoverOutcome out = rc.run(r);
    if (harmless) {
      EXPECT_EQ(out.exit, kRecovered) << out.message << rc.out.str();
      EXPECT_EQ(saves(), 2);
      EXPECT_NE(rc.out.str().find("running it again is harmless"), std::string::npos) << rc.out.str();
    } else {
      EXPECT_EQ(out.exit, kNeedsOperator) << rc.out.str();
      EXPECT_NE(out.message.find("not safe to run twice"), std::string::npos) << out.message;
      EXPECT_EQ(saves(), 1);
    }
    std::filesystem::remove_all(dir);
  }
}

// --resume continues only an incident of its own mode and topology: a live run never
// continues what a simulated run opened, nor one opened with another stackdr.yaml.
TEST(Resume, RefusesAnIncidentOfAnotherModeOrTopology) {
  Recovery rc;
  rc.fault("session-logout");
  int lab = rc.journal->open_incident(1.0, "lab", topology_fingerprint(rc.s.topology), 1, "session-down",
                                      "root", "opened by a simulated run", nlohmann::json::array());
  auto o = Recovery::drill_policy();
  o.resume = true;
  o.fingerprint = topology_fingerprint(rc.s.topology);
  RecoverOutcome r = rc.run(o);
  EXPECT_EQ(r.exit, kRefused);
  EXPECT_NE(r.message.find("lab"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("incident close"), std::string::npos) << r.message;
  EXPECT_TRUE(rc.actions().empty());
  rc.journal->close_incident(lab, 2.0, "closed", "test");
  rc.journal->open_incident(3.0, "live", "0123456789abcdef", 1, "session-down", "root", "another topology",
                            nlohmann::json::array());
  r = rc.run(o);
  EXPECT_EQ(r.exit, kRefused);
  EXPECT_NE(r.message.find("another topology"), std::string::npos) << r.message;
  EXPECT_TRUE(rc.actions().empty());
}

TEST(Journal, AnIncidentNeverClosesBeforeItOpened) {
  auto j = Journal::open(":memory:");
  ASSERT_TRUE(j);
  int id =
      (*j)->open_incident(100.0, "live", "", 1, "session-down", "root", "summary", nlohmann::json::array());
  (*j)->close_incident(id, 5.0, "resolved", "a clock from another run");
  EXPECT_GE(*(*j)->incident(id)->closed_at, 100.0);
}

TEST(Journal, IsWalAndSurvivesReopening) {
  std::string dir = temp_dir("wal");
  {
    auto j = Journal::open(dir + "/j.db");
    ASSERT_TRUE(j);
    EXPECT_EQ((*j)->journal_mode(), "wal");
    int id =
        (*j)->open_incident(1.0, "lab", "", 1, "session-down", "root", "summary", nlohmann::json::array());
    (*j)->add({0, id, 2.0, EventKind::kStepStarted, 1, "s", "h", "safe", "argv", std::nullopt, "", ""});
  }
  auto j = Journal::open(dir + "/j.db");
  ASSERT_TRUE(j);
  ASSERT_EQ((*j)->incidents().size(), 1u);
  EXPECT_EQ((*j)->events(1).size(), 1u);
  EXPECT_TRUE((*j)->latest_open());
  std::filesystem::remove_all(dir);
}

TEST(Journal, NotAJournalIsAClearError) {
  std::string dir = temp_dir("bad");
  std::string path = dir + "/j.db";
  {
    std::ofstream f(path);
    f << "this is not sqlite\n";
  }
  auto j = Journal::open(path);
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(HostLock, ASecondRecoveryOnTheSameHostIsRefused) {
  std::string dir = temp_dir("lock");
  bool held = false;
  auto first = HostLock::acquire(dir, "s01", held);
  ASSERT_TRUE(first);
  auto second = HostLock::acquire(dir, "s01", held);
  ASSERT_FALSE(second);
  EXPECT_TRUE(held);
  EXPECT_NE(second.error().message.find("another recovery is running on host s01"), std::string::npos);
  EXPECT_TRUE(HostLock::acquire(dir, "storage", held)) << "other hosts are free";
  first->reset();
  EXPECT_TRUE(HostLock::acquire(dir, "s01", held)) << "released when the holder goes away";
  std::filesystem::remove_all(dir);
}

TEST(HostLock, ALockThatCannotBeMadeIsAnErrorNotLocked) {
  // A "directory" that is a file: nothing can be made under it, not even as root.
  std::string dir = temp_dir("lock-under-file");
  std::ofstream(dir + "/file") << "not a directory";
  bool held = true;
  auto l = HostLock::acquire(dir + "/file/state", "s01", held);
  ASSERT_FALSE(l);
  EXPECT_FALSE(held);
  EXPECT_NE(l.error().message.find("cannot create the recovery lock"), std::string::npos)
      << l.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// A journal written before incidents had a topology fingerprint opens, gains the column, and
// its incidents read back (empty fingerprint); a read-only open creates nothing and writes
// nothing.
TEST(Journal, AnOlderJournalIsMigratedAndReadOnlyOpensWriteNothing) {
  auto dir = std::filesystem::temp_directory_path() / ("stackdr-test-migrate-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "stackdr.db").string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* old_schema =
        "CREATE TABLE incidents (id INTEGER PRIMARY KEY, opened_at REAL NOT NULL, closed_at REAL, state TEXT "
        "NOT NULL, mode TEXT NOT NULL, scenario INTEGER NOT NULL, cause TEXT NOT NULL, root TEXT NOT NULL, "
        "summary TEXT NOT NULL, findings TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT '');"
        "INSERT INTO incidents(opened_at, state, mode, scenario, cause, root, summary, findings) "
        "VALUES(1.0, 'stopped', 'live', 1, 'session-down', 'r', 'an old incident', '[]');";
    ASSERT_EQ(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto ro = Journal::open_readonly(path);
  ASSERT_TRUE(ro) << ro.error().message;
  EXPECT_FALSE(Journal::open_readonly((dir / "none.db").string())) << "read-only open creates nothing";
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
  ro->reset();
  auto j = Journal::open(path);
  ASSERT_TRUE(j) << j.error().message;
  auto open = (*j)->latest_open();
  ASSERT_TRUE(open);
  EXPECT_EQ(open->summary, "an old incident");
  EXPECT_EQ(open->fingerprint, "");
  int id = (*j)->open_incident(2.0, "live", "abc", 1, "session-down", "r", "new", nlohmann::json::array());
  EXPECT_EQ((*j)->incident(id)->fingerprint, "abc");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
