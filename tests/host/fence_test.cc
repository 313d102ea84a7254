// Fencing tokens (host/fence.h): the highest token a machine has seen for a stack, raised by
// each leader, and a command carrying a lower one refused there before it starts — on this
// machine's files, a practice stack's folder (through the executor), and over SSH on the far side.
#include "host/fence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/local_host.h"
#include "host/private_dir.h"
#include "host/ssh_host.h"
#include "recover/executor.h"
#include "recover/recover_text.h"
#include "sim/practice_stack.h"
#include "ssh_support.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::shared_ptr<PrivateDir> control_dir() {
  auto d = PrivateDir::make("stackdr-fence-test");
  if (!d) throw std::runtime_error(d.error().message);
  return *d;
}

fs::path scratch(const std::string& what) {
  fs::path d = fs::temp_directory_path() / ("stackdr-fence-" + what + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(FenceFile, ATokenOnlyGoesUpAndALowerOneIsRefusedSayingWhichIsRecorded) {
  std::string dir = scratch("file").string();
  EXPECT_EQ(check_fence_file(dir, {"lab", 1}), "") << "never raised: no leader is newer";
  auto r = raise_fence_file(dir, {"lab", 5});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(*raise_fence_file(dir, {"lab", 7}), 5);
  EXPECT_EQ(*raise_fence_file(dir, {"lab", 7}), 7) << "the same leader raising again";
  auto lower = raise_fence_file(dir, {"lab", 6});
  ASSERT_FALSE(lower);
  EXPECT_NE(lower.error().message.find("token 7 is recorded"), std::string::npos) << lower.error().message;
  EXPECT_EQ(testing::read_file(fence_file(dir, "lab")), "7\n");
  EXPECT_EQ(check_fence_file(dir, {"lab", 6}), "7");
  EXPECT_EQ(check_fence_file(dir, {"lab", 7}), "");
  EXPECT_EQ(check_fence_file(dir, {"other", 1}), "") << "each stack has its own";
  fs::remove_all(dir);
}

TEST(FenceFile, ADamagedFileOrABadStackNameRefusesInsteadOfGuessing) {
  std::string dir = scratch("damaged").string();
  std::ofstream(fence_file(dir, "lab")) << "seven\n";
  std::string why = check_fence_file(dir, {"lab", 9});
  EXPECT_NE(why.find("not a token"), std::string::npos) << why;
  EXPECT_FALSE(raise_fence_file(dir, {"lab", 9}));
  for (const char* bad : {"", "../etc", "a b", "-x", "$(reboot)", "a/b"}) {
    EXPECT_FALSE(fence_stack_name_ok(bad)) << bad;
    EXPECT_FALSE(raise_fence_file(dir, {bad, 1})) << bad;
  }
  EXPECT_TRUE(fence_stack_name_ok("site-a.stack_01"));
  fs::remove_all(dir);
}

// A practice stack with a session logged out, its hosts, a journal and its clock: a recovery on
// it under a given leadership.
struct Practice {
  explicit Practice(const std::string& what) : dir(scratch(what)) {
    auto p = sim::PracticeStack::create(dir, stackdr::testing::default_config(), 0);
    if (!p) throw std::runtime_error(p.error().message);
    stack = std::move(*p);
    if (!stack->inject("session-logout")) throw std::runtime_error("inject");
    for (const auto& h : stack->topology().hosts) hosts[h.name] = stack->host(h.name);
    auto j = Journal::open(":memory:");
    if (!j) throw std::runtime_error(j.error().message);
    journal = std::move(*j);
    clock = stack->clock();
  }
  ~Practice() { fs::remove_all(dir); }
  RecoverOutcome recover(std::function<Result<Fence>()> leadership) {
    RecoverOptions o;
    o.policy.yes = true;
    o.leadership = std::move(leadership);
    RecoverText text(log);
    HostLookup lookup = [this](const std::string& n) { return hosts.count(n) ? hosts[n].get() : nullptr; };
    Executor ex(stack->topology(), lookup, *clock, *journal, text);
    return ex.run(o);
  }
  fs::path dir;
  std::unique_ptr<sim::PracticeStack> stack;
  std::map<std::string, std::unique_ptr<Host>> hosts;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<Clock> clock;
  std::ostringstream log;
};

// A former leader (token 3) of a practice stack whose new leader raised 4 there: the first step
// of its recovery is refused, nothing is run, the run stops with exit 4 and says why.
TEST(Fence, AFormerLeadersRecoveryIsRefusedAtItsFirstStepAndRunsNothing) {
  Practice p("practice");
  for (auto& [name, h] : p.hosts) ASSERT_TRUE(h->raise_fence({"practice", 4})) << name;
  size_t tape = p.stack->tape().size();
  RecoverOutcome out = p.recover([] { return Result<Fence>(Fence{"practice", 3}); });
  EXPECT_EQ(out.exit, kLocked) << p.log.str();
  EXPECT_EQ(p.stack->tape().size(), tape) << "a refused step changes nothing";
  EXPECT_NE(out.message.find("refused by the fencing token"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("it has seen token 4 for stack practice, and this process carries 3"),
            std::string::npos)
      << out.message;
  std::printf("[ refusal  ] %s\n", out.message.c_str());
  // The leader (token 4) recovers the same stack: the refused step is run, not taken for done.
  RecoverOutcome led = p.recover([] { return Result<Fence>(Fence{"practice", 4}); });
  EXPECT_EQ(led.exit, kRecovered) << led.message << "\n" << p.log.str();
  int commands = 0;
  for (const auto& e : p.stack->tape())
    if (e.kind == sim::TapeEntry::Kind::kCommand) {
      ++commands;
      EXPECT_EQ(e.token, 4) << describe_argv(e.argv);
    }
  EXPECT_GT(commands, 0);
}

// A process that no longer leads (the election says so) runs no step at all.
TEST(Fence, ARecoveryStopsBeforeAStepWhenThisProcessNoLongerLeads) {
  Practice p("noleader");
  size_t tape = p.stack->tape().size();
  RecoverOutcome out = p.recover(
      [] { return Result<Fence>(Error{"this process does not lead the stack (daemon b holds it)"}); });
  EXPECT_EQ(out.exit, kLocked) << p.log.str();
  EXPECT_EQ(p.stack->tape().size(), tape);
  EXPECT_NE(out.message.find("daemon b holds it"), std::string::npos) << out.message;
}

// Over SSH the far side checks: its shell refuses before the command starts.
TEST(Fence, OverSshTheFarSideRefusesAStepCarryingALowerToken) {
  testing::TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  std::string stack = "test-" + std::to_string(::getpid());
  auto raised = far.raise_fence({stack, 12});
  ASSERT_TRUE(raised) << raised.error().message;
  EXPECT_EQ(*raised, 0);
  EXPECT_EQ(*far.raise_fence({stack, 13}), 12);
  auto lower = far.raise_fence({stack, 11});
  ASSERT_FALSE(lower);
  EXPECT_NE(lower.error().message.find("token 13 is recorded"), std::string::npos) << lower.error().message;

  fs::path marker = sshd.dir() / "ran";
  CommandResult refused = far.run_fenced({stack, 12}, {"touch", marker.string()}, 20s, {});
  EXPECT_FALSE(refused.started);
  EXPECT_EQ(refused.exit_code, kFenceRefusedExit);
  EXPECT_FALSE(fs::exists(marker)) << "the command ran";
  EXPECT_NE(refused.err.find("refused by the fencing token on far: it has seen token 13 for stack " + stack),
            std::string::npos)
      << refused.err;
  std::printf("[ refusal  ] %s\n", refused.err.c_str());

  CommandResult ran = far.run_fenced({stack, 13}, {"touch", marker.string()}, 20s, {});
  EXPECT_TRUE(ran.ok()) << ran.err;
  EXPECT_TRUE(fs::exists(marker));
  fs::remove(fence_file(kMachineLockDir, stack));
}

}  // namespace
}  // namespace stackdr
