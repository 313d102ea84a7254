// The practice stack keeps its state between stackdr processes: reopened, it is the stack it
// was (every rendering the same), a tape cut by a crash loses only its cut line, a damaged one
// is refused with its line. And the test it exists for: a real `stackdr recover` killed with
// SIGKILL inside every step of every plan, then `recover --resume`, ends healthy, loses no
// data and runs no state-changing command more often than an uninterrupted recovery does.

#include "sim/practice_stack.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "host/local_host.h"
#include "recover/executor.h"
#include "recover/recover_text.h"
#include "sim/faults.h"
#include "sim/renderers.h"
#include "sim/sim_stack.h"
#include "test_support.h"

extern char** environ;

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path scratch(const std::string& what) {
  fs::path d =
      fs::temp_directory_path() / ("stackdr-practice-" + std::to_string(::getpid()) + "-" + what + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  return d;
}

// Everything the stack's hosts would show, as one text: two stacks that print the same are the
// same for stackdr.
std::string everything(const sim::SimState& s) {
  std::string out = sim::render_mdstat(s) + sim::render_lsblk_json(s) + sim::render_targetcli_ls(s) +
                    sim::render_iscsiadm_session(s, 3).out + sim::render_zpool_status(s, "").out +
                    sim::ctime_string(s.now);
  for (const auto& h : s.topology.hosts) out += sim::render_dmesg(s, h.name);
  return out;
}

TEST(PracticeStack, ReopenedAfterARecoveryItIsTheSameStack) {
  fs::path dir = scratch("reopen");
  auto p = sim::PracticeStack::create(dir, stackdr::testing::default_config(), 0);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE((*p)->inject("session-logout"));
  std::map<std::string, std::unique_ptr<Host>> hosts;
  for (const auto& h : (*p)->topology().hosts) hosts[h.name] = (*p)->host(h.name);
  HostLookup lookup = [&](const std::string& n) { return hosts.count(n) ? hosts[n].get() : nullptr; };
  auto journal = Journal::open(":memory:");
  ASSERT_TRUE(journal);
  auto clock = (*p)->clock();
  std::ostringstream log;
  RecoverOptions o;
  o.policy.yes = true;
  RecoverText text(log);
  Executor ex((*p)->topology(), lookup, *clock, **journal, text);
  ASSERT_EQ(ex.run(o).exit, 0) << log.str();
  ASSERT_TRUE(sim::arrays_in_sync(*(*p)->state()));
  std::string before = everything(*(*p)->state());
  size_t tape = (*p)->tape().size();
  EXPECT_GE(tape, 5u);  // made, the fault, the login, the remove and re-add at least

  auto again = sim::PracticeStack::open(dir);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->tape().size(), tape);
  EXPECT_EQ(everything(*(*again)->state()), before);
  EXPECT_TRUE((*again)->notes().empty());

  // Reset: healthy again, the tape down to how it was made.
  ASSERT_TRUE((*again)->reset());
  EXPECT_EQ((*again)->tape().size(), 1u);
  auto fresh = sim::build_sim_state((*again)->topology());
  EXPECT_EQ(everything(*(*again)->state()), everything(fresh));
  fs::remove_all(dir);
}

TEST(PracticeStack, ALineCutByACrashIsDroppedAndSaid) {
  fs::path dir = scratch("cut");
  {
    auto p = sim::PracticeStack::create(dir, stackdr::testing::default_config(), 0);
    ASSERT_TRUE(p);
    ASSERT_TRUE((*p)->inject("vm-disk-detached"));
  }
  std::ofstream(dir / "tape.jsonl", std::ios::app) << R"({"kind":"fault","fault":"session-lo)";
  auto p = sim::PracticeStack::open(dir);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->tape().size(), 2u);
  ASSERT_EQ((*p)->notes().size(), 1u);
  EXPECT_NE((*p)->notes()[0].find("cut short"), std::string::npos);
  // The file itself ends at the last whole line, so the next record starts a line of its own.
  ASSERT_TRUE((*p)->inject("session-logout"));
  auto q = sim::PracticeStack::open(dir);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ((*q)->tape().size(), 3u);
  fs::remove_all(dir);
}

