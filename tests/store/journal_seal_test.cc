// The journal's seals (store/journal_seal.cc): a byte changed anywhere in the database either
// changes nothing any view reads, or the journal is refused naming what broke — never a silent
// change. And a journal cut short, or written before seals, is handled as it says.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "store/journal.h"
#include "store/journal_file.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("stackdr-seal-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A journal as recoveries leave it: incidents open and closed, steps with argv, output and exit
// codes, a plan's JSON, serials.
void fill(const fs::path& dir) {
  std::vector<std::string> notes;
  auto j = open_journal_file(dir.string(), {.write = true}, notes);
  ASSERT_TRUE(j) << j.error().message;
  for (int n = 0; n < 4; ++n) {
    int id = (*j)->open_incident(1000.0 + n * 100.25, n % 2 ? "live" : "practice", "fp" + std::to_string(n),
                                 n + 1, "session-down", "iscsi/s01/test0" + std::to_string(n),
                                 "session s01 → target: the iSCSI session is down",
                                 nlohmann::json::array({{{"scenario", n + 1}, {"cause", "session-down"}}}));
    for (int k = 0; k < 12; ++k) {
      JournalEvent e;
      e.incident = id;
      e.at = 1000.0 + n * 100.25 + k * 1.5;
      e.kind = k % 3 == 0   ? EventKind::kStepStarted
               : k % 3 == 1 ? EventKind::kStepFinished
                            : EventKind::kPlanned;
      e.plan = k / 3;
      e.step = "iscsi.login." + std::to_string(k);
      e.host = "kvm";
      e.safety = "safe";
      e.argv = "iscsiadm -m node -T iqn.2003-01.org.linux-iscsi.storage:test02 -p 192.0.2.1:3260 --login";
      if (k % 3 == 1) e.exit_code = k % 2;
      e.output = "Logging in to [iface: default, target: iqn.2003-01.org.linux-iscsi.storage:test02]\n";
      e.detail = "login, step " + std::to_string(k);
      (*j)->add(e);
    }
    if (n < 3) (*j)->close_incident(id, 2000.0 + n, "resolved", "healthy again");
  }
  (*j)->remember_serial("test01", "7d1e3a34-0f3b-4a7e-9a55-1b0f4f7c2d10", 1500.0);
  (*j)->remember_serial("test02", "b3c6f1d2-8e2a-4c2f-8d6e-5a4e3f2b1c00", 1500.0);
}

// Everything incident list / show / report and recovery read of the journal.
std::string views(Journal& j) {
  std::string out;
  for (const auto& i : j.incidents()) {
    out += fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}\n", i.id, i.opened_at, i.closed_at.value_or(-1),
                       i.state, i.mode, i.fingerprint, i.scenario, i.cause, i.root, i.summary,
                       i.findings.dump(), i.outcome);
    for (const auto& e : j.events(i.id))
      out += fmt::format("  {}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}\n", e.id, e.incident, e.at,
                         event_kind_name(e.kind), e.plan, e.step, e.host, e.safety, e.argv,
                         e.exit_code.value_or(-99), e.output, e.detail);
  }
  for (const auto& [lun, serial] : j.serials()) out += lun + "=" + serial + "\n";
  return out;
}

TEST(JournalSeal, AFreshJournalIsIntactAndItsChainEndIsKeptBesideIt) {
  fs::path dir = scratch("fresh");
  fill(dir);
  auto c = check_journal_file(dir.string());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->sealed);
  EXPECT_TRUE(c->intact()) << c->broken;
  EXPECT_EQ(c->incidents, 4);
  EXPECT_EQ(c->events, 48);
  EXPECT_EQ(c->serials, 2);
  EXPECT_EQ(c->end.event, 48);
  auto mark = read_chain_mark((dir / "stackdr.db.incidents").string());
  ASSERT_TRUE(mark);  // written at the last close: event 36, the end of incident 3's events
  EXPECT_EQ(mark->event, 36);
  fs::remove_all(dir);
}

