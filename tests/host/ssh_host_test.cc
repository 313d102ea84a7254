// SshHost against a real sshd on 127.0.0.1 (tests/ssh_support.h): every argument arrives byte
// for byte and nothing else runs; one TCP connection carries a whole sweep; an unknown or
// changed host key and a refused login are clear errors; a command past its timeout is killed
// on the far side; a step's remote process is reported and found again after the connection
// was lost in the middle of it.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "ssh_support.h"
#include "store/host_lock.h"
#include "support/paths.h"
#include "util/text.h"

namespace stackdr {
namespace {

using namespace std::chrono_literals;
using testing::TestSshd;

std::shared_ptr<PrivateDir> control_dir() {
  auto d = PrivateDir::make("stackdr-ssh-test");
  if (!d) throw std::runtime_error(d.error().message);
  return *d;
}

std::vector<std::string> nul_split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\0') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

TEST(SshHost, EveryArgumentArrivesByteForByteAndNothingElseRuns) {
  TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  std::string trap = (sshd.dir() / "pwned").string();
  std::vector<std::string> words = {"two words",
                                    "it's",
                                    "\"double\"",
                                    "a;touch " + trap,
                                    "$(touch " + trap + ")",
                                    "`touch " + trap + "`",
                                    "line one\nline two",
                                    "-rf",
                                    "--scan",
                                    "\xff\xfe not UTF-8 \xc3",
                                    "*",
                                    "",
                                    "tab\there",
                                    "back\\slash",
                                    "&& touch " + trap,
                                    "| touch " + trap,
                                    "> " + trap};
  Argv argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), words.begin(), words.end());
  CommandResult r = far.run(argv, 20s);
  ASSERT_TRUE(r.ok()) << r.exit_code << " " << r.err;
  EXPECT_EQ(nul_split(r.out), words);
  EXPECT_FALSE(std::filesystem::exists(trap)) << "the far side ran something it was not given";

  // The far side's environment is the clean one a local command gets.
  CommandResult env = far.run({"env"}, 20s);
  ASSERT_TRUE(env.ok()) << env.err;
  std::vector<std::string> vars;
  for (auto l : text::lines(env.out)) vars.emplace_back(l);
  std::sort(vars.begin(), vars.end());
  EXPECT_EQ(vars, (std::vector<std::string>{"HOME=/", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}));

  // A file read is the file.
  auto f = far.read_file((sshd.dir() / "known_hosts").string());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(*f, testing::read_file(sshd.dir() / "known_hosts"));
  auto missing = far.read_file("/nonexistent/file");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos) << missing.error().message;
}

TEST(SshHost, ASweepOfTwentyReadsIsOneConnection) {
  TestSshd sshd;
  int before = sshd.connections();
  {
    SshHost far(sshd.target(), control_dir());
    std::vector<std::future<CommandResult>> reads;
    for (int i = 0; i < 20; ++i)  // side by side, as the observer runs probes
      reads.push_back(std::async(std::launch::async, [&far, i] {
        return far.run({"echo", std::to_string(i)}, 20s);
      }));
    for (int i = 0; i < 20; ++i) {
      CommandResult r = reads[static_cast<size_t>(i)].get();
      EXPECT_TRUE(r.ok()) << r.err;
      EXPECT_EQ(r.out, std::to_string(i) + "\n");
    }
    ASSERT_TRUE(far.connect_ms());
    RecordProperty("connect_ms", static_cast<int>(*far.connect_ms()));
  }
  EXPECT_EQ(sshd.connections() - before, 1) << testing::read_file(sshd.dir() / "sshd.log");
}