TEST(PracticeStack, ADamagedTapeIsRefusedWithItsLine) {
  fs::path dir = scratch("damaged");
  {
    auto p = sim::PracticeStack::create(dir, stackdr::testing::default_config(), 0);
    ASSERT_TRUE(p);
  }
  auto with_line = [&](const std::string& line) {
    auto p = sim::PracticeStack::open(dir);
    ASSERT_TRUE(p);
    ASSERT_TRUE((*p)->reset());
    std::ofstream(dir / "tape.jsonl", std::ios::app) << line << "\n";
  };
  struct Case {
    std::string line, says;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", "not a JSON object"},
           {R"({"kind":"fault","fault":"no-such-fault"})", "unknown fault"},
           {R"({"kind":"command","host":"nowhere","argv":["mdadm","--stop","/dev/md1"]})",
            "not in the topology"},
           // A read changes nothing: the tape is not what this stack recorded.
           {R"({"kind":"command","host":"s01","argv":["cat","/proc/mdstat"]})", "does not change"},
           {R"({"kind":"time","seconds":-5})", "whole number"},
           {R"({"kind":"made","pace_ms":0})", "first line"},
       }) {
    with_line(c.line);
    auto p = sim::PracticeStack::open(dir);
    ASSERT_FALSE(p) << c.line;
    EXPECT_NE(p.error().message.find("tape.jsonl:2: "), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find(c.says), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find("lab reset"), std::string::npos) << p.error().message;
    // Put it right for the next case.
    std::string text = testing::read_file(dir / "tape.jsonl");
    std::ofstream(dir / "tape.jsonl", std::ios::trunc) << text.substr(0, text.find('\n') + 1);
  }
  fs::remove_all(dir);
}

// ---- through the real binary ----

CommandResult stackdr(Argv args) {
  return testing::run_stackdr(std::move(args), 300s);
}

