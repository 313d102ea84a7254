// log-review and arc on the simulated stack: what they read, group, keep and journal, and
// that a journal not read is said and leaves its window to the next review.

#include "operate/light_maintenance.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "operate/maintain.h"
#include "operate/maintenance_records.h"
#include "sim/time_passes.h"
#include "sim_fixture.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using testing::SimStack;

struct LightRun {
  SimStack s;
  std::unique_ptr<Journal> journal = std::move(*Journal::open(":memory:"));
  fs::path dir =
      fs::temp_directory_path() / ("stackdr-light-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::ostringstream log;
  LightRun() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~LightRun() { fs::remove_all(dir); }
  LightTaskContext context(HostLookup hosts = {}) {
    return {s.topology,  hosts ? hosts : s.lookup(),
            *journal,    static_cast<double>(s.state->now),
            "practice",  "fp",
            dir.string()};
  }
};

TEST(LogReview, TheKernelsErrorsAfterALinkLossAreGroupedAndKept) {
  LightRun r;
  double start = static_cast<double>(r.s.state->now);
  r.s.inject("storage-network-down");
  sim::advance(*r.s.state, 60);
  LogReview review =
      review_logs(r.s.topology, r.s.lookup(), start - 1, static_cast<double>(r.s.state->now) + 1);
  EXPECT_TRUE(review.unread.empty()) << review.unread.front();
  ASSERT_FALSE(review.groups.empty()) << log_review_text(review);
  EXPECT_GT(review.errors(), 0) << log_review_text(review);
  for (const auto& g : review.groups) {
    EXPECT_LE(g.priority, 4) << g.example;
    EXPECT_EQ(g.source, "kernel");  // the simulated services log nothing of their own
  }
  // Most severe first; like messages (connection numbers apart) in one group.
  for (size_t i = 1; i < review.groups.size(); ++i)
    EXPECT_LE(review.groups[i - 1].priority, review.groups[i].priority);
  bool ping = false;
  for (const auto& g : review.groups)
    if (g.shape.find("ping timeout of N secs expired") != std::string::npos) ping = g.count >= 1;
  EXPECT_TRUE(ping) << log_review_text(review);
}

TEST(LogReview, ARunIsJournaledKeptAndTheNextStartsWhereItEnded) {
  LightRun r;
  ASSERT_EQ(run_log_review(r.context(), r.log), 0) << r.log.str();
  auto kept = last_log_review(r.dir.string());
  ASSERT_TRUE(kept);
  double first_until = (*kept)["until"].get<double>();
  EXPECT_DOUBLE_EQ((*kept)["since"].get<double>(), first_until - 7 * 86400.0)
      << "the first review looks a week back";
  sim::advance(*r.s.state, 3600);
  ASSERT_EQ(run_log_review(r.context(), r.log), 0);
  kept = last_log_review(r.dir.string());
  EXPECT_DOUBLE_EQ((*kept)["since"].get<double>(), first_until);
  auto rows = maintenance_schedule(r.s.topology, r.journal->incidents(), static_cast<double>(r.s.state->now),
                                   take_view(r.s.topology, r.s.lookup()));
  bool listed = false;
  for (const auto& row : rows)
    if (row.task == "log-review") listed = row.last_run.has_value() && !row.due;
  EXPECT_TRUE(listed) << "the schedule knows the review ran";
}

TEST(LogReview, AJournalNotReadIsSaidAndItsWindowIsLeftToTheNextReview) {
  LightRun r;
  HostLookup real = r.s.lookup();
  const std::string kvm = r.s.topology.initiator.host;
  HostLookup without_kvm = [&](const std::string& name) -> Host* {
    return name == kvm ? nullptr : real(name);
  };
  EXPECT_EQ(run_log_review(r.context(without_kvm), r.log), 2) << r.log.str();
  EXPECT_NE(r.log.str().find("NOT READ " + kvm), std::string::npos) << r.log.str();
  auto kept = last_log_review(r.dir.string());
  ASSERT_TRUE(kept);
  EXPECT_FALSE((*kept)["unread"].empty());
  double first_since = (*kept)["since"].get<double>();
  sim::advance(*r.s.state, 3600);
  ASSERT_EQ(run_log_review(r.context(), r.log), 0);
  EXPECT_DOUBLE_EQ((*last_log_review(r.dir.string()))["since"].get<double>(), first_since)
      << "the unread hour is read by the next review";
}

// A machine without a journal (journald not running, as under the lab's bash init): journalctl
// exits 0 with nothing on standard output — in -o json the lab's machines said nothing on
// standard error either; other queries print "No journal files were found.".
class NoJournalHost : public Host {
 public:
  NoJournalHost(std::string name, std::string err) : name_(std::move(name)), err_(std::move(err)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds) override {
    if (!argv.empty() && argv[0] == "dmesg" && !dmesg.empty()) return {true, false, 0, dmesg, ""};
    return {true, false, 0, "", err_};
  }
  Result<std::string> read_file(const std::string& path) override {
    if (path == "/proc/stat" && !dmesg.empty()) return std::string("cpu  1 2 3\nbtime 1000\n");
    return Error{path + ": not here"};
  }
  std::string dmesg;  // set: `dmesg --raw` prints it, and /proc/stat says the machine booted at 1000

