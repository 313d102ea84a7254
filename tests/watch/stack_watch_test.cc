// One stack's daemon loop (watch/stack_watch), run in this process — no binary started, no
// listener: a StackWatch on the simulated stack of this process, as `stackdr watch --lab` makes
// it. A fault injected the way POST /lab/faults does wakes the loop, is swept, found, journaled
// as an incident and, with auto-recovery allowed, recovered; the summary the daemon's pages read
// follows each turn. Time is the wall clock (the loop's waits are real; the simulated stack's
// time follows it): each wait here is bounded, none is asserted on.

#include "watch/stack_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cli/stack_context.h"
#include "store/journal_file.h"
#include "support/daemon_process.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::eventually;

WatchedStack lab_stack(const fs::path& state) {
  ContextOptions c;
  c.lab = true;
  c.config = stackdr::testing::tests_dir() + "/../config/stackdr.yaml";
  c.state_dir = state.string();
  WatchedStack w;
  w.open_stack = [c]() -> Result<std::shared_ptr<Stack>> {
    auto s = StackContext::open(c);
    if (!s) return s.error();
    return std::shared_ptr<Stack>(std::move(*s));
  };
  w.state_dir = (state / "lab").string();  // as `watch --lab` keeps it: apart from live journals
  w.hints = stack_hints(c);
  return w;
}

TEST(StackWatchLoop, AFaultIsSweptJournaledAndAutoRecoveredInProcess) {
  fs::path state = fs::temp_directory_path() / ("stackdr-loop-" + std::to_string(::getpid()));
  fs::remove_all(state);
  StackWatchShared shared;
  shared.overrides.interval = 1;
  shared.overrides.auto_recover = "safe";  // a session logged out is put back by safe steps alone
  std::atomic<int> changes{0};
  shared.changed = [&changes] { ++changes; };
  shared.version = [] { return 1L; };
  StackWatch w(lab_stack(state), shared);
  ASSERT_TRUE(w.prepare());
  ASSERT_TRUE(w.takes_lab_faults());
  w.set_place("http://127.0.0.1:9470/status", false);
  w.start();
  ASSERT_TRUE(eventually(60s, [&] { return w.ready(); }));
  StackSummary s = w.summary();
  EXPECT_EQ(s.status, 0) << s.first;
  EXPECT_EQ(s.findings, 0u);
  EXPECT_EQ(s.incidents_open, 0);

  EXPECT_EQ(w.lab_fault("no-such-fault").status, 400);
  auto injected = w.lab_fault("session-logout");
  EXPECT_EQ(injected.status, 202) << injected.body;
  // The loop wakes, sweeps, opens an incident and recovers it; healthy again after.
  ASSERT_TRUE(eventually(120s, [&] {
    auto now = w.summary();
    return now.status == 0 && now.findings == 0 && w.status().body.find("\"recovery\"") != std::string::npos;
  })) << w.status().body;
  auto status = nlohmann::json::parse(w.status().body);
  // The recovery ran its rounds (the session back, then its member re-added) and ended healthy.
  EXPECT_EQ(status["recovery"]["what"], "auto-recovery of scenario 1 / session-down")
      << status["recovery"].dump(2);
  EXPECT_EQ(status["recovery"]["exit"], 0) << status["recovery"].dump(2);
  EXPECT_GT(status["sweep"]["count"].get<int>(), 1);
  EXPECT_GT(changes.load(), 0);
  w.request_stop();
  w.stop();

  // The journal holds the incident, closed as recovered by the daemon's auto-recovery.
  std::vector<std::string> notes;
  auto j = open_journal_file((state / "lab").string(), {.write = false}, notes);
  ASSERT_TRUE(j) << j.error().message;
  auto incidents = (*j)->incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].cause, "session-down");
  EXPECT_EQ(incidents[0].state, "resolved") << incidents[0].outcome;
  fs::remove_all(state);
}

}  // namespace
}  // namespace stackdr
