// One stack's daemon loop (watch/stack_watch), run in this process — no binary started, no
// listener: a StackWatch on the simulated stack of this process, as `stackdr watch --lab` makes
// it. A fault injected the way POST /lab/faults does wakes the loop, is swept, found, journaled
// as an incident and, with auto-recovery allowed, recovered; the summary the daemon's pages read
// follows each turn. The first test runs on the wall clock (the loop's waits are real; the
// simulated stack's time follows it): each wait here is bounded, none is asserted on. The second
// gives the loop a clock the test moves (tests/support/fake_loop_clock.h): when each sweep
// comes is then checked exactly, with no real time waited for; so is the runbook's 30-minute
// escalation, in four seconds.

#include "watch/stack_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cli/stack_context.h"
#include "store/journal_file.h"
#include "support/daemon_process.h"
#include "support/fake_loop_clock.h"
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

// A loop on this process's simulated stack, on a clock the test moves: interval 60 s,
// auto-recovery off unless asked (a failure stays, so what the loop does about it as time
// passes is seen). Sweeps are read from /status, whose times are the loop's clock.
class ClockedLoop {
 public:
  explicit ClockedLoop(const std::string& name, const std::string& auto_recover = "off")
      : state_(fs::temp_directory_path() / ("stackdr-loop-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(state_);
    StackWatchShared shared;
    shared.clock = clock;
    shared.overrides.interval = 60;
    shared.overrides.auto_recover = auto_recover;
    shared.changed = [] {};
    shared.version = [] { return 1L; };
    w = std::make_unique<StackWatch>(lab_stack(state_), shared);
  }
  ~ClockedLoop() {
    w->request_stop();
    w->stop();
    fs::remove_all(state_);
  }
  /// Prepared, started, its first sweep done.
  bool start() {
    if (!w->prepare()) return false;
    w->set_place("http://127.0.0.1:9470/status", false);
    w->start();
    return eventually(60s, [&] { return w->ready(); });
  }
  nlohmann::json sweep() const { return nlohmann::json::parse(w->status().body)["sweep"]; }
  const fs::path& state() const { return state_; }

  std::shared_ptr<testing::FakeLoopClock> clock = std::make_shared<testing::FakeLoopClock>(1.8e9);
  std::unique_ptr<StackWatch> w;

 private:
  fs::path state_;
};

// The loop's schedule on a clock the test moves: the interval sweep comes when the interval
// has passed and not a second before; an event (a fault injected as POST /lab/faults does)
// sweeps at once; a failure seen once is swept again 5 s later to confirm it, then the
// interval again. Sweeps are counted from /status, whose times are the loop's clock.
TEST(StackWatchLoop, TheIntervalTheEventAndTheConfirmingSweepFollowTheLoopsClock) {
  ClockedLoop loop("clock");
  ASSERT_TRUE(loop.start());
  StackWatch& w = *loop.w;
  auto& clock = loop.clock;
  auto sweep = [&] { return loop.sweep(); };
  // The loop's turn with the time as it is: had it anything to do, it would have done it.
  auto settle = [] { std::this_thread::sleep_for(300ms); };
  ASSERT_EQ(sweep()["count"], 1);
  EXPECT_EQ(sweep()["at"].get<double>(), 1.8e9);

  clock->advance(59);
  settle();
  EXPECT_EQ(sweep()["count"], 1) << "swept before the interval had passed";
  clock->advance(1);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 2; }));
  EXPECT_NEAR(sweep()["at"].get<double>(), 1.8e9 + 60, 1e-6);

  // An event: swept at once, no time passing but the 200 ms a burst is given to settle.
  ASSERT_EQ(w.lab_fault("session-logout").status, 202);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 3; }));
  EXPECT_NEAR(sweep()["at"].get<double>(), 1.8e9 + 60.2, 1e-6);
  EXPECT_NE(w.summary().status, 0);

  // Seen once: swept again 5 s after that sweep (not 60) to confirm it.
  clock->advance(4.5);
  settle();
  EXPECT_EQ(sweep()["count"], 3) << "the confirming sweep came early";
  clock->advance(1);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 4; }));
  EXPECT_NEAR(sweep()["at"].get<double>(), 1.8e9 + 65.7, 1e-6);
  // Confirmed: the interval again.
  clock->advance(30);
  settle();
  EXPECT_EQ(sweep()["count"], 4) << "a confirmed failure was swept before the interval";
  clock->advance(31);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 5; }));
  EXPECT_EQ(w.summary().incidents_open, 1);  // the same incident, not one per sweep
}