 private:
  std::string name_, err_;
};

TEST(LogReview, WithoutAJournalTheKernelsMessagesComeFromItsRingBuffer) {
  LightRun r;
  NoJournalHost kvm(r.s.topology.initiator.host, "");
  kvm.dmesg =
      "<6>[    0.000000] Linux version 6.1.0-50-amd64\n"
      "<3>[  200.683897] md: super_written gets error=-5\n"
      "<3>[  201.000000] md: super_written gets error=-5\n"
      "<2>[  201.500000] md/raid1:md1: Disk failure on sdb, disabling device.\n"
      "               md/raid1:md1: Operation continuing on 1 devices.\n";
  HostLookup real = r.s.lookup();
  HostLookup lookup = [&](const std::string& name) -> Host* {
    return name == kvm.name() ? &kvm : real(name);
  };
  LogReview review = review_logs(r.s.topology, lookup, 1100, 1300);
  ASSERT_EQ(review.unread.size(), 1u) << log_review_text(review);  // iscsid's journal: there is none
  EXPECT_NE(review.unread[0].find("iscsid"), std::string::npos) << review.unread[0];
  EXPECT_EQ(review.errors(), 3) << log_review_text(review);
  ASSERT_EQ(review.groups.size(), 2u) << log_review_text(review);
  EXPECT_EQ(review.groups[0].priority, 2);
  EXPECT_NE(review.groups[0].example.find("Operation continuing on 1 devices"), std::string::npos);
  EXPECT_DOUBLE_EQ(review.groups[1].first, 1200.683897) << "boot time + the record's seconds";
  EXPECT_EQ(review.groups[1].count, 2);
}

TEST(LogReview, AMachineWithoutAJournalIsNotReadNotQuiet) {
  for (std::string err : {"", "No journal files were found.\n"}) {
    LightRun r;
    NoJournalHost none(r.s.topology.initiator.host, err);
    HostLookup real = r.s.lookup();
    HostLookup lookup = [&](const std::string& name) -> Host* {
      return name == none.name() ? &none : real(name);
    };
    LogReview review = review_logs(r.s.topology, lookup, 0, static_cast<double>(r.s.state->now));
    ASSERT_EQ(review.unread.size(), 2u) << log_review_text(review);  // iscsid and the kernel
    EXPECT_NE(review.unread[0].find("no journal on this machine"), std::string::npos) << review.unread[0];
    EXPECT_FALSE(review.read.empty()) << "the storage server's journal is read";
  }
}

TEST(ArcSample, TheHitRatioIsTakenBetweenSamples) {
  LightRun r;
  ASSERT_EQ(run_arc_sample(r.context(), r.log), 0) << r.log.str();
  sim::advance(*r.s.state, 86400);
  ASSERT_EQ(run_arc_sample(r.context(), r.log), 0) << r.log.str();
  auto s = arc_samples(r.dir.string());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_GT(s[1].hits, s[0].hits);
  auto ratio = hit_ratio(s[0], s[1]);
  ASSERT_TRUE(ratio);
  EXPECT_NEAR(*ratio, 0.96, 0.01);
  EXPECT_NE(r.log.str().find("since the last sample"), std::string::npos) << r.log.str();
  // Counters that went back (the module reloaded): the ratio since the load, not a negative one.
  ArcSample reloaded = s[1];
  reloaded.hits = 90;
  reloaded.misses = 10;
  EXPECT_NEAR(*hit_ratio(s[1], reloaded), 0.9, 1e-9);
}

TEST(ArcSample, NoArcstatsIsAnErrorNotASample) {
  LightRun r;
  HostLookup real = r.s.lookup();
  const std::string storage = r.s.topology.storage.host;
  HostLookup no_storage = [&](const std::string& name) -> Host* {
    return name == storage ? nullptr : real(name);
  };
  EXPECT_EQ(run_arc_sample(r.context(no_storage), r.log), 2);
  EXPECT_TRUE(arc_samples(r.dir.string()).empty());
  auto incidents = r.journal->incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].state, "escalated");
}

}  // namespace
}  // namespace stackdr
