// Incidents name their stack and site (a daemon of many stacks, an Alertmanager of many
// daemons): kept, sealed, and a journal from before the columns existed still reads, whether
// it is opened to write (migrated) or only to read (nothing written to it).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/incident_report.h"
#include "store/journal.h"
#include "store/journal_file.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("stackdr-jstack-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void sql(const fs::path& db, const std::string& statement) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(h, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

TEST(JournalStack, AnIncidentKeepsItsStackAndSiteUnderItsSeal) {
  fs::path dir = scratch("keep");
  std::vector<std::string> notes;
  {
    auto j = open_journal_file(dir.string(), {.write = true}, notes);
    ASSERT_TRUE(j) << j.error().message;
    (*j)->open_incident(10, "live", "fp", 1, "session-down", "root", "summary", nlohmann::json::array(),
                        "beta", "dc2");
    (*j)->open_incident(20, "live", "fp", 1, "session-down", "root", "summary", nlohmann::json::array());
  }
  auto j = Journal::open_readonly((dir / "stackdr.db").string());
  ASSERT_TRUE(j);
  auto one = (*j)->incident(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->stack, "beta");
  EXPECT_EQ(one->site, "dc2");
  EXPECT_EQ(incident_json(*one)["stack"], "beta");
  EXPECT_NE(incident_report_markdown(*one, {}).find("- **Stack:** beta (site dc2)"), std::string::npos);
  EXPECT_EQ((*j)->incident(2)->stack, "");
  j->reset();
  auto c = check_journal_file(dir.string());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->intact()) << c->broken;
  // The stack is sealed: moving an incident to another stack is a break, named.
  sql(dir / "stackdr.db", "UPDATE incidents SET stack = 'alpha' WHERE id = 1");
  auto moved = check_journal_file(dir.string());
  ASSERT_TRUE(moved);
  EXPECT_NE(moved->broken.find("incident #1"), std::string::npos) << moved->broken;
  fs::remove_all(dir);
}

TEST(JournalStack, AJournalFromBeforeStacksReadsAsItIsAndMigratesWhenWritten) {
  fs::path dir = scratch("old");
  std::vector<std::string> notes;
  {
    auto j = open_journal_file(dir.string(), {.write = true}, notes);
    ASSERT_TRUE(j);
    (*j)->open_incident(10, "live", "fp", 1, "session-down", "root", "summary", nlohmann::json::array());
  }
  // As an older stackdr left it: no stack or site column.
  sql(dir / "stackdr.db", "ALTER TABLE incidents DROP COLUMN stack; ALTER TABLE incidents DROP COLUMN site");
  auto before = fs::last_write_time(dir / "stackdr.db");
  {
    auto r = Journal::open_readonly((dir / "stackdr.db").string());
    ASSERT_TRUE(r);
    auto inc = (*r)->incident(1);
    ASSERT_TRUE(inc);
    EXPECT_EQ(inc->stack, "");
    EXPECT_EQ((*r)->recent_incidents(5).size(), 1u);
  }
  auto c = check_journal_file(dir.string());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->intact()) << c->broken;
  EXPECT_EQ(fs::last_write_time(dir / "stackdr.db"), before);  // a reader changed nothing
  {
    auto w = open_journal_file(dir.string(), {.write = true}, notes);
    ASSERT_TRUE(w) << w.error().message;
    (*w)->open_incident(20, "live", "fp", 1, "session-down", "root", "summary", nlohmann::json::array(),
                        "gamma");
    EXPECT_EQ((*w)->incident(2)->stack, "gamma");
  }
  auto after = check_journal_file(dir.string());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->intact()) << after->broken;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
