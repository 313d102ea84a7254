// Election against a real three-member etcd cluster on loopback (Debian's etcd-server): who
// leads, the token, hand-over when a leader stops renewing or resigns, and a cluster losing
// members. The elections are driven by tick() where a test needs a leader that is "paused"
// (it simply stops ticking), and by their own thread otherwise.
#include "coord/election.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "support/etcd_cluster.h"

namespace stackdr::coord {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

ElectionSettings settings(const std::string& who, int64_t ttl = 2, int64_t keepalive = 1) {
  ElectionSettings s;
  s.key = "/stackdr-test/stacks/lab/leader";
  s.holder = who;
  s.ttl_s = ttl;
  s.keepalive_s = keepalive;
  return s;
}

Election candidate(const testing::EtcdCluster& etcd, const std::string& who, int64_t ttl = 2) {
  return Election(EtcdClient(etcd.endpoints(), milliseconds(1000)), settings(who, ttl));
}

// Ticks every election given (skipping those "paused") until `until` holds or `within` passes.
template <typename Until>
bool tick_until(std::vector<Election*> running, Until until, std::chrono::milliseconds within) {
  auto end = Clock::now() + within;
  while (Clock::now() < end) {
    for (auto* e : running) e->tick();
    if (until()) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

TEST(Election, OneOfTwoLeadsAndItsTokenIsTheLeaderKeysCreationRevision) {
  testing::EtcdCluster etcd;
  Election a = candidate(etcd, "daemon a"), b = candidate(etcd, "daemon b");
  a.tick();
  b.tick();
  auto sa = a.state(), sb = b.state();
  ASSERT_TRUE(sa.leading) << sa.error;
  EXPECT_FALSE(sb.leading);
  EXPECT_GT(sa.token, 0);
  EXPECT_EQ(sb.holder, "daemon a");
  EXPECT_EQ(sb.holder_token, sa.token);
  EXPECT_EQ(*a.may_act(), sa.token);
  auto refused = b.may_act();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("daemon a holds it (token " + std::to_string(sa.token) + ")"),
            std::string::npos)
      << refused.error().message;
  // What etcd itself holds: the key, the holder, created at the token's revision.
  EtcdClient c(etcd.endpoints(), milliseconds(1000));
  auto k = c.get("/stackdr-test/stacks/lab/leader");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->value, "daemon a");
  EXPECT_EQ(k->create_revision, sa.token);
}

TEST(Election, APausedLeaderStopsActingBeforeItsLeaseEndsAndTheNextLeaderHasAHigherToken) {
  testing::EtcdCluster etcd;
  Election a = candidate(etcd, "daemon a"), b = candidate(etcd, "daemon b");
  a.tick();
  b.tick();
  int64_t first = a.state().token;
  ASSERT_GT(first, 0);
  // a is "paused": it never ticks again. b campaigns until it leads; at every look, a may not
  // act once b does, and a said it may not act no later than b's first leadership.
  bool a_stopped_first = true;
  bool b_leads = tick_until(
      {&b},
      [&] {
        bool b_now = b.state().leading;
        if (b_now && a.state().leading) a_stopped_first = false;
        return b_now;
      },
      seconds(15));
  ASSERT_TRUE(b_leads) << b.state().error;
  EXPECT_TRUE(a_stopped_first);
  EXPECT_FALSE(a.may_act());
  EXPECT_GT(b.state().token, first);
  // a wakes: its renewal finds its lease gone; it follows b and says so.
  a.tick();
  auto sa = a.state();
  EXPECT_FALSE(sa.leading);
  EXPECT_EQ(sa.holder, "daemon b");
  EXPECT_NE(sa.error.find("lease ended"), std::string::npos) << sa.error;
}

TEST(Election, AResigningLeaderHandsOverWithoutWaitingOutItsTtl) {
  testing::EtcdCluster etcd;
  Election a = candidate(etcd, "daemon a", 30), b = candidate(etcd, "daemon b", 30);
  a.tick();
  b.tick();
  ASSERT_TRUE(a.state().leading);
  a.resign();
  EXPECT_FALSE(a.may_act());
  b.tick();  // the TTL is 30 s: only the revoked lease lets b lead at once
  EXPECT_TRUE(b.state().leading) << b.state().error;
}

TEST(Election, ALeaderKeepsLeadingWhenOneMemberOfThreeIsLostAndStopsWhenTwoAre) {
  testing::EtcdCluster etcd;
  Election a(EtcdClient(etcd.endpoints(), milliseconds(500)), settings("daemon a"));
  a.start();
  ASSERT_TRUE(tick_until(
      {}, [&] { return a.state().leading; }, seconds(10)));
  int64_t token = a.state().token;
  etcd.stop(0);                             // the member a may have been talking to: it moves to the next
  std::this_thread::sleep_for(seconds(4));  // two TTLs
  EXPECT_TRUE(a.state().leading) << a.state().error;
  EXPECT_EQ(a.state().token, token);
  etcd.stop(1);  // no quorum: renewals fail, and a stops acting within its TTL
  EXPECT_TRUE(tick_until(
      {}, [&] { return !a.state().leading; }, seconds(6)));
  EXPECT_FALSE(a.may_act());
  EXPECT_FALSE(a.state().error.empty());
}

// Three candidates on their threads, a random disturbance each round: a leader paused past its
// TTL (its thread held, as SIGSTOP holds a process), a leader gone without resigning, a member of
// the cluster lost and brought back. At every look at most one candidate may act, and tokens
// only grow.
TEST(Election, RandomisedDisturbancesNeverLeaveTwoLeadersAtOnce) {
  testing::EtcdCluster etcd;
  std::mt19937 rng(20261207);
  int rounds = 8, two_at_once = 0, token_went_back = 0, leaderless_looks = 0, looks = 0;
  int64_t highest = 0;
  std::vector<std::unique_ptr<Election>> c;
  for (int i = 0; i < 3; ++i)
    c.push_back(std::make_unique<Election>(EtcdClient(etcd.endpoints(), milliseconds(500)),
                                           settings("daemon " + std::to_string(i))));
  std::vector<bool> paused(3, false);
  auto look = [&] {
    int leading = 0;
    for (int i = 0; i < 3; ++i)
      if (auto t = c[i]->may_act()) {
        ++leading;
        if (*t < highest) ++token_went_back;
        highest = std::max(highest, *t);
      }
    ++looks;
    if (leading > 1) ++two_at_once;
    if (leading == 0) ++leaderless_looks;
  };
  for (int round = 0; round < rounds; ++round) {
    int what = static_cast<int>(rng() % 3), who = static_cast<int>(rng() % 3);
    for (int i = 0; i < 3; ++i)
      if (what != 2 && c[i]->state().leading) who = i;  // pause or lose the leader itself
    if (what == 2) etcd.stop(who);
    for (int step = 0; step < 40; ++step) {            // 4 s: two TTLs
      if (step == 5 && what == 0) paused[who] = true;  // this candidate stops renewing
      if (step == 5 && what == 1) c[who]->abandon();
      for (int i = 0; i < 3; ++i)
        if (!paused[i]) c[i]->tick();
      look();
      std::this_thread::sleep_for(milliseconds(100));
    }
    paused[who] = false;
    if (what == 1) {  // gone as a crash goes (abandoned above): a new process in its place
      c[who] = std::make_unique<Election>(EtcdClient(etcd.endpoints(), milliseconds(500)),
                                          settings("daemon " + std::to_string(who) + "'"));
    }
    etcd.start(who);
    ASSERT_TRUE(etcd.wait_healthy(seconds(20)));
  }
  EXPECT_EQ(two_at_once, 0);
  EXPECT_EQ(token_went_back, 0);
  std::printf("[ figures  ] %d looks over %d rounds: %d with no leader, 0 allowed with two\n", looks, rounds,
              leaderless_looks);
}

}  // namespace
}  // namespace stackdr::coord
