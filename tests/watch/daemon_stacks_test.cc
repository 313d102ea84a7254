// One daemon, a folder of stacks (stacks.d): each stack swept on its own, a fault on one is that
// stack's alert (labelled stack and site), incident (in its own journal) and row at the top of the
// stack list; /metrics carries every stack's samples, labelled; the other stacks stay OK. And a
// verb on the folder needs --stack when there are several, and says which there are.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/daemon_process.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Daemon;
using testing::eventually;
using testing::get;
using testing::promtool_check;
using testing::Receiver;

// A folder of three practice-sized stacks: the example topology under three names, two sites.
fs::path stack_folder(const fs::path& dir) {
  fs::path folder = dir / "stacks.d";
  fs::create_directories(folder);
  std::string example = testing::read_file(stackdr::testing::default_config());
  for (auto [name, site] : {std::pair{"alpha", "dc1"}, {"beta", "dc2"}, {"gamma", "dc1"}})
    std::ofstream(folder / (std::string(name) + ".yaml")) << "name: " << name << "\nsite: " << site << "\n"
                                                          << example;
  return folder;
}

// `stackdr watch` on a folder's simulated stacks: a sweep a second, alerts to `hook` at once.
Argv watch_args(const fs::path& folder, const std::string& state, Receiver& hook) {
  return {"watch",       "--lab",      "--config", folder.string(),   "--state-dir", state,       "--listen",
          "127.0.0.1:0", "--interval", "1",        "--resolve-after", "0",           "--webhook", hook.url()};
}