// Counts a journal's rows while another process writes it (WAL: readers do not block it).
class JournalPeek {
 public:
  explicit JournalPeek(const fs::path& db) {
    if (sqlite3_open_v2(db.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) db_ = nullptr;
    if (db_) sqlite3_busy_timeout(db_, 1000);
  }
  ~JournalPeek() { sqlite3_close(db_); }
  std::vector<std::string> texts(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    if (!db_ || sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return out;
  }
  int count(const std::string& sql) {
    if (!db_) return -1;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return -1;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
};

// The state-changing commands on the tape, "host: argv" in order. A snapshot's name carries
// its incident's number, which differs from run to run: it is compared without it.
std::vector<std::string> tape_commands(const fs::path& state) {
  static const std::regex incident_no("@stackdr-incident-[0-9]+");
  std::vector<std::string> out;
  std::ifstream in(state / "lab" / "practice" / "tape.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "command")
      out.push_back(
          std::regex_replace(j["host"].get<std::string>() + ": " + describe_argv(j["argv"].get<Argv>()),
                             incident_no, "@stackdr-incident-N"));
  }
  return out;
}

pid_t spawn(const Argv& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// What the kill runs found, over all plans (each plan runs in a thread of its own).
struct KillTally {
  std::atomic<int> plans{0}, kills{0}, before_effect{0}, after_effect{0}, harmless_reruns{0},
      resumed_healthy{0};
};

// One fault's plan on a practice stack of its own: the uninterrupted recovery first, then one
// killed run per step (20 ms after it started: before its effect) and per change (the instant
// it is on the tape: after its effect, before the journal says it finished), each resumed.
void kill_every_step(const std::string& fault, const fs::path& state, int pace_ms, KillTally& tally) {
  std::string sd = state.string();
  ASSERT_EQ(stackdr({"lab", "init", "--state-dir", sd, "--pace", std::to_string(pace_ms)}).exit_code, 0);
  fs::path db = state / "lab" / "stackdr.db";
  // --allow-data-loss: a full rebuild overwrites the member's copy (destructive, snapshot first).
  Argv recover = {stackdr::testing::stackdr_binary(),
                  "recover",
                  "--lab",
                  "--yes",
                  "--allow-data-loss",
                  "--state-dir",
                  sd};
  // A run on the healthy stack first: the journal learns the LUNs' serials, as every run
  // before a fault would have let it (a backstore is then recreated with its old serial).
  ASSERT_EQ(stackdr(Argv(recover.begin() + 1, recover.end())).exit_code, 0);
  ASSERT_EQ(stackdr({"lab", "inject", fault, "--state-dir", sd}).exit_code, 0);
  auto base = stackdr(Argv(recover.begin() + 1, recover.end()));
  if (base.exit_code != 0) return;  // needs an operator (the network is not restored): nothing to resume
  ++tally.plans;
  std::vector<std::string> baseline = tape_commands(state);
  std::map<std::string, int> allowed;
  for (const auto& c : baseline) ++allowed[c];
  int steps, changes = static_cast<int>(baseline.size());
  {
    JournalPeek peek(db);
    steps = peek.count(
        "SELECT count(*) FROM events WHERE kind='step-started' AND incident=(SELECT max(id) FROM incidents)");
  }
  ASSERT_GT(steps, 0) << fault;
  struct Point {
    bool after_change;
    int n;
  };
  std::vector<Point> points;
  for (int k = 1; k <= steps; ++k) points.push_back({false, k});
  for (int j = 1; j <= changes; ++j) points.push_back({true, j});
  for (const Point& pt : points) {
    std::string where = fault + (pt.after_change ? " change " : " step ") + std::to_string(pt.n);
    ASSERT_EQ(stackdr({"lab", "reset", "--state-dir", sd}).exit_code, 0) << where;
    ASSERT_EQ(stackdr({"lab", "inject", fault, "--state-dir", sd}).exit_code, 0) << where;
    size_t tape0 = tape_commands(state).size();
    int last_incident;
    {
      JournalPeek peek(db);
      last_incident = peek.count("SELECT coalesce(max(id),0) FROM incidents");
    }
    std::string mine = " AND incident>" + std::to_string(last_incident);
    pid_t pid = spawn(recover);
    ASSERT_GT(pid, 0);
    bool fired = false;
    {
      JournalPeek peek(db);
      for (int i = 0; i < 20000 && !fired; ++i) {
        if (pt.after_change
                ? tape_commands(state).size() >= tape0 + static_cast<size_t>(pt.n)
                : peek.count("SELECT count(*) FROM events WHERE kind='step-started'" + mine) >= pt.n) {
          if (!pt.after_change) std::this_thread::sleep_for(20ms);
          ::kill(pid, SIGKILL);
          fired = true;
        } else {
          int st = 0;
          if (::waitpid(pid, &st, WNOHANG) == pid) {
            pid = -1;  // finished before the point was reached (a wait step ended at once)
            break;
          }
          std::this_thread::sleep_for(1ms);
        }
      }
    }
    int st = 0;
    if (pid > 0) {
      ::waitpid(pid, &st, 0);
      ASSERT_TRUE(fired) << where << ": the kill point never came";
    }
    if (pid > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {  // else it ended within the 20 ms
      ++tally.kills;
      // Inside a command step (started, not finished), before or after its change reached
      // the stack: the tape holds one change more than the journal's finished commands.
      JournalPeek peek(db);
      int started = peek.count("SELECT count(*) FROM events WHERE kind='step-started' AND argv!=''" + mine);
      int finished = peek.count("SELECT count(*) FROM events WHERE kind='step-finished'" + mine);
      int changed = static_cast<int>(tape_commands(state).size() - tape0);
      if (started > finished && changed == finished) ++tally.before_effect;
      if (started > finished && changed > finished) ++tally.after_effect;
    }
    auto r = stackdr({"recover", "--lab", "--resume", "--yes", "--allow-data-loss", "--state-dir", sd});
    EXPECT_EQ(r.exit_code, 0) << where << "\n" << r.out << r.err;
    auto status = stackdr({"status", "--lab", "--state-dir", sd});
    EXPECT_EQ(status.exit_code, 0) << where << "\n" << status.out;
    auto show = stackdr({"lab", "show", "--json", "--state-dir", sd});
    auto j = nlohmann::json::parse(show.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << show.out << show.err;
    EXPECT_TRUE(j["data_loss"].empty()) << where << ": " << j["data_loss"].dump();
    EXPECT_TRUE(j["arrays_in_sync"].get<bool>()) << where;
    std::vector<std::string> run = tape_commands(state);
    run.erase(run.begin(), run.begin() + static_cast<long>(tape0));
    std::map<std::string, int> ran;
    for (const auto& c : run) ++ran[c];
    // A command may run more often than uninterrupted only where its plan said running it
    // again is harmless (Step::rerun_safe), and the journal kept that plan.
    std::set<std::string> rerun_safe;
    {
      JournalPeek peek(db);
      for (const auto& plan : peek.texts("SELECT output FROM events WHERE kind='planned'")) {
        auto pj = nlohmann::json::parse(plan, nullptr, false);
        if (!pj.is_object()) continue;
        for (const auto& step : pj["steps"])
          if (!step.value("rerun_safe", "").empty())
            rerun_safe.insert(step.value("host", "") + ": " + describe_argv(step.value("argv", Argv{})));
      }
    }
    for (const auto& [cmd, n] : ran) {
      if (n <= allowed[cmd]) continue;
      EXPECT_TRUE(n == allowed[cmd] + 1 && rerun_safe.count(cmd))
          << where << ": `" << cmd << "` ran " << n << " times; uninterrupted " << allowed[cmd];
      ++tally.harmless_reruns;
    }
    if (r.exit_code == 0 && status.exit_code == 0) ++tally.resumed_healthy;
  }
}

TEST(PracticeStack, RecoverKilledInsideEveryStepResumesToHealthyRunningNoStepTwice) {
  const int kPaceMs = 120;  // each step: 60 ms, its effect, 60 ms
  KillTally tally;
  std::vector<fs::path> dirs;
  std::vector<std::thread> runs;
  for (const auto& f : sim::fault_catalog()) dirs.push_back(scratch("kill-" + f.name));
  for (size_t i = 0; i < dirs.size(); ++i)
    runs.emplace_back([&, i] { kill_every_step(sim::fault_catalog()[i].name, dirs[i], kPaceMs, tally); });
  for (auto& t : runs) t.join();
  // Every plan but the one that needs an operator, and the kills landed where they were meant.
  EXPECT_GE(tally.plans.load(), static_cast<int>(sim::fault_catalog().size()) - 1);
  EXPECT_GE(tally.kills.load(), 40);
  EXPECT_GE(tally.before_effect.load(), 15) << "kills inside a step before its effect";
  EXPECT_GE(tally.after_effect.load(), 15) << "kills after a step's effect, before it was journaled finished";
  std::cout << "[ practice ] " << tally.plans << " plans, " << tally.kills << " kills ("
            << tally.before_effect << " inside a step before its effect, " << tally.after_effect
            << " after it, unjournaled), " << tally.resumed_healthy << " resumed to healthy; "
            << tally.harmless_reruns << " re-runs of steps harmless twice\n";
  for (const auto& d : dirs) fs::remove_all(d);
}

}  // namespace
}  // namespace stackdr