// Reads go through one session (RemoteRunner), however many run side by side; a step gets a
// session of its own (its remote pid is journaled).
TEST(SshHost, ReadsShareOneSessionAndAStepHasItsOwn) {
  TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  ASSERT_TRUE(far.run({"true"}, 20s).ok());
  int before = sshd.sessions();
  std::vector<std::future<CommandResult>> reads;
  for (int i = 0; i < 20; ++i)
    reads.push_back(std::async(std::launch::async, [&far, i] {
      return far.run({"sh", "-c", "sleep 0.2; echo $1; echo err$1 >&2; exit $1", "sh", std::to_string(i)},
                     20s);
    }));
  for (int i = 0; i < 20; ++i) {
    CommandResult r = reads[static_cast<size_t>(i)].get();
    EXPECT_EQ(r.exit_code, i) << r.err;
    EXPECT_EQ(r.out, std::to_string(i) + "\n");
    EXPECT_EQ(r.err, "err" + std::to_string(i) + "\n");
  }
  CommandResult missing = far.run({"no-such-tool-here", "--version"}, 20s);
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
  EXPECT_EQ(sshd.sessions(), before) << "the reads opened sessions of their own";
  ASSERT_TRUE(far.run_tracked({"true"}, 20s, [](const ProcessId&) {}).ok());
  EXPECT_EQ(sshd.sessions(), before + 1);
}

// A far side without perl: every read runs in a session of its own, as before, and gives the
// same answers.
TEST(SshHost, WithoutPerlOnTheFarSideReadsRunOneSessionEach) {
  TestSshd sshd;
  auto bin = sshd.dir() / "bin";  // the far side's PATH: a few tools, and no perl
  std::filesystem::create_directories(bin);
  for (const char* tool : {"timeout", "echo", "cat", "sh"})
    std::filesystem::create_symlink(std::string("/usr/bin/") + tool, bin / tool);
  SshTarget t = sshd.target();
  t.command_path = bin.string();
  SshHost far(t, control_dir());
  int before = sshd.sessions();
  CommandResult r = far.run({"echo", "still read"}, 20s);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "still read\n");
  auto f = far.read_file((sshd.dir() / "known_hosts").string());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(sshd.sessions() - before, 3) << "the runner that did not start, then one per read";
}

// The connection is lost while a read runs through the shared session: the read's result is
// unknown (exit 255, said so), and the far side ends what it ran.
TEST(SshHost, AReadInFlightWhenTheConnectionIsLostIsUnknownAndEndedThere) {
  TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  ASSERT_TRUE(far.run({"true"}, 20s).ok());
  auto read = std::async(std::launch::async, [&far] { return far.run({"sleep", "43.75"}, 60s); });
  std::this_thread::sleep_for(1s);
  Argv stop = far.client_argv({"true"}, 1s, false);
  stop.erase(stop.end() - 5, stop.end());  // -o ControlMaster=no, --, destination, command
  for (const char* w : {"-O", "exit", "--", "127.0.0.1"}) stop.push_back(w);
  LocalHost("local").run(stop, 10s);
  ASSERT_EQ(read.wait_for(20s), std::future_status::ready) << "the read waited past the lost connection";
  CommandResult r = read.get();
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("result is unknown"), std::string::npos) << r.err;
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !LocalHost("local").run({"pgrep", "-f", "slee[p] 43.75"}, 10s).ok();
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "the far side left the read running";
}

