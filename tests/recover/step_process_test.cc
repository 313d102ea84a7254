// A step never runs twice at once. When stackdr dies while a step's process runs (kill -9, a
// crash), the step's process was journaled; `recover --resume` looks for it on its host and,
// while it runs, refuses (exit 4, naming the pid) instead of starting a second copy beside it.
// Here the "step" still running is a real process on this machine (sleep), found through
// /proc by pid and start time; the stack itself is simulated.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <future>

#include "host/local_host.h"
#include "recover/recover_text.h"
#include "recovery_support.h"

namespace stackdr {
namespace {

using testing::Recovery;
namespace fs = std::filesystem;

// A simulated host that cannot tell whether a process runs (Host's default answer).
class Blind : public Host {
 public:
  explicit Blind(Host* sim) : sim_(sim) {}
  const std::string& name() const override { return sim_->name(); }
  CommandResult run(const Argv& a, std::chrono::milliseconds t) override { return sim_->run(a, t); }
  Result<std::string> read_file(const std::string& p) override { return sim_->read_file(p); }

 private:
  Host* sim_;
};

// The simulated host, except that it answers "is this process running?" from this machine.
class SimWithRealProcesses : public Blind {
 public:
  using Blind::Blind;
  std::optional<bool> running(const ProcessId& p) override { return local_.running(p); }

 private:
  LocalHost local_{"local"};
};

// The simulated stack's hosts, each wrapped in a W (made on first use, kept in `hosts`).
template <typename W>
HostLookup wrapped(Recovery& rc, std::map<std::string, std::unique_ptr<W>>& hosts) {
  return [&rc, &hosts](const std::string& n) -> Host* {
    Host* sim = rc.s.lookup()(n);
    if (!sim) return nullptr;
    auto& h = hosts[n];
    if (!h) h = std::make_unique<W>(sim);
    return h.get();
  };
}

TEST(StepProcess, ResumeRefusesWhileTheInterruptedStepStillRunsThenContinues) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-step-process-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db = (dir / "j.db").string();

  // The uninterrupted recovery's actions, to compare with.
  std::vector<std::string> want;
  {
    Recovery rc;
    rc.fault("session-logout");
    ASSERT_EQ(rc.run(Recovery::drill_policy()).exit, kRecovered);
    want = rc.actions();
  }

  // Crash after the first step's "started" record, before it ran.
  Recovery rc(db);
  rc.fault("session-logout");
  auto o = Recovery::drill_policy();
  o.boundary = [](const std::string& b) {
    if (b.rfind("started:", 0) == 0) throw CrashInjected{b};
  };
  ASSERT_THROW(rc.run(o), CrashInjected);
  JournalEvent started;
  int incident = rc.journal->latest_open()->id;
  for (const auto& e : rc.journal->events(incident))
    if (e.kind == EventKind::kStepStarted) started = e;
  ASSERT_FALSE(started.step.empty());

  // That step's process, still running: a real process on this machine, journaled as the
  // executor journals it.
  std::promise<ProcessId> pid;
  auto child = std::async(std::launch::async, [&] {
    return LocalHost("local").run_tracked({"sleep", "30"}, std::chrono::seconds(60),
                                          [&](const ProcessId& p) { pid.set_value(p); });
  });
  ProcessId p = pid.get_future().get();
  JournalEvent e = started;
  e.kind = EventKind::kStepProcess;
  e.detail = fmt::format("{} pid {} start {}", started.host, p.pid, p.start);
  rc.journal->add(e);
  rc.reopen(db);

  std::map<std::string, std::unique_ptr<SimWithRealProcesses>> hosts;
  HostLookup lookup = wrapped(rc, hosts);
  auto resume = Recovery::drill_policy();
  resume.resume = true;
  size_t actions_before = rc.actions().size();
  {
    RecoverText text(rc.out);
    Executor ex(rc.s.topology, lookup, rc.clock, *rc.journal, text);
    RecoverOutcome r = ex.run(resume);
    EXPECT_EQ(r.exit, kLocked) << r.message;
    EXPECT_NE(r.message.find("pid " + std::to_string(p.pid)), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("still running"), std::string::npos) << r.message;
    EXPECT_EQ(rc.actions().size(), actions_before) << "nothing ran beside it";
  }

  ::kill(static_cast<pid_t>(p.pid), SIGKILL);
  child.get();  // reaped: the pid is gone
  {
    RecoverText text(rc.out);
    Executor ex(rc.s.topology, lookup, rc.clock, *rc.journal, text);
    RecoverOutcome r = ex.run(resume);
    EXPECT_EQ(r.exit, kRecovered) << r.message << "\n" << rc.out.str();
  }
  EXPECT_TRUE(rc.healthy());
  auto got = rc.actions();
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << "every action exactly once";
  fs::remove_all(dir);
}

TEST(StepProcess, AProcessOnAHostThatCannotTellBlocksTheResume) {
  // A host that cannot say whether the pid runs (no way to look) is not assumed to be done.
  Recovery rc;
  rc.fault("session-logout");
  auto o = Recovery::drill_policy();
  o.boundary = [](const std::string& b) {
    if (b.rfind("started:", 0) == 0) throw CrashInjected{b};
  };
  ASSERT_THROW(rc.run(o), CrashInjected);
  int incident = rc.journal->latest_open()->id;
  JournalEvent e;
  for (const auto& x : rc.journal->events(incident))
    if (x.kind == EventKind::kStepStarted) e = x;
  e.kind = EventKind::kStepProcess;
  e.detail = e.host + " pid 4242 start 99";
  rc.journal->add(e);
  std::map<std::string, std::unique_ptr<Blind>> hosts;
  HostLookup lookup = wrapped(rc, hosts);
  auto resume = Recovery::drill_policy();
  resume.resume = true;
  RecoverText text(rc.out);
  Executor ex(rc.s.topology, lookup, rc.clock, *rc.journal, text);
  RecoverOutcome r = ex.run(resume);
  EXPECT_EQ(r.exit, kLocked);
  EXPECT_NE(r.message.find("cannot tell whether it still runs"), std::string::npos) << r.message;
}

TEST(StepProcess, ASignalStopsBeforeTheNextStepAndResumeFinishes) {
  Recovery rc;
  rc.fault("md-events-mismatch");
  auto o = Recovery::drill_policy();
  int steps = 0;
  o.boundary = [&](const std::string& b) {
    if (b.rfind("after:", 0) == 0) ++steps;
  };
  o.stop_requested = [&] { return steps >= 1; };  // SIGTERM arrived during the first step
  RecoverOutcome r = rc.run(o);
  EXPECT_EQ(r.exit, kStopped) << r.message;
  EXPECT_NE(r.message.find("stopped by a signal"), std::string::npos) << r.message;
  EXPECT_EQ(steps, 1) << "the running step finished; no other started";
  auto resume = Recovery::drill_policy();
  resume.resume = true;
  EXPECT_EQ(rc.run(resume).exit, kRecovered) << rc.out.str();
  EXPECT_TRUE(rc.healthy());
}

}  // namespace
}  // namespace stackdr