TEST(WatchStacks, OneDaemonWatchesAFolderAndAFaultIsItsStacksAlone) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-stacks-watch-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path folder = stack_folder(dir);
  std::string state = (dir / "state").string();
  Receiver hook;
  Daemon d(watch_args(folder, state, hook), dir / "watch.log");
  int port = d.wait_ready(60s);
  ASSERT_GT(port, 0) << d.output();

  auto list = nlohmann::json::parse(get(port, "/status"), nullptr, false);
  ASSERT_EQ(list["stacks"].size(), 3u) << list.dump(2);
  for (const auto& s : list["stacks"]) EXPECT_EQ(s["status"], 0) << s.dump();
  std::string page = get(port, "/metrics");
  EXPECT_EQ(promtool_check(page), "") << page;
  EXPECT_NE(page.find("stackdr_watch_stacks 3\n"), std::string::npos) << page;
  for (const char* s :
       {"stackdr_status{stack=\"alpha\",site=\"dc1\"} 0", "stackdr_status{stack=\"beta\",site=\"dc2\"} 0",
        "stackdr_status{stack=\"gamma\",site=\"dc1\"} 0"})
    EXPECT_NE(page.find(s), std::string::npos) << s << "\n" << page;

  httplib::Client c("127.0.0.1", port);
  auto unnamed = c.Post("/lab/faults?name=session-logout", "", "text/plain");
  ASSERT_TRUE(unnamed);
  EXPECT_EQ(unnamed->status, 400) << unnamed->body;  // which stack is a guess: refused
  auto r = c.Post("/lab/faults?stack=beta&name=session-logout", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;

  // beta's alert, labelled with its stack and site; the others say nothing.
  ASSERT_TRUE(eventually(30s, [&] { return !hook.bodies().empty(); })) << d.output();
  nlohmann::json alert = hook.bodies().front()[0];
  EXPECT_EQ(alert["labels"]["stack"], "beta") << alert.dump();
  EXPECT_EQ(alert["labels"]["site"], "dc2") << alert.dump();
  EXPECT_EQ(alert["labels"]["cause"], "session-down") << alert.dump();
  EXPECT_NE(alert["generatorURL"].get<std::string>().find("/stacks/beta/status"), std::string::npos);

  // Worst first: beta heads the list and the page; alpha and gamma stay OK.
  ASSERT_TRUE(eventually(20s, [&] {
    list = nlohmann::json::parse(get(port, "/status"), nullptr, false);
    return list["stacks"][0]["stack"] == "beta" && list["stacks"][0]["incidents_open"] == 1;
  })) << list.dump(2);
  EXPECT_EQ(list["stacks"][0]["status"], 1);
  EXPECT_EQ(list["stacks"][1]["status"], 0);
  EXPECT_EQ(list["stacks"][2]["status"], 0);
  std::string html = get(port, "/");
  auto at_beta = html.find("/stacks/beta/"), at_alpha = html.find("/stacks/alpha/");
  ASSERT_NE(at_beta, std::string::npos) << html;
  EXPECT_LT(at_beta, at_alpha) << html;
  int status = 0;
  EXPECT_NE(get(port, "/stacks/beta/", &status).find("<strong>beta</strong>"), std::string::npos);
  EXPECT_EQ(status, 200);
  EXPECT_NE(get(port, "/stacks/beta/incidents/1", &status).find("Incident 1"), std::string::npos);
  EXPECT_EQ(status, 200);
  get(port, "/incidents/1", &status);
  EXPECT_EQ(status, 404);  // of which stack: said in the body
  get(port, "/stacks/nope/status", &status);
  EXPECT_EQ(status, 404);
  auto beta = nlohmann::json::parse(get(port, "/stacks/beta/status"), nullptr, false);
  EXPECT_EQ(beta["code"], 1) << beta.dump(2);

  double took = 0;
  EXPECT_EQ(d.terminate(5000ms, took), 0) << d.output();
  // Each stack its own journal: beta's incident is beta's, named so; alpha has none.
  auto beta_list = testing::run_stackdr(
      {"incident", "list", "--lab", "--state-dir", state, "--stack", "beta", "--format", "json"});
  auto j = nlohmann::json::parse(beta_list.out, nullptr, false);
  ASSERT_EQ(j["incidents"].size(), 1u) << beta_list.out << beta_list.err;
  EXPECT_EQ(j["incidents"][0]["stack"], "beta");
  EXPECT_EQ(j["incidents"][0]["site"], "dc2");
  auto alpha_list = testing::run_stackdr(
      {"incident", "list", "--lab", "--state-dir", state, "--stack", "alpha", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(alpha_list.out, nullptr, false)["incidents"].size(), 0u) << alpha_list.out;
  auto which = testing::run_stackdr({"incident", "list", "--lab", "--state-dir", state});
  EXPECT_EQ(which.exit_code, 64);
  EXPECT_NE(which.err.find("one journal per stack (alpha, beta, gamma): say which with --stack NAME"),
            std::string::npos)
      << which.err;
  fs::remove_all(dir);
}

// SIGHUP on a folder: a stack file added is watched (its pages, samples and alerts), one removed
// is not (404, no samples), a broken file added is refused by name while the others go on, and
// going from one stack to several moves the one's pages under /stacks/NAME/ and names it in the log.
TEST(WatchStacks, SighupWatchesTheStacksAddedAndEndsTheOnesRemoved) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-stacks-hup-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path folder = stack_folder(dir);
  fs::path spare = dir / "spare";
  fs::create_directories(spare);
  fs::rename(folder / "beta.yaml", spare / "beta.yaml");
  fs::rename(folder / "gamma.yaml", spare / "gamma.yaml");
  std::string state = (dir / "state").string();
  Receiver hook;
  Daemon d(watch_args(folder, state, hook), dir / "watch.log");
  int port = d.wait_ready(60s);
  ASSERT_GT(port, 0) << d.output();
  // One stack: its own dashboard at /, its status at /status.
  auto one = nlohmann::json::parse(get(port, "/status"), nullptr, false);
  EXPECT_FALSE(one.contains("stacks")) << one.dump(2);
  EXPECT_EQ(d.output().find("[stack alpha]"), std::string::npos) << d.output();  // alone: not named

  fs::copy_file(spare / "beta.yaml", folder / "beta.yaml");
  fs::copy_file(spare / "gamma.yaml", folder / "gamma.yaml");
  ::kill(d.pid(), SIGHUP);
  nlohmann::json list;
  ASSERT_TRUE(eventually(30s,
                         [&] {
                           list = nlohmann::json::parse(get(port, "/status"), nullptr, false);
                           return list.contains("stacks") && list["stacks"].size() == 3u;
                         }))
      << list.dump(2) << d.output();
  EXPECT_NE(d.output().find("stack gamma added to the folder: watched from now on"), std::string::npos);
  int code = 0;
  get(port, "/stacks/alpha/status", &code);
  EXPECT_EQ(code, 200);
  // The new stack is swept and alerts like the others.
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/lab/faults?stack=gamma&name=session-logout", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  ASSERT_TRUE(eventually(30s, [&] { return !hook.bodies().empty(); })) << d.output();
  nlohmann::json alert = hook.bodies().front()[0];
  EXPECT_EQ(alert["labels"]["stack"], "gamma") << alert.dump();
  EXPECT_NE(alert["generatorURL"].get<std::string>().find("/stacks/gamma/status"), std::string::npos);
  // alpha, watched alone until now, names itself in the log from the moment it is one of several.
  r = c.Post("/lab/faults?stack=alpha&name=session-logout", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_TRUE(eventually(30s, [&] { return d.output().find("[stack alpha] FIRING") != std::string::npos; }))
      << d.output();

  // beta removed, and a broken file added: beta ends, the broken one is named, alpha and gamma
  // stay watched.
  fs::remove(folder / "beta.yaml");
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(eventually(30s,
                         [&] {
                           list = nlohmann::json::parse(get(port, "/status"), nullptr, false);
                           return list.contains("stacks") && list["stacks"].size() == 2u;
                         }))
      << list.dump(2) << d.output();
  get(port, "/stacks/beta/status", &code);
  EXPECT_EQ(code, 404);
  std::string metrics = get(port, "/metrics");
  EXPECT_EQ(metrics.find("stack=\"beta\""), std::string::npos);
  EXPECT_NE(metrics.find("stackdr_watch_stacks 2\n"), std::string::npos) << metrics;
  // Said once its loop has ended, which can come after its pages went.
  EXPECT_TRUE(eventually(30s, [&] {
    return d.output().find("stack beta is no longer in the folder") != std::string::npos;
  })) << d.output();

  std::ofstream(folder / "delta.yaml") << "name: delta\nhosts: [\n";
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(eventually(30s, [&] {
    return d.output().find("could not be listed again") != std::string::npos;
  })) << d.output();
  EXPECT_NE(d.output().find("delta.yaml"), std::string::npos) << d.output();
  list = nlohmann::json::parse(get(port, "/status"), nullptr, false);
  EXPECT_EQ(list["stacks"].size(), 2u) << list.dump(2);

  double took = 0;
  EXPECT_EQ(d.terminate(30s, took), 0) << d.output();
  fs::remove_all(dir);
}

TEST(WatchStacks, AVerbOnAFolderOfSeveralNeedsStackAndHintsNameIt) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-stacks-verb-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path folder = stack_folder(dir);
  std::string state = (dir / "state").string();
  auto none = testing::run_stackdr({"status", "--lab", "--config", folder.string(), "--state-dir", state});
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_NE(none.err.find("holds 3 stacks (alpha, beta and gamma): say which with --stack NAME"),
            std::string::npos)
      << none.err;
  auto typo = testing::run_stackdr(
      {"status", "--lab", "--config", folder.string(), "--stack", "bet", "--state-dir", state});
  EXPECT_EQ(typo.exit_code, 64);
  EXPECT_NE(typo.err.find("--stack bet: no such stack"), std::string::npos) << typo.err;
  // A single file and a --stack that is not its name: refused, never another stack.
  auto file = testing::run_stackdr({"status", "--lab", "--config", (folder / "alpha.yaml").string(),
                                    "--stack", "beta", "--state-dir", state});
  EXPECT_EQ(file.exit_code, 64);
  EXPECT_NE(file.err.find("is the stack 'alpha'"), std::string::npos) << file.err;
  // The hint a declined step prints selects the same stack, the way the operator named it.
  auto declined = testing::run_stackdr({"recover", "--lab", "--config", folder.string(), "--stack", "beta",
                                        "--state-dir", state, "--fault", "md-superblock-corrupt"});
  std::string want = "--lab --config " + fs::absolute(folder).lexically_normal().string() +
                     " --stack beta --state-dir " + fs::absolute(state).lexically_normal().string();
  EXPECT_NE((declined.out + declined.err).find(want), std::string::npos) << declined.out << declined.err;
  auto ok = testing::run_stackdr(
      {"status", "--lab", "--config", folder.string(), "--stack", "beta", "--state-dir", state});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
