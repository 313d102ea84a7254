// Hosts: LocalHost runs an argv with no shell (so names from config or tool output cannot
// inject), enforces its timeout, and says when a program is missing; ReplayHost answers from a
// bundle written with the same argv encoding.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "host/local_host.h"
#include "host/replay_host.h"
#include "util/text.h"

namespace stackdr {
namespace {

using namespace std::chrono_literals;

TEST(LocalHost, RunsArgvWithoutAShell) {
  LocalHost h("local");
  auto r = h.run({"echo", "a b", "$(id)", ";", "rm -rf /"}, 5s);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "a b $(id) ; rm -rf /\n");
}

TEST(LocalHost, CapturesStderrAndExitStatus) {
  LocalHost h("local");
  auto r = h.run({"ls", "/nonexistent-stackdr-path"}, 5s);
  EXPECT_TRUE(r.started);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nonexistent-stackdr-path"), std::string::npos);
}

TEST(LocalHost, TimeoutKillsTheCommand) {
  LocalHost h("local");
  auto t0 = std::chrono::steady_clock::now();
  auto r = h.run({"sleep", "30"}, 200ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // killed, not waited for
}

TEST(LocalHost, MissingProgramIsNotStarted) {
  LocalHost h("local");
  auto r = h.run({"stackdr-no-such-program"}, 5s);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.exit_code, 127);
}

TEST(LocalHost, ReadsFiles) {
  LocalHost h("local");
  auto r = h.read_file("/proc/self/stat");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->empty());
  EXPECT_FALSE(h.read_file("/nonexistent").ok());
}

TEST(ReplayHost, AnswersFromABundle) {
  auto dir = std::filesystem::temp_directory_path() / "stackdr-replay-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "cmd");
  std::filesystem::create_directories(dir / "fs/proc");
  Argv argv{"mdadm", "--detail", "/dev/md1"};
  std::ofstream(dir / "cmd" / ReplayHost::encode_argv(argv)) << "detail text";
  std::ofstream(dir / "cmd" / (ReplayHost::encode_argv(argv) + ".rc")) << "1";
  std::ofstream(dir / "fs/proc/mdstat") << "mdstat text";
  ReplayHost h("s01", dir);
  auto r = h.run(argv, 1s);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.out, "detail text");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(*h.read_file("/proc/mdstat"), "mdstat text");
  EXPECT_FALSE(h.run({"mdadm", "--detail", "/dev/md2"}, 1s).started);
  EXPECT_EQ(ReplayHost::encode_argv({"a b", "c/d"}), "a%20b+c%2Fd");
  // Long argvs fit a file name (255 bytes, with room for ".stderr") and stay distinct.
  Argv a(60, "word"), b(60, "word");
  b.back() = "other";
  EXPECT_LE(ReplayHost::encode_argv(a).size(), 200u);
  EXPECT_NE(ReplayHost::encode_argv(a), ReplayHost::encode_argv(b));
  std::filesystem::remove_all(dir);
}

TEST(DescribeArgv, QuotesWhatAShellWouldSplit) {
  EXPECT_EQ(describe_argv({"zfs", "set", "volmode=dev", "pool/a b"}), "zfs set volmode=dev 'pool/a b'");
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// Every command runs under LC_ALL=C whatever the caller's locale, so numbers and messages
// parse the same on every machine.
TEST(LocalHost, RunsEveryCommandUnderTheCLocale) {
  ::setenv("LANG", "de_DE.UTF-8", 1);
  ::setenv("LC_NUMERIC", "de_DE.UTF-8", 1);
  CommandResult r = LocalHost("local").run({"env"}, std::chrono::seconds(10));
  ::unsetenv("LANG");
  ::unsetenv("LC_NUMERIC");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_NE(r.out.find("LC_ALL=C\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("LANG="), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("LC_NUMERIC="), std::string::npos) << r.out;
}

// What runs as root does not depend on the caller's environment: a fixed search path (a fake
// `env` first in the caller's PATH is not run) and only PATH, LC_ALL and HOME passed on.
TEST(LocalHost, RunsWithAFixedPathAndAMinimalEnvironment) {
  namespace fs = std::filesystem;
  fs::path evil = fs::temp_directory_path() / ("stackdr-evil-path-" + std::to_string(::getpid()));
  fs::create_directories(evil);
  {
    std::ofstream f(evil / "env");
    f << "#!/bin/sh\necho EVIL\n";
  }
  fs::permissions(evil / "env", fs::perms::owner_all);
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (evil.string() + ":" + old_path).c_str(), 1);
  ::setenv("LD_PRELOAD", "/nonexistent/evil.so", 1);
  ::setenv("IFS", "x", 1);
  CommandResult r = LocalHost("local").run({"env"}, std::chrono::seconds(10));
  CommandResult custom = LocalHost("local", evil.string()).run({"env"}, std::chrono::seconds(10));
  ::setenv("PATH", old_path.c_str(), 1);
  ::unsetenv("LD_PRELOAD");
  ::unsetenv("IFS");
  fs::remove_all(evil);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out.find("EVIL"), std::string::npos) << r.out;
  std::vector<std::string> names;
  for (auto l : text::lines(r.out))
    if (!l.empty()) names.push_back(std::string(l.substr(0, l.find('='))));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"HOME", "LC_ALL", "PATH"})) << r.out;
  EXPECT_NE(r.out.find("PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"), std::string::npos) << r.out;
  EXPECT_EQ(custom.out, "EVIL\n") << "a configured command_path is used as given";
}

TEST(LocalHost, ACommandOutsideTheSearchPathIsNotFound) {
  CommandResult r = LocalHost("local", "/nonexistent").run({"env"}, std::chrono::seconds(10));
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.err.find("not found in /nonexistent"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace stackdr