// The runbook's Level 2 on the loop's clock: an incident with no step finished while the stack
// stays unhealthy (auto-recovery off, nobody acting) is escalated to the storage team once 30
// minutes have passed since the daemon first saw it, not a sweep before — and once only.
TEST(StackWatchLoop, NoProgressForThirtyMinutesOfTheLoopsClockEscalatesOnce) {
  ClockedLoop loop("escalate");
  ASSERT_TRUE(loop.start());
  StackWatch& w = *loop.w;
  auto& clock = loop.clock;
  auto sweep = [&] { return loop.sweep(); };
  auto escalations = [&] {
    std::vector<std::string> out;
    std::vector<std::string> notes;
    auto j = open_journal_file((loop.state() / "lab").string(), {.write = false}, notes);
    if (!j) return out;
    for (const auto& inc : (*j)->incidents())
      for (const auto& e : (*j)->events(inc.id))
        if (e.kind == EventKind::kEscalation) out.push_back(e.detail);
    return out;
  };
  ASSERT_EQ(w.lab_fault("session-logout").status, 202);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 2; }));
  const double first_seen = sweep()["at"].get<double>();
  EXPECT_EQ(w.summary().incidents_open, 1);
  // One sweep a minute (the first the confirming one); each one's time and what it escalated.
  int count = 2;
  double escalated_at = 0;
  for (int minute = 1; minute <= 35; ++minute) {
    clock->advance(60);
    ++count;
    ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == count; })) << "minute " << minute;
    double at = sweep()["at"].get<double>();
    auto said = escalations();
    if (at - first_seen < 1800) {
      EXPECT_TRUE(said.empty()) << "escalated after " << at - first_seen << " s: " << said.front();
    } else if (!escalated_at) {
      escalated_at = at;
      ASSERT_EQ(said.size(), 1u) << "after " << at - first_seen << " s";
      EXPECT_EQ(said[0],
                "level 2 (team): no progress: no step finished for 30 minutes and the stack is not healthy");
    } else {
      EXPECT_EQ(said.size(), 1u) << "escalated again after " << at - first_seen << " s";
    }
  }
  EXPECT_GE(escalated_at - first_seen, 1800);
  EXPECT_LT(escalated_at - first_seen, 1860);  // the first sweep past 30 minutes
  EXPECT_EQ(w.summary().incidents_open, 1);
}