// The far side's kernel events arrive as lines while they happen (the daemon's follower): a
// record written to /dev/kmsg there comes back as "kmsg LEVEL MESSAGE"; closing the follower
// ends its far side.
TEST(SshHost, KernelEventsOfTheFarSideArriveAsTheyHappen) {
  if (::access("/dev/kmsg", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kmsg cannot be read and written here";
  TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  std::string why;
  auto f = far.follow(why);
  ASSERT_TRUE(f) << why;
  std::string mark = "stackdr follower test " + std::to_string(::getpid());
  std::ofstream("/dev/kmsg") << "<3>" << mark << "\n";
  std::vector<std::string> got;
  auto end = std::chrono::steady_clock::now() + 10s;
  bool ended = false;
  while (std::chrono::steady_clock::now() < end && got.empty()) {
    pollfd p{f->fd(), POLLIN, 0};
    ::poll(&p, 1, 200);
    for (auto& l : f->read_lines(ended, why))
      if (l.find(mark) != std::string::npos) got.push_back(l);
  }
  ASSERT_EQ(got.size(), 1u) << "ended: " << ended << " " << why;
  EXPECT_EQ(got[0], "kmsg 3 " + mark);
  f.reset();
  // Followers of this test's sshd (other tests may run theirs at the same time).
  auto ours = [&] {
    int n = 0;
    CommandResult r = LocalHost("local").run({"pgrep", "-f", "stackdr-follow[e]r"}, 10s);
    for (auto pid : text::lines(r.out)) {
      std::string p(text::trim(pid));
      for (int hops = 0; hops < 10 && !p.empty() && p != "1"; ++hops) {
        if (p == std::to_string(sshd.pid())) {
          ++n;
          break;
        }
        std::string stat = testing::read_file("/proc/" + p + "/stat");
        auto f = text::fields(stat.substr(stat.rfind(')') == std::string::npos ? 0 : stat.rfind(')') + 1));
        p = f.size() > 1 ? std::string(f[1]) : "";
      }
    }
    return n;
  };
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = ours() == 0;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "the far side's follower outlived its session";
}

// ZFS events through the follower (`zpool events -H -f`, ZED's source), from now on: what the
// kernel still holds from before is skipped. No ZFS here: a stand-in `zpool` first in PATH
// prints two past events, then a new one. The follower runs on this machine for zpool alone,
// as the daemon runs it on a storage server it is on.
TEST(RemoteFollower, ZfsEventsArriveFromNowOn) {
  auto dir = control_dir();
  std::filesystem::path bin = std::filesystem::path(dir->path()) / "bin";
  std::filesystem::create_directories(bin);
  std::ofstream(bin / "zpool")
      << "#!/bin/sh\n"
         "echo 'Nov 30 2026 08:00:00.000000001 sysevent.fs.zfs.history_event'\n"
         "echo 'Nov 30 2026 08:00:00.000000002 resource.fs.zfs.statechange'\n"
         "[ \"$3\" = -f ] || exit 0\n"
         "sleep 1; echo 'Nov 30 2026 08:00:03.000000003 ereport.fs.zfs.io'; while :; do sleep 1; done\n";
  std::filesystem::permissions(bin / "zpool", std::filesystem::perms::owner_all);
  std::string why;
  auto f = RemoteFollower::start({"env", "-i", "PATH=" + bin.string() + ":/usr/bin:/bin", "perl", "-e",
                                  RemoteFollower::script(), "zpool"},
                                 LocalHost::kDefaultPath, {}, 20s, why);
  ASSERT_TRUE(f) << why;
  std::vector<std::string> got;
  bool ended = false;
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end && got.empty() && !ended) {
    pollfd p{f->fd(), POLLIN, 0};
    ::poll(&p, 1, 200);
    for (auto& l : f->read_lines(ended, why)) got.push_back(l);
  }
  ASSERT_EQ(got, std::vector<std::string>{"zpool Nov 30 2026 08:00:03.000000003 ereport.fs.zfs.io"}) << why;
  f.reset();
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !LocalHost("local").run({"pgrep", "-f", (bin / "zpool").string()}, 10s).ok();
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << "zpool events -f outlived its follower";
}

TEST(SshHost, AnUnknownHostKeyIsRefusedAndSaysHowToAddIt) {
  TestSshd sshd;
  std::ofstream(sshd.dir() / "known_hosts", std::ios::trunc) << "";
  SshHost far(sshd.target(), control_dir());
  CommandResult r = far.run({"true"}, 20s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.err.find("not in known_hosts"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ssh-keyscan -p " + std::to_string(sshd.port()) + " 127.0.0.1"), std::string::npos)
      << r.err;
  // Still unknown: stackdr did not add it.
  EXPECT_EQ(testing::read_file(sshd.dir() / "known_hosts"), "");
  auto f = far.read_file("/proc/mdstat");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("not in known_hosts"), std::string::npos) << f.error().message;
}

TEST(SshHost, AChangedHostKeyIsRefused) {
  TestSshd sshd;
  std::ofstream(sshd.dir() / "known_hosts", std::ios::trunc)
      << "[127.0.0.1]:" << sshd.port() << " " << testing::read_file(sshd.dir() / "other_host_key.pub");
  SshHost far(sshd.target(), control_dir());
  CommandResult r = far.run({"true"}, 20s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.err.find("CHANGED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ssh-keygen -R 127.0.0.1"), std::string::npos) << r.err;
}

TEST(SshHost, AWrongUserIsARefusedLogin) {
  TestSshd sshd;
  SshTarget t = sshd.target();
  t.user = "nosuchuser";
  SshHost far(t, control_dir());
  CommandResult r = far.run({"true"}, 20s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.err.find("login as nosuchuser was refused"), std::string::npos) << r.err;
}

TEST(SshHost, NoServerIsUnreachableWithTheReason) {
  SshTarget t;
  {
    TestSshd sshd;
    t = sshd.target();
  }  // stopped: nothing listens on its port any more
  SshHost far(t, control_dir());
  CommandResult r = far.run({"true"}, 20s);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.err.find("cannot reach it over SSH"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

TEST(SshHost, ACommandPastItsTimeoutIsKilledOnTheFarSide) {
  TestSshd sshd;
  SshHost far(sshd.target(), control_dir());
  CommandResult r = far.run({"sleep", "37.25"}, 1s);
  EXPECT_TRUE(r.timed_out);
  // The far side's `timeout` ended it: nothing of it is left there.
  // (The pattern does not match the command line of the pgrep that looks for it.)
  CommandResult left = far.run({"pgrep", "-f", "slee[p] 37.25"}, 20s);
  EXPECT_EQ(left.exit_code, 1) << "still running: " << left.out;
}

TEST(SshHost, AStepsRemoteProcessIsReportedAndFoundAfterTheConnectionIsLost) {
  TestSshd sshd;
  auto dir = control_dir();
  ProcessId reported;
  std::promise<void> got_pid;
  CommandResult r;
  {
    SshHost far(sshd.target(), dir);
    auto run = std::async(std::launch::async, [&] {
      return far.run_tracked({"sleep", "41.5"}, 60s, [&](const ProcessId& p) {
        reported = p;
        got_pid.set_value();
      });
    });
    ASSERT_EQ(got_pid.get_future().wait_for(20s), std::future_status::ready);
    EXPECT_EQ(far.running(reported), true);
    // The connection dies in the middle of the step (the master is told to exit).
    Argv stop = far.client_argv({"true"}, 1s, false);
    stop.erase(stop.end() - 5, stop.end());  // -o ControlMaster=no, --, destination, command
    for (const char* w : {"-O", "exit", "--", "127.0.0.1"}) stop.push_back(w);
    LocalHost("local").run(stop, 10s);
    r = run.get();
  }
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_TRUE(r.started) << "it had started: its result is unknown, not 'never ran'";
  EXPECT_NE(r.err.find("result is unknown"), std::string::npos) << r.err;
  // A new connection (as `recover --resume` makes) finds the step still running there: it
  // will not start a second copy.
  SshHost again(sshd.target(), control_dir());
  EXPECT_EQ(again.running(reported), true);
  LocalHost("local").run({"pkill", "-f", "sleep 41.5"}, 10s);
  for (int i = 0; i < 50 && again.running(reported) == true; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(again.running(reported), false);
}

// The shipped topology's shape with every host `transport: ssh` to the test's sshd: `status
// --json` reads each host over SSH — the tools this machine lacks answer with their own exit
// status, the files it has are read — and never says there is no way to reach a host.
// A login shell that writes at start-up (an rc file, a banner script) comes before the pid
// marker on standard error: the step's pid is still found, and the marker is not in its
// output. (BASH_ENV makes the far side's non-interactive bash source a noisy file.)
TEST(SshHost, ANoisyLoginShellDoesNotHideTheStepsPid) {
  auto noise =
      std::filesystem::temp_directory_path() / ("stackdr-noise-" + std::to_string(::getpid()) + ".sh");
  std::ofstream(noise) << "echo 'welcome to the storage server' >&2\necho 'pyenv: cannot rehash' >&2\n";
  TestSshd sshd("SetEnv BASH_ENV=" + noise.string() + "\n");
  SshHost far(sshd.target(), control_dir());
  std::optional<ProcessId> reported;
  CommandResult r = far.run_tracked({"sh", "-c", "echo done; echo oops >&2"}, 20s,
                                    [&](const ProcessId& p) { reported = p; });
  ASSERT_TRUE(r.ok()) << r.err;
  ASSERT_TRUE(reported) << "no pid reported; stderr: " << r.err;
  EXPECT_GT(reported->pid, 0);
  EXPECT_EQ(r.out, "done\n");
  EXPECT_EQ(r.err.find("stackdr-remote-pid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("welcome to the storage server"), std::string::npos)
      << "the noise was not made: " << r.err;
  EXPECT_NE(r.err.find("oops"), std::string::npos) << r.err;
  std::filesystem::remove(noise);
}

TEST(SshHost, StatusReadsEveryHostOverSsh) {
  TestSshd sshd;
  std::string text = testing::read_file(stackdr::testing::default_config());
  size_t hosts = text.find("hosts:"), storage = text.find("\nstorage:");
  ASSERT_NE(hosts, std::string::npos);
  std::string ssh = fmt::format(
      "    transport: ssh\n    address: 127.0.0.1\n    port: {}\n    user: root\n    identity: {}\n"
      "    ssh_options: [UserKnownHostsFile={}, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]\n",
      sshd.port(), (sshd.dir() / "client_key").string(), (sshd.dir() / "known_hosts").string());
  std::string topo = text.substr(0, hosts) + "hosts:\n  storage:\n    role: storage\n" + ssh +
                     "  s01:\n    role: kvm\n" + ssh + "  sjm-explore:\n    role: vm\n" + ssh +
                     text.substr(storage);
  // The runbook's addresses are real machines: the portal stackdr pings here is a loopback one.
  for (size_t at; (at = topo.find("192.168.125.")) != std::string::npos;) topo.replace(at, 12, "127.0.125.");
  auto file = sshd.dir() / "topology.yaml";
  std::ofstream(file) << topo;
  int before = sshd.connections();
  CommandResult r = LocalHost("local").run(
      {stackdr::testing::stackdr_binary(), "status", "--json", "--config", file.string()}, 120s);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out << r.err;
  int ok = 0;
  for (const auto& src : j["sweep"]["sources"]) ok += src["ok"].get<bool>();
  EXPECT_GT(ok, 0) << "nothing was read over SSH: " << j["unreadable"].dump(2);
  ASSERT_FALSE(j["unreadable"].empty());  // this machine has no zpool, mdadm or virsh
  for (const auto& u : j["unreadable"]) {
    std::string e = u["error"];
    EXPECT_EQ(e.find("no way to reach"), std::string::npos) << u.dump();
    EXPECT_EQ(e.find("cannot reach it over SSH"), std::string::npos) << u.dump();
  }
  // What was read counts: this machine's /proc/mounts has no /mnt/raid (seen absent), and the
  // rest is UNKNOWN; nothing is OK.
  EXPECT_GE(j["code"].get<int>(), 2) << j["findings"].dump(2);
  for (const auto& f : j["findings"]) std::cout << "[ ssh status ] finding: " << f["summary"] << "\n";
  EXPECT_EQ(sshd.connections() - before, 3) << "one connection per host";
  for (const auto& src : j["sweep"]["sources"])
    EXPECT_EQ(src["source"].get<std::string>().find("192.168.125."), std::string::npos) << src.dump();

  // Collected over SSH, the bundle reads back as that sweep: the same findings and the same
  // unreadable sources with their reasons.
  auto bundle = (sshd.dir() / "b.tar.gz").string();
  CommandResult c = LocalHost("local").run(
      {stackdr::testing::stackdr_binary(), "collect", "--config", file.string(), "--out", bundle}, 120s);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto back = nlohmann::json::parse(
      LocalHost("local")
          .run({stackdr::testing::stackdr_binary(), "status", "--json", "--from", bundle}, 60s)
          .out,
      nullptr, false);
  ASSERT_TRUE(back.is_object());
  EXPECT_EQ(back["findings"], j["findings"]);
  EXPECT_EQ(back["code"], j["code"]);
  // The same sources unreadable; their messages are two live runs' stderr, which the far
  // side's shell start-up may add to (root's ~/.bashrc here sometimes complains).
  auto sources = [](const nlohmann::json& unreadable) {
    std::set<std::string> out;
    for (const auto& u : unreadable)
      out.insert(u["host"].get<std::string>() + " " + u["source"].get<std::string>());
    return out;
  };
  EXPECT_EQ(sources(back["unreadable"]), sources(j["unreadable"]));
}

// A machine's recovery lock is a file on that machine: a recovery with another --state-dir
// here is refused while one runs (both ran `systemctl start target` at once before), and so is
// one from "another laptop" reaching it over SSH; the lock goes with the holder's connection.
// (One test: every part takes the same real lock file, /run/lock/stackdr/….)
TEST(MachineLock, IsHeldOnTheMachineForEveryStateDirectoryAndOverSsh) {
  bool held = false;
  {
    auto running = HostLock::acquire(kMachineLockDir, kMachineLockName, held);
    ASSERT_TRUE(running) << running.error().message;
    auto dir =
        std::filesystem::temp_directory_path() / ("stackdr-machine-lock-" + std::to_string(::getpid()));
    // config/lab.yaml: every host is this machine (transport: local).
    auto r = LocalHost("local").run(
        {stackdr::testing::stackdr_binary(), "recover", "--config",
         stackdr::testing::tests_dir() + "/../config/lab.yaml", "--state-dir", dir.string()},
        60s);
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_NE(r.err.find(std::string(kMachineLockDir) + "/recover." + kMachineLockName + ".lock"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(std::to_string(::getpid())), std::string::npos) << r.err;
    std::filesystem::remove_all(dir);
    // Over SSH, the far side's lock file is the same one: held.
    TestSshd sshd;
    SshHost far(sshd.target(), control_dir());
    auto l = far.lock_machine("stackdr pid 1 on another-laptop", held);
    ASSERT_FALSE(l);
    EXPECT_TRUE(held) << l.error().message;
  }
  TestSshd sshd;
  {
    SshHost laptop_a(sshd.target("storage"), control_dir());
    auto a = laptop_a.lock_machine("stackdr pid 111 on laptop-a", held);
    ASSERT_TRUE(a) << a.error().message;
    SshHost laptop_b(sshd.target("storage"), control_dir());
    auto b = laptop_b.lock_machine("stackdr pid 222 on laptop-b", held);
    ASSERT_FALSE(b);
    EXPECT_TRUE(held);
    EXPECT_NE(b.error().message.find("stackdr pid 111 on laptop-a"), std::string::npos) << b.error().message;
    // And a stackdr running on that machine itself sees it too.
    auto local = HostLock::acquire(kMachineLockDir, kMachineLockName, held);
    EXPECT_FALSE(local);
    EXPECT_TRUE(held);
  }  // laptop a lets go (its connection ends)
  SshHost laptop_b(sshd.target("storage"), control_dir());
  std::unique_ptr<HeldProcess> b;
  for (int i = 0; i < 50 && !b; ++i) {  // the far side notices the end of input within moments
    auto r = laptop_b.lock_machine("stackdr pid 222 on laptop-b", held);
    if (r)
      b = std::move(*r);
    else
      std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(b) << "the lock outlived its holder";
}

}  // namespace
}  // namespace stackdr
