// The daemon's settings (watch/watch_settings): the command line over the topology's `watch:`
// over the defaults, and what is refused before the daemon starts.

#include "watch/watch_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace stackdr {
namespace {

namespace fs = std::filesystem;

TEST(WatchSettings, TheCommandLineOverTheTopologyOverTheDefaults) {
  WatchConfig t;
  t.interval = 30;
  t.remind = 600;
  t.auto_recover = "safe";
  t.webhook = "http://127.0.0.1:9093/api/v2/alerts";
  WatchOverrides c;
  c.interval = 5;  // the command line wins
  auto s = resolve_watch_settings(c, t);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->interval, 5);
  EXPECT_EQ(s->remind, 600);               // the topology's
  EXPECT_EQ(s->resolve_after, 120);        // the default
  EXPECT_EQ(s->listen, "127.0.0.1:9470");  // the default: loopback
  EXPECT_EQ(s->auto_recover, "safe");
  EXPECT_EQ(s->webhook, t.webhook);
  // A daemon started with nothing said recovers nothing.
  auto bare = resolve_watch_settings({}, {});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->auto_recover, "off");
}

TEST(WatchSettings, APolicyPerCauseAndUnknownCausesRefused) {
  WatchConfig t;
  t.auto_recover = "safe";
  t.auto_recover_causes = {{"session-down", "off"}};
  auto s = resolve_watch_settings({}, t);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->policy_for("session-down"), "off");
  EXPECT_EQ(s->policy_for("lun-unmapped"), "safe");
  t.auto_recover_causes = {{"sesion-down", "off"}};  // a typo must not silently mean "safe"
  auto bad = resolve_watch_settings({}, t);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown cause 'sesion-down'"), std::string::npos)
      << bad.error().message;
}

TEST(WatchSettings, NonsenseTimesAreRefused) {
  WatchOverrides c;
  c.interval = -3;
  EXPECT_FALSE(resolve_watch_settings(c, {}));
  WatchConfig t;
  t.resolve_after = -5;  // "not given" is -1; below that is a mistake in the file
  WatchOverrides none;
  auto s = resolve_watch_settings(none, t);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("--resolve-after"), std::string::npos) << s.error().message;
}

TEST(WatchSettings, AReceiverThatCannotDeliverIsRefusedAtStart) {
  WatchSettings s;
  s.exec = {"/nonexistent/hook"};
  auto r = check_receivers(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no such executable"), std::string::npos) << r.error().message;
  s.exec = {"true"};  // found in the sender's PATH
  EXPECT_TRUE(check_receivers(s));
}

TEST(WatchSettings, OffLoopbackTheListenerNeedsAPrivateTokenOfSixteenCharacters) {
  EXPECT_EQ(*listener_token("127.0.0.1:9470", "", false), "");
  EXPECT_EQ(*listener_token("[::1]:9470", "", false), "");
  auto open = listener_token("0.0.0.0:9470", "", false);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("--token-file"), std::string::npos);
  EXPECT_EQ(*listener_token("0.0.0.0:9470", "", true), "");  // --listen-insecure, said out loud
  EXPECT_FALSE(listener_token("9470", "", false));           // no address: what to write is said

  fs::path f = fs::temp_directory_path() / ("stackdr-token-" + std::to_string(::getpid()));
  std::ofstream(f) << "short\n";
  ::chmod(f.c_str(), 0600);
  auto shorty = listener_token("0.0.0.0:9470", f.string(), false);
  ASSERT_FALSE(shorty);
  EXPECT_NE(shorty.error().message.find("at least 16"), std::string::npos) << shorty.error().message;
  std::ofstream(f) << "0123456789abcdef0123\n";
  auto ok = listener_token("0.0.0.0:9470", f.string(), false);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, "0123456789abcdef0123");
  ::chmod(f.c_str(), 0644);
  auto readable = listener_token("0.0.0.0:9470", f.string(), false);
  ASSERT_FALSE(readable);
  EXPECT_NE(readable.error().message.find("readable by everyone"), std::string::npos);
  fs::remove(f);
}

}  // namespace
}  // namespace stackdr
