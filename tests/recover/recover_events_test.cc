// The step engine reports what it does as typed events (recover/recover_events.h), and the
// command line's text is drawn from them alone: the order of events, the numbers a progress
// event carries, and the lines RecoverText draws for each.

#include <gtest/gtest.h>

#include "recovery_support.h"

namespace stackdr {
namespace {

using testing::Recovery;

// Keeps every event as a line, and the progress and step ends as they came.
class Recorder : public RecoverEvents {
 public:
  std::vector<std::string> seen;
  std::vector<Progress> progress_seen;
  std::vector<StepEnd> ends;
  void incident(int id, IncidentStart how, const std::string&) override {
    seen.push_back(fmt::format("incident {} {}", id, static_cast<int>(how)));
  }
  void plan_made(int round, const Plan& p, const std::vector<std::string>& commands, bool) override {
    EXPECT_EQ(commands.size(), p.steps.size());
    seen.push_back(fmt::format("plan {} {} steps", round, p.steps.size()));
  }
  void finishing_interrupted() override { seen.push_back("finishing"); }
  void step_started(const StepEvent& e) override {
    seen.push_back(fmt::format("start {}/{} {} [{}]", e.index + 1, e.count, e.step->id, e.command));
  }
  void step_rerun(const StepEvent& e, const std::string&) override { seen.push_back("rerun " + e.step->id); }
  void step_finished(const StepEvent& e, const StepEnd& end) override {
    seen.push_back(
        fmt::format("end {}/{} {} {}", e.index + 1, e.count, e.step->id, step_result_name(end.result)));
    ends.push_back(end);
  }
  void progress(const Progress& p) override { progress_seen.push_back(p); }
  void snapshot(const SnapshotEvent& e) override { seen.push_back("snapshot " + e.snapshot); }
  void replanning(const std::string&) override { seen.push_back("replanning"); }
};

TEST(RecoverEvents, EveryStepThatStartsEndsAndTheOutcomeHasEachEnd) {
  Recovery rc;
  rc.fault("session-logout");
  Recorder rec;
  RecoverOutcome out = rc.run(Recovery::drill_policy(), rec);
  ASSERT_EQ(out.exit, kRecovered) << out.message;
  ASSERT_GE(rec.seen.size(), 3u);
  EXPECT_TRUE(rec.seen[0].starts_with(fmt::format("incident {} 0", out.incident))) << rec.seen[0];
  EXPECT_EQ(rec.seen[1].substr(0, 7), "plan 1 ");
  // A step ends once; one that ran or was waited for started first, and the next one starts
  // only after it ended.
  std::string open_step;
  size_t ends = 0;
  for (const auto& s : rec.seen) {
    if (s.starts_with("start ")) {
      EXPECT_EQ(open_step, "") << "a step started while " << open_step << " was running";
      open_step = s.substr(6, s.find(' ', 6) - 6);
    } else if (s.starts_with("end ")) {
      std::string step = s.substr(4, s.find(' ', 4) - 4);
      if (!open_step.empty()) {
        EXPECT_EQ(step, open_step);
      }
      open_step.clear();
      ++ends;
    }
  }
  EXPECT_EQ(ends, out.steps.size());
  EXPECT_EQ(rec.ends.size(), out.steps.size());
  for (size_t i = 0; i < out.steps.size(); ++i) EXPECT_EQ(out.steps[i].result, rec.ends[i].result);
}

TEST(RecoverEvents, AResyncReportsItsProgressAsNumbers) {
  Recovery rc;
  rc.fault("md-superblock-corrupt");  // a full rebuild of one member: a long resync to wait for
  Recorder rec;
  RecoverOutcome out = rc.run(Recovery::drill_policy(), rec);
  ASSERT_EQ(out.exit, kRecovered) << out.message;
  ASSERT_FALSE(rec.progress_seen.empty());
  std::map<std::string, double> last;
  for (const auto& p : rec.progress_seen) {
    EXPECT_GE(p.percent, 0.0);
    EXPECT_LE(p.percent, 100.0);
    if (last.count(p.what)) {
      EXPECT_GE(p.percent, last[p.what]) << p.what << " went back";
    }
    last[p.what] = p.percent;
  }
  bool eta = false;
  for (const auto& p : rec.progress_seen) eta = eta || (p.eta_s && *p.eta_s >= 0);
  EXPECT_TRUE(eta) << "mdstat's finish= gives an ETA";
}

// RecoverText: the lines `stackdr recover` prints, drawn from events it is given.
TEST(RecoverText, DrawsEachStepsLinesFromItsEvents) {
  Step s;
  s.id = "md.re-add:md1/test02";
  s.title = "re-add the member";
  s.host = "kvm01";
  s.safety = Safety::kSafe;
  s.done_when = "md1 has test02 in sync";
  std::ostringstream out;
  RecoverText text(out);
  StepEvent e{1, 1, 4, &s, "mdadm /dev/md1 --re-add /dev/sdc"};
  text.step_started(e);
  StepEnd failed;
  failed.result = StepResult::kFailed;
  failed.exit_code = 1;
  failed.command_failed = true;
  failed.error_line = "mdadm: --re-add for /dev/sdc to /dev/md1 is not possible";
  text.step_finished(e, failed);
  StepEnd refused;
  refused.result = StepResult::kRefused;
  refused.refusal = "partial-view";
  refused.detail = "needs an operator: could not read /proc/mdstat";
  text.step_finished(e, refused);
  text.progress({"md1 recovery", 42.0, 90.0});
  EXPECT_EQ(out.str(),
            "   2/4 safe        kvm01        mdadm /dev/md1 --re-add /dev/sdc\n"
            "      exit 1: mdadm: --re-add for /dev/sdc to /dev/md1 is not possible\n"
            "   2/4 safe        kvm01        REFUSED mdadm /dev/md1 --re-add /dev/sdc\n"
            "      needs an operator: could not read /proc/mdstat\n"
            "      [=============>                ]  42.0% md1 recovery  ETA 1m30s\n");
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// The resync wait stops when md has given the rebuild up (a member failed again, no resync
// running) instead of sitting out its six hours: the lab's m-watch hung on it when both legs'
// sessions were reset by the SCSI error handler mid-rebuild.
TEST(ResyncWait, GivesUpWhenAMemberFailedAndNothingResyncs) {
  Recovery rc;
  rc.fault("session-logout");
  std::vector<std::string> while_faulty;
  Check gave_up;
  RecoverOptions o = Recovery::drill_policy();
  o.planned = [&](int, const Plan& p, const View& v) {
    for (const auto& s : p.steps)
      if (s.id.starts_with("md.wait:") && s.gave_up) {
        gave_up = s.gave_up;
        while_faulty.push_back(s.gave_up(v));  // planned while md still shows the failed member
      }
  };
  RecoverOutcome out = rc.run(o);
  ASSERT_EQ(out.exit, kRecovered) << out.message << "\n" << rc.out.str();
  ASSERT_FALSE(while_faulty.empty()) << "the member's plan has a resync wait";
  EXPECT_NE(while_faulty.front().find("failed member and no resync runs"), std::string::npos)
      << while_faulty.front();
  EXPECT_EQ(gave_up(take_view(rc.s.topology, rc.s.lookup())), "") << "in sync: nothing to give up";
}

// The member leaves again as the wait starts, removed rather than failed (as when its session
// went and the SCSI layer deleted the disk): md shows [U_] with nothing to rebuild. The wait
// says so after its grace, not after six hours.
TEST(ResyncWait, GivesUpWhenTheArrayIsDegradedAndNothingRebuilds) {
  Recovery rc;
  rc.fault("session-logout");
  Recorder rec;
  RecoverOptions o = Recovery::drill_policy();
  double wait_started = 0;
  o.boundary = [&](const std::string& at) {
    if (!at.starts_with("before:md.wait:")) return;
    wait_started = rc.clock.now();
    sim::Array& a = rc.s.state->arrays.front();
    a.resync.reset();
    for (auto& m : a.members)
      if (!m.in_sync) m.in_array = false;  // the member being rebuilt, gone from the array
  };
  RecoverOutcome out = rc.run(o, rec);
  ASSERT_GT(wait_started, 0) << "the plan had a resync wait";
  EXPECT_EQ(out.exit, kNeedsOperator) << out.message;
  EXPECT_NE(out.message.find("is degraded ([U_]) and no rebuild runs"), std::string::npos) << out.message;
  ASSERT_FALSE(rec.ends.empty());
  EXPECT_EQ(rec.ends.back().result, StepResult::kGaveUp);
  double waited = rc.clock.now() - wait_started;
  EXPECT_GE(waited, 30) << "a look as md starts a rebuild is not taken as giving up";
  EXPECT_LT(waited, 300) << "not the six hours the wait allows a rebuild";
}

// A signal during a wait ends it at the next piece of sleep: the wait changed nothing, the
// step is "stopped", the run exits as stopped, and running again finishes the recovery.
TEST(ResyncWait, ASignalEndsTheWaitAndTheNextRunFinishes) {
  Recovery rc;
  rc.fault("session-logout");
  Recorder rec;
  RecoverOptions o = Recovery::drill_policy();
  bool signalled = false;
  double wait_started = 0;
  o.boundary = [&](const std::string& at) {
    if (at.starts_with("before:md.wait:")) signalled = true, wait_started = rc.clock.now();
  };
  o.stop_requested = [&] { return signalled; };
  RecoverOutcome out = rc.run(o, rec);
  ASSERT_TRUE(signalled) << "the plan had a resync wait";
  EXPECT_EQ(out.exit, kStopped) << out.message;
  EXPECT_NE(out.message.find("stopped by a signal while waiting until md1 is in sync"), std::string::npos)
      << out.message;
  ASSERT_FALSE(rec.ends.empty());
  EXPECT_EQ(rec.ends.back().result, StepResult::kStopped);
  EXPECT_LE(rc.clock.now() - wait_started, rc.clock.poll_interval()) << "within one piece of sleep";
  RecoverOutcome again = rc.run(Recovery::drill_policy());
  EXPECT_EQ(again.exit, kRecovered) << again.message << "\n" << rc.out.str();
  EXPECT_EQ(again.incident, out.incident) << "the same incident, continued";
  EXPECT_TRUE(rc.healthy());
}

}  // namespace
}  // namespace stackdr
