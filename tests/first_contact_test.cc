// Safe on first contact (issue 21): no default reaches a machine, --resume never starts new
// work, every hint a practice session prints names the practice stack, and a full rebuild
// checks the copy it keeps before it overwrites the other.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "recovery_support.h"
#include "test_support.h"
#include "util/text.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using testing::run_stackdr;

std::string temp(const std::string& what) {
  fs::path d = fs::temp_directory_path() / ("stackdr-first-" + what + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

TEST(FirstContact, WithoutATopologyEveryVerbThatReadsTheStackStops) {
  ASSERT_FALSE(fs::exists("/etc/stackdr/stackdr.yaml"))
      << "this test needs a machine with no installed topology";
  for (const Argv& a : std::vector<Argv>{{"status"},
                                         {"diagnose", "--json"},
                                         {"recover", "--dry-run"},
                                         {"recover", "--resume"},
                                         {"lint"},
                                         {"lun", "list"},
                                         {"maintain", "--schedule"},
                                         {"collect"},
                                         {"watch", "--listen", "127.0.0.1:0"}}) {
    auto r = run_stackdr(a, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 64) << describe_argv(a) << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("no topology"), std::string::npos) << describe_argv(a) << "\n" << r.err;
    EXPECT_NE(r.err.find("stackdr status --config FILE"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("stackdr init --storage"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("stackdr lab init"), std::string::npos) << r.err;
  }
  // The simulated stack needs none: it uses the built-in example, which reaches nothing.
  auto lab = run_stackdr({"status", "--lab"});
  EXPECT_EQ(lab.exit_code, 0) << lab.err;
  EXPECT_NE(lab.out.find("the example topology (built in)"), std::string::npos) << lab.out;
}

TEST(FirstContact, ATopologyThatIsNotAFileIsRefusedByName) {
  std::string d = temp("notfile");
  std::string fifo = d + "/fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& p : {fifo, std::string("/dev/zero")}) {
    auto r = run_stackdr({"status", "--config", p}, std::chrono::seconds(10));
    EXPECT_EQ(r.exit_code, 64) << p << r.err;
    EXPECT_NE(r.err.find(p + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not a file"), std::string::npos) << r.err;
  }
  // A folder is a topology folder (stacks.d): the FIFO in it is refused by its name too.
  auto folder = run_stackdr({"status", "--config", d}, std::chrono::seconds(10));
  EXPECT_EQ(folder.exit_code, 64) << folder.err;
  EXPECT_NE(folder.err.find(fifo + ": "), std::string::npos) << folder.err;
  EXPECT_NE(folder.err.find("not a file"), std::string::npos) << folder.err;
  std::ofstream(d + "/two.yaml") << testing::read_file(stackdr::testing::default_config())
                                 << "---\nhosts: {}\n";
  auto two = run_stackdr({"status", "--lab", "--config", d + "/two.yaml"});
  EXPECT_EQ(two.exit_code, 64);
  EXPECT_NE(two.err.find("two.yaml:85: a second YAML document"), std::string::npos) << two.err;
  fs::remove_all(d);
}

// A live --resume with nothing unfinished runs nothing; beside an unfinished practice incident
// it names that incident and the command that resumes it, and refuses.
TEST(FirstContact, ResumeOnlyResumes) {
  std::string d = temp("resume");
  // A "live" topology whose hosts are local with a PATH of nothing: had anything run, it
  // would have failed and been journaled.
  std::ofstream(d + "/live.yaml") << testing::read_file(testing::kLabConfig);
  auto none =
      run_stackdr({"recover", "--resume", "--yes", "--config", d + "/live.yaml", "--state-dir", d, "--json"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  auto j = nlohmann::json::parse(none.out);
  EXPECT_NE(j["message"].get<std::string>().find("nothing to resume"), std::string::npos) << none.out;
  EXPECT_TRUE(j["steps"].empty());
  EXPECT_FALSE(fs::exists(d + "/stackdr.db")) << "a resume with nothing to resume created a journal";

  ASSERT_EQ(run_stackdr({"lab", "init", "--state-dir", d}).exit_code, 0);
  ASSERT_EQ(run_stackdr({"lab", "inject", "target-service-stopped", "--state-dir", d}).exit_code, 0);
  auto declined = run_stackdr({"recover", "--lab", "--state-dir", d});  // no terminal: declines
  EXPECT_EQ(declined.exit_code, 3) << declined.out << declined.err;
  // The decline names the one command that continues, on this practice stack.
  EXPECT_NE(declined.out.find("`stackdr recover --resume --yes --lab --state-dir " + d + "` continues"),
            std::string::npos)
      << declined.out;
  auto live = run_stackdr({"recover", "--resume", "--yes", "--config", d + "/live.yaml", "--state-dir", d});
  EXPECT_EQ(live.exit_code, 64) << live.out << live.err;
  EXPECT_NE(live.err.find("unfinished in the practice journal"), std::string::npos) << live.err;
  EXPECT_NE(live.err.find("`stackdr recover --resume --lab --state-dir " + d + "`"), std::string::npos)
      << live.err;
  EXPECT_FALSE(fs::exists(d + "/stackdr.db")) << "the live journal was written";
  // The command the decline named does continue it.
  auto cont = run_stackdr({"recover", "--resume", "--yes", "--lab", "--state-dir", d});
  EXPECT_EQ(cont.exit_code, 0) << cont.out << cont.err;
  EXPECT_NE(cont.out.find("resuming incident 1"), std::string::npos) << cont.out;
  fs::remove_all(d);
}

// Every command a practice session prints for the operator, run as printed, acts on the
// practice stack: none reaches the live journal or a live host.
TEST(FirstContact, EveryHintOfAPracticeSessionStaysOnThePracticeStack) {
  std::string d = temp("hints");
  std::string live_state = temp("hints-live");
  std::vector<std::string> printed;
  auto keep = [&](const CommandResult& r) { printed.push_back(r.out + r.err); };
  keep(run_stackdr({"lab", "init", "--state-dir", d}));
  keep(run_stackdr({"lab", "inject", "target-service-stopped", "--state-dir", d}));
  keep(run_stackdr({"recover", "--lab", "--state-dir", d}));  // declined
  keep(run_stackdr({"recover", "--lab", "--state-dir", d}));  // open incident: names resume/close
  keep(run_stackdr({"lab", "show", "--state-dir", d}));
  keep(run_stackdr({"status", "--lab", "--fault", "session-logout", "--state-dir", d}));  // practice there
  keep(run_stackdr({"incident", "show", "9", "--lab", "--state-dir", d}));
  std::set<std::string> hints;
  std::regex quoted("`(stackdr [^`]*)`");
  for (const auto& text : printed)
    for (auto it = std::sregex_iterator(text.begin(), text.end(), quoted); it != std::sregex_iterator(); ++it)
      hints.insert((*it)[1]);
  ASSERT_GE(hints.size(), 5u);
  for (const auto& h : hints) {
    SCOPED_TRACE(h);
    Argv a;
    std::istringstream words(h);
    for (std::string w; words >> w;) a.push_back(w);
    if (h == "stackdr lab faults") continue;  // a list of names: it selects no stack
    EXPECT_TRUE(argv_has(a, "--state-dir") && argv_after(a, "--state-dir") == d)
        << "hint without the state dir";
    if (a[1] != "lab") {
      EXPECT_TRUE(argv_has(a, "--lab")) << "hint without --lab";
    }
    // The words a hint leaves for the person to choose get values here.
    for (auto& w : a) {
      if (w == "FAULT") w = "session-logout";
      if (w == "N") w = "1";
      if (w == "TEXT") w = "hint test";
    }
    a.erase(a.begin());
    // With the live defaults pointed at a folder of its own: nothing may appear there.
    Argv env_run = {"env", "STACKDR_STATE_DIR=" + live_state, stackdr::testing::stackdr_binary()};
    env_run.insert(env_run.end(), a.begin(), a.end());
    auto r = LocalHost("local").run(env_run, std::chrono::seconds(120));
    EXPECT_NE(r.exit_code, 64) << r.out << r.err;  // a usable command as printed
    EXPECT_TRUE(fs::is_empty(live_state)) << "the hint wrote into the live state folder";
  }
  fs::remove_all(d);
  fs::remove_all(live_state);
}

// Scenario 4 on a stack whose kept copy has filesystem errors: the read-only check runs before
// the other member is overwritten, finds them, and stops for an operator with test02 intact.
TEST(FirstContact, AFullRebuildChecksTheKeptCopyFirstAndStopsOnErrors) {
  testing::Recovery rc(":memory:");
  rc.fault("md-superblock-corrupt");
  for (auto& m : rc.s.state->vms.front().mounts) m.damaged = true;
  RecoverOutcome r = rc.run(testing::Recovery::drill_policy());
  EXPECT_EQ(r.exit, kNeedsOperator) << r.message;
  EXPECT_NE(r.message.find("filesystem errors"), std::string::npos) << r.message;
  bool checked = false;
  for (const auto& a : rc.s.log("sjm-explore"))
    if (argv_has(a, "-n") && a[0] == "e2fsck") checked = true;
  EXPECT_TRUE(checked);
  for (const auto& a : rc.s.log("s01")) EXPECT_FALSE(argv_has(a, "--add")) << describe_argv(a);
  for (const auto& a : rc.s.log("storage")) EXPECT_FALSE(argv_has(a, "snapshot")) << describe_argv(a);

  // A clean kept copy: checked, then the member's zvol snapshotted, then the rebuild.
  testing::Recovery ok(":memory:");
  ok.fault("md-superblock-corrupt");
  RecoverOutcome good = ok.run(testing::Recovery::drill_policy());
  EXPECT_EQ(good.exit, kRecovered) << good.message;
  bool snap = false, held = false;
  for (const auto& a : ok.s.log("storage")) {
    if (argv_has(a, "snapshot") && argv_has(a, "storage/iscsi-test02@stackdr-incident-1")) snap = true;
    if (argv_has(a, "hold") && argv_has(a, "storage/iscsi-test02@stackdr-incident-1")) held = true;
  }
  EXPECT_TRUE(snap);
  EXPECT_TRUE(held) << "the snapshot is held, as a removed LUN's zvol is kept";

  // A pool without room for the snapshot to keep the whole zvol: said, and asked; nobody to
  // ask is no, so nothing is overwritten and an operator is needed.
  testing::Recovery full(":memory:");
  full.fault("md-superblock-corrupt");
  full.s.state->pool.available_bytes = 1 << 20;
  RecoverOutcome r2 = full.run(testing::Recovery::drill_policy());
  EXPECT_EQ(r2.exit, kNeedsOperator) << r2.message;
  EXPECT_NE(full.out.str().find("can fill the pool"), std::string::npos) << full.out.str();
  for (const auto& a : full.s.log("s01")) EXPECT_FALSE(argv_has(a, "--add")) << describe_argv(a);
  // Asked and answered yes, it goes on.
  testing::Recovery yes(":memory:");
  yes.fault("md-superblock-corrupt");
  yes.s.state->pool.available_bytes = 1 << 20;
  auto o = testing::Recovery::drill_policy();
  std::string asked;
  o.ask = [&](const std::string& q) {
    asked = q;
    return true;
  };
  EXPECT_EQ(yes.run(o).exit, kRecovered);
  EXPECT_NE(asked.find("anyway?"), std::string::npos) << asked;
}

// The manual page and --help are written from one table of exit statuses: each row is in both.
TEST(FirstContact, TheManualPageAndHelpSayTheSameExitStatuses) {
  auto man = run_stackdr({"--man"});
  ASSERT_EQ(man.exit_code, 0);
  std::string page;  // roff's \- back to -
  for (size_t i = 0; i < man.out.size(); ++i)
    if (!(man.out[i] == '\\' && i + 1 < man.out.size() && man.out[i + 1] == '-')) page += man.out[i];
  for (const auto& [verb, row] : std::vector<std::pair<Argv, std::string>>{
           {{"status", "--help"}, "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
           {{"diagnose", "--help"}, "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
           {{"recover", "--help"}, "exit 0 done, 1 stopped, 2 needs an operator, 3 declined, 4 locked"},
           {{"lint", "--help"}, "exit 0 clean, 1 warnings, 3 not all settings read"}}) {
    auto help = run_stackdr(verb);
    EXPECT_NE(help.out.find(row), std::string::npos) << verb[0] << ":\n" << help.out;
    EXPECT_NE(page.find(row), std::string::npos) << row;
  }
  EXPECT_EQ(page.find("1 critical, 2 degraded"), std::string::npos) << "the old, swapped codes";
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// A bundle is untrusted: each hostile one ends quickly with a message naming what is wrong,
// creates no device or FIFO, and leaves no unpacked folder behind.
TEST(FirstContact, HostileBundlesAreRefusedQuicklyAndLeaveNothing) {
  ASSERT_EQ(::geteuid(), 0u) << "device nodes are made as root";
  std::string d = temp("hostile");
  std::string tmp = temp("hostile-tmp");  // the child's TMPDIR: whatever it unpacks goes there
  LocalHost sh("local");
  auto run = [&](const std::string& script) {
    auto r = sh.run({"sh", "-c", script, "sh", d}, std::chrono::seconds(120));
    ASSERT_TRUE(r.ok()) << script << "\n" << r.err;
  };
  // A real bundle to start from, then one hostile change each.
  ASSERT_EQ(run_stackdr({"collect", "--lab", "--out", d + "/good.tar.gz"}).exit_code, 0);
  run("cd \"$1\" && mkdir base && tar -xzf good.tar.gz -C base && ls base > top");
  std::string top = text::trim(testing::read_file(d + "/top")).data();
  top = std::string(text::trim(top));
  struct Case {
    std::string name, make, says;
  };
  std::string b = "cd \"$1\" && rm -rf w && cp -a base w && M=w/$(ls base)/s01/fs/proc/mdstat && ";
  std::string pack = " && tar -czf \"$1\"/case.tar.gz -C w .";
  std::vector<Case> cases = {
      {"device node", b + "rm -f $M && mknod $M c 1 5" + pack, "a character device"},
      {"FIFO", b + "rm -f $M && mkfifo $M" + pack, "a FIFO"},
      {"link out", b + "ln -s /etc/shadow $M.link" + pack, "a link"},
      {"climbing member",
       "cd \"$1\" && printf x > evil && tar -czf case.tar.gz --transform 's,^,../../,' evil", ".."},
      {"1 GB sparse member", b + "truncate -s 1G $M && tar -czSf \"$1\"/case.tar.gz -C w .", "more than"},
      {"100,000 files",
       b + "mkdir w/many && cd w/many && seq 1 100000 | xargs touch && cd \"$1\" && tar -czf case.tar.gz -C "
           "w .",
       "more than 50000 members"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    run(c.make);
    auto t0 = std::chrono::steady_clock::now();
    auto r = LocalHost("local").run(
        {"env", "TMPDIR=" + tmp, stackdr::testing::stackdr_binary(), "status", "--from", d + "/case.tar.gz"},
        std::chrono::seconds(30));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(s, 10.0);
    EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(tmp)) << "an unpacked folder was left behind";
  }
  // Unpacked by hand into a folder, a FIFO or a device where mdstat should be is a read that
  // failed (its nodes UNKNOWN, exit 3), not a hang and not gigabytes read.
  for (const std::string make : {"mkfifo", "mknod"}) {
    run("cd \"$1\" && rm -rf f && cp -a base f && M=f/$(ls base)/s01/fs/proc/mdstat && rm -f $M && " +
        (make == "mkfifo" ? std::string("mkfifo $M") : std::string("mknod -m 600 $M c 1 5")));
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_stackdr({"status", "--from", d + "/f/" + top}, std::chrono::seconds(30));
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
    EXPECT_EQ(r.exit_code, 3) << make << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("not a file"), std::string::npos) << r.out;
  }
  fs::remove_all(d);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// One output contract: every verb and subcommand given --json prints exactly one JSON document
// on standard output. The list is checked against the manual page, so a new verb without a
// line here fails this test. `watch` is the daemon (its output is a log); it is left out.
TEST(FirstContact, EveryVerbsJsonIsOneDocument) {
  std::string d = temp("json");
  std::string sd = d + "/state";
  std::string mdstat =
      testing::corpus_dir().string() + "/upstream/mdstat/" +
      fs::directory_iterator(testing::corpus_dir() / "upstream" / "mdstat")->path().filename().string();
  ASSERT_EQ(run_stackdr({"lab", "init", "--state-dir", sd, "--json"}).exit_code, 0);
  std::vector<Argv> runs = {
      {"status", "--lab", "--state-dir", sd, "--json"},
      {"init", "--lab", "--state-dir", sd, "--json"},
      {"diagnose", "--lab", "--state-dir", sd, "--json"},
      {"collect", "--lab", "--state-dir", sd, "--out", d + "/b.tar.gz", "--json"},
      {"parse", "--kinds", "--json"},
      {"parse", "mdstat", mdstat, "--json"},
      {"lab", "faults", "--json"},
      {"lab", "inject", "session-logout", "--state-dir", sd, "--json"},
      {"lab", "show", "--state-dir", sd, "--json"},
      {"recover", "--lab", "--state-dir", sd, "--dry-run", "--json"},
      {"recover", "--lab", "--state-dir", sd, "--yes", "--json"},
      {"recover", "--lab", "--state-dir", sd, "--resume", "--json"},
      {"lab", "inject", "storage-network-down", "--state-dir", sd, "--json"},
      {"lab", "repair", "storage-network", "--state-dir", sd, "--json"},
      {"lab", "reset", "--state-dir", sd, "--json"},
      {"lab", "init", "--state-dir", d + "/other", "--json"},
      {"drill", "session-logout", "--json"},
      {"drill", "--chaos", "--count", "3", "--json"},
      {"lint", "--lab", "--state-dir", sd, "--json"},
      {"lint", "--lab", "--state-dir", sd, "--fix", "--dry-run", "--json"},
      {"lint", "--lab", "--state-dir", sd, "--fix", "--yes", "--json"},
      {"lun", "list", "--lab", "--state-dir", sd, "--json"},
      {"lun", "create", "extra", "--size", "1G", "--lab", "--state-dir", sd, "--dry-run", "--json"},
      {"lun", "resize", "test01", "--size", "2T", "--lab", "--state-dir", sd, "--dry-run", "--json"},
      {"lun", "remove", "test01", "--lab", "--state-dir", sd, "--dry-run", "--json"},
      {"maintain", "--schedule", "--lab", "--state-dir", sd, "--json"},
      {"maintain", "smart", "--lab", "--state-dir", sd, "--json"},
      {"incident", "list", "--lab", "--state-dir", sd, "--json"},
      {"journal", "verify", "--lab", "--state-dir", sd, "--json"},
      {"incident", "show", "1", "--lab", "--state-dir", sd, "--json"},
      {"incident", "report", "1", "--lab", "--state-dir", sd, "--json"},
      {"incident", "list", "--lab", "--state-dir", sd, "--format", "json"},
      {"journal", "restore", "--lab", "--state-dir", sd, "--json"},
      {"journal", "set-aside", "--lab", "--state-dir", sd, "--json"},
  };
  std::set<std::string> covered;
  for (const auto& a : runs) {
    SCOPED_TRACE(describe_argv(a));
    auto r = run_stackdr(a, std::chrono::seconds(300));
    EXPECT_NE(r.exit_code, 64) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON document:\n" << r.out;
    std::string path = a[0];
    if (a.size() > 1 && a[1][0] != '-' &&
        (a[0] == "lab" || a[0] == "lun" || a[0] == "incident" || a[0] == "journal"))
      path += " " + a[1];
    covered.insert(path);
  }
  // incident close: a stopped incident to close.
  auto stopped = run_stackdr({"recover", "--lab", "--fault", "vm-fs-readonly", "--state-dir", d + "/close"});
  EXPECT_EQ(stopped.exit_code, 3);
  auto close = run_stackdr(
      {"incident", "close", "1", "--why", "test", "--lab", "--state-dir", d + "/close", "--json"});
  EXPECT_EQ(close.exit_code, 0) << close.err;
  EXPECT_FALSE(nlohmann::json::parse(close.out, nullptr, false).is_discarded()) << close.out;
  covered.insert("incident close");
  // The daemon's --json is a stream: every line on standard output is one JSON object.
  auto watch =
      run_stackdr({"watch", "--lab", "--state-dir", d + "/watch", "--listen", "127.0.0.1:0", "--json"},
                  std::chrono::seconds(3));
  size_t lines = 0;
  for (auto line : text::lines(watch.out)) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
  }
  EXPECT_GE(lines, 2u) << watch.out;
  EXPECT_NE(watch.out.find("\"event\":\"ready\""), std::string::npos) << watch.out;
  covered.insert("watch");
  // Every verb the manual page lists is covered.
  auto man = run_stackdr({"--man"});
  std::regex ss("\\.SS stackdr (.*)");
  for (auto it = std::sregex_iterator(man.out.begin(), man.out.end(), ss); it != std::sregex_iterator();
       ++it) {
    std::string verb = (*it)[1];
    std::string plain;
    for (size_t i = 0; i < verb.size(); ++i)
      if (!(verb[i] == '\\' && i + 1 < verb.size() && verb[i + 1] == '-')) plain += verb[i];
    if (plain == "lab" || plain == "lun" || plain == "incident" || plain == "journal")
      continue;  // their subcommands are
    EXPECT_TRUE(covered.count(plain)) << "no --json run of `stackdr " << plain << "` in this test";
  }
  fs::remove_all(d);
}

}  // namespace
}  // namespace stackdr