// An alert ends (RESOLVED) once every layer has been OK for resolve_after (120 s) of the loop's
// clock, counted from the first healthy sweep — not at the sweep a minute later — and a failure
// back before then goes on under the same alert instead of firing a new one. Log lines are
// the daemon's stderr, read per stretch of the loop's time.
TEST(StackWatchLoop, AnAlertResolvesAfterResolveAfterOfTheLoopsClockAndAFailureBackSoonerKeepsIt) {
  ClockedLoop loop("resolve", "safe");
  ASSERT_TRUE(loop.start());
  StackWatch& w = *loop.w;
  auto& clock = loop.clock;
  auto sweep = [&] { return loop.sweep(); };
  auto count = [](const std::string& log, const std::string& what) {
    size_t n = 0;
    for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  // Broken, seen, confirmed 5 s later and recovered by safe steps in that sweep.
  ::testing::internal::CaptureStderr();
  ASSERT_EQ(w.lab_fault("session-logout").status, 202);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 2; }));
  clock->advance(5.5);
  ASSERT_TRUE(eventually(120s, [&] { return sweep()["count"] == 3 && w.summary().status == 0; }))
      << w.status().body;
  const double healthy_at = sweep()["at"].get<double>();
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "FIRING scenario 1 / session-down"), 1u) << log;
  EXPECT_EQ(count(log, "RESOLVED"), 0u) << log;

  // 60 s healthy: the alert goes on.
  ::testing::internal::CaptureStderr();
  clock->advance(60);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 4; }));
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "RESOLVED"), 0u)
      << "resolved " << sweep()["at"].get<double>() - healthy_at << " s after";

  // Back before 120 s: the same alert, no second FIRING. The daemon does not run a plan for
  // the same failure again within ten intervals, so it stays until then; then recovered again.
  ::testing::internal::CaptureStderr();
  ASSERT_EQ(w.lab_fault("session-logout").status, 202);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 5; }));
  clock->advance(5.5);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == 6; }));
  int n = 6;
  while (w.summary().status != 0 && n < 20) {
    clock->advance(60);
    ++n;
    ASSERT_TRUE(eventually(120s, [&] { return sweep()["count"] == n; })) << w.status().body;
  }
  ASSERT_EQ(w.summary().status, 0) << w.status().body;
  const double healthy_again_at = sweep()["at"].get<double>();
  EXPECT_GE(healthy_again_at - healthy_at, 600) << "the same plan again within ten intervals";
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "FIRING"), 0u) << log;
  EXPECT_EQ(count(log, "RESOLVED"), 0u) << log;

  // Healthy from the second recovery's sweep: 60 s on, still the alert; 120 s on, RESOLVED,
  // once, in the sweep that comes at 120 s.
  ::testing::internal::CaptureStderr();
  clock->advance(60);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == n + 1; }));
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "RESOLVED"), 0u) << "resolved " << sweep()["at"].get<double>() - healthy_again_at
                                        << " s after the stack was healthy again";
  ::testing::internal::CaptureStderr();
  clock->advance(60);
  ASSERT_TRUE(eventually(30s, [&] { return sweep()["count"] == n + 2; }));
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_NEAR(sweep()["at"].get<double>() - healthy_again_at, 120, 1e-6);
  EXPECT_EQ(count(log, "RESOLVED scenario 1 / session-down"), 1u) << log;
}

// The daemon's sweeps leave a whole array's member superblocks for their turn (one sweep in five
// at the 60 s interval), but not while anything is found: every sweep after one that found a
// failure reads every member, so a finding resting on a superblock cannot come and go with the
// array's turn. /status names what was left (observer.h).
TEST(StackWatchLoop, SweepsLeaveWholeArraysForTheirTurnButNotWhileAnythingIsFound) {
  ClockedLoop loop("turns");
  ASSERT_TRUE(loop.start());
  StackWatch& w = *loop.w;
  auto left = [&] {
    auto j = nlohmann::json::parse(w.status().body);
    return j.contains("left_for_their_turn") ? j["left_for_their_turn"].size() : 0u;
  };
  int count = 1;
  auto next_sweep = [&](double after) {
    loop.clock->advance(after);
    ++count;
    return eventually(30s, [&] { return loop.sweep()["count"] == count; });
  };
  EXPECT_EQ(left(), 0u) << "the first sweep reads every member";
  int waited = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(next_sweep(60));
    if (left() > 0) ++waited;
  }
  EXPECT_EQ(waited, 4) << "a healthy array's members wait in four sweeps of five";
  // A pool disk fails; the array above stays whole. From the sweep after, every member is read.
  ASSERT_EQ(w.lab_fault("pool-disk-faulted").status, 202);
  ++count;
  ASSERT_TRUE(eventually(30s, [&] { return loop.sweep()["count"] == count; }));
  ASSERT_NE(w.summary().status, 0);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(next_sweep(i == 0 ? 5.5 : 60));
    EXPECT_EQ(left(), 0u) << "sweep " << count << " left members for their turn while a failure is open";
  }
}

}  // namespace
}  // namespace stackdr