// Three daemons of a fleet share one state folder: one appends while another starts and checks
// the seals. The check reads one snapshot, so a journal being written to is intact at every
// moment (the fleet's chaos run saw "the chain's end says 376 events, the events are 374" and a
// daemon that refused to start, when the walk and the chain end were read at two moments).
TEST(JournalSeal, ACheckWhileAnotherProcessAppendsSeesOneMoment) {
  fs::path dir = scratch("concurrent");
  fill(dir);
  std::atomic<bool> stop = false;
  std::atomic<int> appended = 0;
  std::thread writer([&] {
    std::vector<std::string> notes;
    auto j = open_journal_file(dir.string(), {.write = true}, notes);
    if (!j) return;
    int id = (*j)->open_incident(3000.0, "practice", "fp-w", 1, "session-down", "iscsi/s01/test02",
                                 "written while checked", nlohmann::json::array());
    for (int k = 0; !stop && k < 20000; ++k) {
      JournalEvent e;
      e.incident = id;
      e.at = 3000.0 + k;
      e.kind = EventKind::kStepStarted;
      e.step = "md.re-add";
      e.detail = "append " + std::to_string(k);
      (*j)->add(e);
      ++appended;
    }
  });
  while (appended < 5) std::this_thread::yield();
  int checks = 0;
  std::string broken;
  for (; checks < 300 && broken.empty(); ++checks) {
    auto c = check_journal_file(dir.string());
    ASSERT_TRUE(c) << c.error().message;
    if (!c->intact()) broken = c->broken;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(broken, "") << "after " << checks << " checks, " << appended << " events appended";
  EXPECT_GT(appended, 5);
  fs::remove_all(dir);
}

// Two processes writing to one journal (a fleet's daemons, the CLI beside the daemon) each write
// the high-water file after their own commit, so two writes meet, in either order. Neither
// fails for the other's, a reader never sees the file half written, and what it claims only
// moves forward (an older claim written last would protect less).
TEST(JournalSeal, TwoWritersOfTheHighWaterFileAtOnce) {
  fs::path dir = scratch("two-writers");
  std::string path = (dir / "stackdr.db.incidents").string();
  write_high_water(path, 1, {1, "seal-1"});
  std::atomic<int> done = 0;
  std::mutex mu;
  std::string first_error;
  auto writer = [&](int from) {
    for (int n = from; n < 4000; n += 2) {
      try {
        write_high_water(path, n, {n, "seal-" + std::to_string(n)});
      } catch (const std::exception& e) {
        std::lock_guard l(mu);
        if (first_error.empty()) first_error = e.what();
      }
    }
    ++done;
  };
  std::thread a(writer, 2), b(writer, 3);
  std::string seen;
  while (done < 2 && seen.empty()) {
    auto count = read_high_water(path);
    auto mark = read_chain_mark(path);
    if (!count || *count <= 0 || !mark || mark->seal != "seal-" + std::to_string(mark->event))
      seen =
          "the file read as: " + std::string(std::istreambuf_iterator<char>(std::ifstream(path).rdbuf()), {});
  }
  a.join();
  b.join();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(seen, "");
  EXPECT_EQ(read_high_water(path), 3999);
  auto mark = read_chain_mark(path);
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->event, 3999);
  EXPECT_EQ(mark->seal, "seal-3999");
  fs::remove_all(dir);
}

// 200 random bytes of the database flipped, one at a time, each in a fresh copy.
TEST(JournalSeal, ARandomByteFlipIsHarmlessOrNamedNeverSilent) {
  fs::path dir = scratch("flips");
  fill(dir);
  std::string baseline;
  {
    std::vector<std::string> notes;
    auto j = open_journal_file(dir.string(), {.write = false}, notes);
    ASSERT_TRUE(j) << j.error().message;
    baseline = views(**j);
  }
  std::ifstream in(dir / "stackdr.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(fs::exists(dir / "stackdr.db-wal") && fs::file_size(dir / "stackdr.db-wal") > 0);
  std::mt19937 rng(20261206);
  int refused = 0, harmless = 0, silent = 0;
  fs::path trial = dir / "trial";
  for (int t = 0; t < 200; ++t) {
    fs::remove_all(trial);
    fs::create_directories(trial);
    fs::copy_file(dir / "stackdr.db.incidents", trial / "stackdr.db.incidents");
    std::string b = bytes;
    size_t at = rng() % b.size();
    b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
    std::ofstream(trial / "stackdr.db", std::ios::binary) << b;
    std::vector<std::string> notes;
    auto j = open_journal_file(trial.string(), {.write = false}, notes);
    if (!j) {
      ++refused;
      continue;
    }
    std::string now;
    try {
      now = views(**j);
    } catch (const JournalError&) {
      ++refused;  // a read that fails says so (exit 74), it shows nothing changed
      continue;
    }
    if (now == baseline) {
      ++harmless;
    } else {
      ++silent;
      ADD_FAILURE() << "byte " << at << " changed what the views show, and nothing said so";
    }
  }
  EXPECT_EQ(silent, 0);
  std::cout << "[ seals ] 200 byte flips: " << refused << " refused naming what broke, " << harmless
            << " changed nothing any view reads, " << silent << " silent changes\n";
  fs::remove_all(dir);
}

TEST(JournalSeal, AnEventChangedRemovedOrCutOffIsNamed) {
  fs::path dir = scratch("edits");
  fill(dir);
  auto edit = [&](const std::string& sql) {
    fs::path t = dir / "edit";
    fs::remove_all(t);
    fs::create_directories(t);
    fs::copy_file(dir / "stackdr.db", t / "stackdr.db");
    fs::copy_file(dir / "stackdr.db.incidents", t / "stackdr.db.incidents");
    // As someone with the sqlite3 shell would change it: plain SQL, no seals recomputed.
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((t / "stackdr.db").string().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
    auto c = check_journal_file(t.string());
    return c ? c->broken : c.error().message;
  };
  EXPECT_NE(edit("UPDATE events SET exit_code = 7 WHERE id = 5").find("event 5 (incident #1"),
            std::string::npos);
  EXPECT_NE(edit("DELETE FROM events WHERE id = 20").find("event 21"), std::string::npos);
  EXPECT_NE(edit("DELETE FROM events WHERE id > 30").find("cut short"), std::string::npos);
  EXPECT_NE(edit("DELETE FROM events WHERE id = 48").find("chain's end"), std::string::npos);
  EXPECT_NE(edit("UPDATE known_serials SET serial = 'x' WHERE lun = 'test02'").find("LUN test02"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
