// stackdr watch, the daemon, driven from outside as the issue asks: the real binary on the
// simulated stack (--lab), a webhook receiver of the test's own on 127.0.0.1, a fault injected
// with POST /lab/faults; then the firing alert, the array degraded in /metrics (checked by
// promtool, Debian's prometheus package), the safe auto-recovery, the resolved alert, the
// incident resolved in the journal, and SIGTERM ending the daemon with exit 0 within 2 s.
// Also the parts alone: the metrics page's escaping, the alert formats, a webhook that fails
// first and is retried, an exec hook that gets the alert on standard input, and the systemd
// unit checked by systemd-analyze verify.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "host/local_host.h"
#include "ssh_support.h"
#include "support/daemon_process.h"
#include "test_support.h"
#include "util/text.h"
#include "watch/alerts.h"
#include "watch/metrics_page.h"
#include "watch/uevents.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Daemon;
using testing::eventually;
using testing::get;
using testing::promtool_check;
using testing::Receiver;

// The daemon's sweep count from a /metrics page (0 when the series is not there).
long sweeps_total(const std::string& page) {
  const std::string key = "\nstackdr_watch_sweeps_total ";
  auto at = page.find(key);
  return at == std::string::npos ? 0 : std::strtol(page.c_str() + at + key.size(), nullptr, 10);
}

// Pokes (again while nothing shows) until /metrics counts an event whose series starts with
// `series` and at least a second sweep; false after 30 s (`page` is the last one read). At least,
// not exactly: on a busy machine other device events (another test's loop device, a udev
// trigger) wake sweeps of their own, and the CI machine's run counted four.
bool woken(int port, const std::string& series, const std::function<void()>& poke, std::string& page) {
  return eventually(30s, [&] {
    poke();
    page = get(port, "/metrics");
    return page.find(series) != std::string::npos && sweeps_total(page) >= 2;
  });
}

TEST(Watch, AFaultFromOutsideIsAlertedRecoveredAndResolved) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Receiver hook;
  Daemon d({"watch", "--lab", "--state-dir", (dir / "state").string(), "--listen", "127.0.0.1:0",
            "--interval", "1", "--resolve-after", "0", "--webhook", hook.url(), "--auto-recover", "safe"},
           dir / "watch.log");
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  int status = 0;
  EXPECT_NE(get(port, "/healthz", &status).find("ok"), std::string::npos);
  EXPECT_EQ(status, 200);
  std::string healthy = get(port, "/metrics");
  EXPECT_EQ(promtool_check(healthy), "") << healthy;
  EXPECT_NE(healthy.find("stackdr_status 0\n"), std::string::npos) << healthy;

  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/lab/faults?name=session-logout", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  auto bad = c.Post("/lab/faults?name=no-such-fault", "", "text/plain");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  // Between the alert and the repair (auto-recovery waits for a second sweep to confirm it),
  // /metrics shows the array degraded and the finding.
  std::string degraded;
  ASSERT_TRUE(eventually(20s, [&] {
    std::string page = get(port, "/metrics");
    if (page.find("stackdr_finding{scenario=\"1\",cause=\"session-down\"") == std::string::npos) return false;
    degraded = page;
    return true;
  })) << d.output();
  EXPECT_EQ(promtool_check(degraded), "") << degraded;
  EXPECT_NE(degraded.find("stackdr_md_disks{host=\"s01\",array=\"md1\",device=\"md1\",state=\"active\"} 1\n"),
            std::string::npos)
      << "the array is not degraded in /metrics:\n"
      << degraded;
  EXPECT_NE(degraded.find("stackdr_status 1\n"), std::string::npos) << degraded;

  // Fired, then resolved, through the webhook, in Alertmanager's format.
  auto alerts_with = [&](const std::string& st) {
    std::vector<nlohmann::json> out;
    for (const auto& b : hook.bodies())
      for (const auto& a : b)
        if (a.value("status", "") == st) out.push_back(a);
    return out;
  };
  ASSERT_TRUE(eventually(30s, [&] { return !alerts_with("resolved").empty(); })) << d.output();
  auto firing = alerts_with("firing");
  ASSERT_FALSE(firing.empty());
  EXPECT_EQ(firing[0]["labels"]["scenario"], "1");
  EXPECT_EQ(firing[0]["labels"]["cause"], "session-down");
  EXPECT_EQ(firing[0]["labels"]["alertname"], "StackdrFailure");
  // One session down: md runs on one leg, stackdr says WARNING, and so does the alert.
  EXPECT_EQ(firing[0]["labels"]["severity"], "warning") << firing[0].dump();
  EXPECT_EQ(firing[0]["annotations"]["status"], "WARNING") << firing[0].dump();
  EXPECT_EQ(firing[0]["annotations"]["runbook_url"],
            "file:///usr/share/doc/stackdr/runbook.md#step-2-reconnect-on-kvm-host")
      << firing[0].dump();
  EXPECT_TRUE(firing[0].contains("startsAt") && firing[0].contains("endsAt") &&
              firing[0].contains("generatorURL"));
  auto resolved = alerts_with("resolved");
  EXPECT_EQ(resolved[0]["labels"]["cause"], "session-down");
  // One failure, one alert: fired once, resolved once (the recovery's intermediate states change
  // an alert; they do not open new ones).
  EXPECT_EQ(firing.size(), 1u) << d.output();
  EXPECT_EQ(resolved.size(), 1u) << d.output();
  EXPECT_NE(d.output().find("auto-recovery ended (exit 0"), std::string::npos) << d.output();

  std::string after = get(port, "/metrics");
  EXPECT_EQ(promtool_check(after), "") << after;
  EXPECT_NE(after.find("stackdr_status 0\n"), std::string::npos) << after;
  EXPECT_NE(after.find("stackdr_recoveries_total{outcome=\"recovered\"} 1"), std::string::npos) << after;
  // /status carries the recovery step by step, as the step engine reported it.
  auto st = nlohmann::json::parse(get(port, "/status"), nullptr, false);
  ASSERT_TRUE(st.contains("recovery")) << st.dump(2);
  EXPECT_EQ(st["recovery"]["running"], false);
  EXPECT_EQ(st["recovery"]["exit"], 0);
  ASSERT_FALSE(st["recovery"]["plan"]["steps"].empty()) << st.dump(2);
  for (const auto& step : st["recovery"]["plan"]["steps"]) EXPECT_NE(step["state"], "pending") << step.dump();

  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  RecordProperty("sigterm_ms", static_cast<int>(took * 1000));

  // The incident is in the journal, resolved: the one a hand-run `stackdr incident` shows.
  auto list = testing::run_stackdr(
      {"incident", "list", "--lab", "--state-dir", (dir / "state").string(), "--format", "json"});
  auto j = nlohmann::json::parse(list.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << list.out << list.err;
  ASSERT_EQ(j["incidents"].size(), 1u) << list.out;
  EXPECT_EQ(j["incidents"][0]["state"], "resolved") << list.out;
  fs::remove_all(dir);
}

TEST(Watch, ABrokenTopologyOnSighupKeepsTheOldOne) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-hup-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(stackdr::testing::default_config(), dir / "stackdr.yaml");
  Daemon d({"watch", "--lab", "--config", (dir / "stackdr.yaml").string(), "--state-dir",
            (dir / "state").string(), "--listen", "127.0.0.1:0", "--interval", "1"},
           dir / "watch.log");
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  std::ofstream(dir / "stackdr.yaml", std::ios::trunc) << "hosts: [\n";
  ::kill(d.pid(), SIGHUP);
  ASSERT_TRUE(eventually(10s, [&] { return d.output().find("the old one stays") != std::string::npos; }))
      << d.output();
  int status = 0;
  get(port, "/healthz", &status);
  EXPECT_EQ(status, 200);
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

// On real machines a kernel message about the stack (an md, iSCSI, ext4 line, or anything at
// warning level or worse) wakes a sweep at once. config/lab.yaml: every host is this machine,
// its portals on loopback; nothing is repaired (--auto-recover off).
TEST(Watch, AKernelLogLineWakesASweep) {
  if (::access("/dev/kmsg", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kmsg cannot be read and written here";
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-kmsg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Daemon d(
      {"watch", "--config", stackdr::testing::tests_dir() + "/../config/lab.yaml", "--state-dir",
       (dir / "state").string(), "--listen", "127.0.0.1:0", "--interval", "3600", "--auto-recover", "off"},
      dir / "watch.log");
  int port = d.wait_ready(60s);
  ASSERT_GT(port, 0) << d.output();
  // The machine's own kernel records may wake it too (a lab beside the tests adds network
  // devices): the count must grow after ours, whatever it was.
  const std::string series = "stackdr_watch_events_total{source=\"kmsg\",host=\"local\"} ";
  auto count = [&](const std::string& page) {
    size_t at = page.find(series);
    return at == std::string::npos ? 0.0 : std::stod(page.substr(at + series.size()));
  };
  double before = count(get(port, "/metrics"));
  std::ofstream("/dev/kmsg") << "<4>md/raid1:md127: stackdr watch test: not a real md message\n";
  std::string page;
  EXPECT_TRUE(eventually(30s,
                         [&] {
                           page = get(port, "/metrics");
                           return count(page) > before && sweeps_total(page) >= 2;
                         }))
      << page << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

// A device event (the kernel's uevent: a disk added, removed or changed) wakes a sweep too.
// A "change" of a loop device stands in for an iSCSI disk coming or going.
TEST(Watch, ADeviceEventWakesASweep) {
  if (::access("/sys/class/block/loop0/uevent", W_OK) != 0 || ::access("/dev/kmsg", R_OK) != 0)
    GTEST_SKIP() << "no loop0 to send a uevent for, or no /dev/kmsg here";
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-uevent-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Daemon d(
      {"watch", "--config", stackdr::testing::tests_dir() + "/../config/lab.yaml", "--state-dir",
       (dir / "state").string(), "--listen", "127.0.0.1:0", "--interval", "3600", "--auto-recover", "off"},
      dir / "watch.log");
  int port = d.wait_ready(60s);
  ASSERT_GT(port, 0) << d.output();
  if (d.output().find("device events are not followed here") != std::string::npos)
    GTEST_SKIP() << "the kernel refused the uevent socket here: " << d.output();
  std::string page;
  // Sent again while it is not seen: a loaded machine may lose one.
  EXPECT_TRUE(woken(
      port, "stackdr_watch_events_total{source=\"uevent\",host=\"local\"}",
      [] { std::ofstream("/sys/class/block/loop0/uevent") << "change\n"; }, page))
      << page << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

TEST(Watch, UeventsAboutTheStacksDevicesMatter) {
  using namespace std::string_literals;
  EXPECT_TRUE(
      uevent_matters("remove@/devices/platform/host3/session1/target3:0:0/3:0:0:0/block/sdc\0"
                     "ACTION=remove\0SUBSYSTEM=block\0DEVNAME=sdc\0"s));
  EXPECT_TRUE(
      uevent_matters("add@/devices/platform/host3/iscsi_host/host3\0ACTION=add\0SUBSYSTEM=iscsi_session\0"s));
  EXPECT_FALSE(uevent_matters("add@/devices/virtual/net/veth0\0ACTION=add\0SUBSYSTEM=net\0"s));
  EXPECT_FALSE(uevent_matters("bind@/devices/pci0000:00/0000:00:01.0\0ACTION=bind\0SUBSYSTEM=block\0"s));
  EXPECT_FALSE(uevent_matters("libudev\0garbage without an action"s));
}

// The topology's `watch:` section sets what the command line does not: here the interval, and
// auto-recovery off for one cause — the failure is alerted and opened as an incident, and left
// for an operator (`recover --resume` continues that incident).
// `watch --lab` on the example topology with `extra` appended (a watch: or escalation: section),
// its state and log in `dir`.
std::unique_ptr<Daemon> lab_daemon(const fs::path& dir, const std::string& extra) {
  std::ofstream(dir / "stackdr.yaml") << testing::read_file(stackdr::testing::default_config()) << extra;
  return std::make_unique<Daemon>(Argv{"watch", "--lab", "--config", (dir / "stackdr.yaml").string(),
                                       "--state-dir", (dir / "state").string(), "--listen", "127.0.0.1:0"},
                                  dir / "watch.log");
}

// The runbook's escalation: an incident left without progress past `escalation.team.after`
// reaches Level 2 once, and a pool disk FAULTED (hardware suspected) Level 3 once, each to its
// own receivers and recorded in the incident.
TEST(Watch, AnIncidentWithoutProgressGoesToTheTeamAndHardwareToTheVendorOnce) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-escalation-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Receiver team, vendor;
  auto daemon =
      lab_daemon(dir,
                 "\nwatch:\n  interval: 1\n  auto_recover: off\nescalation:\n  team:\n    after: 2s\n"
                 "    webhook: " +
                     team.url() + "\n  vendor:\n    webhook: " + vendor.url() + "\n");
  Daemon& d = *daemon;
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  httplib::Client c("127.0.0.1", port);
  ASSERT_TRUE(c.Post("/lab/faults?name=session-logout", "", "text/plain"));
  ASSERT_TRUE(eventually(20s, [&] { return !team.bodies().empty(); })) << d.output();
  auto level_of = [](const nlohmann::json& body) { return body[0]["labels"].value("level", ""); };
  EXPECT_EQ(level_of(team.bodies()[0]), "2") << team.bodies()[0].dump();
  EXPECT_NE(team.bodies()[0][0]["annotations"].value("summary", "").find("no progress"), std::string::npos)
      << team.bodies()[0].dump();
  EXPECT_TRUE(vendor.bodies().empty());
  ASSERT_TRUE(c.Post("/lab/faults?name=pool-disk-faulted", "", "text/plain"));
  ASSERT_TRUE(eventually(20s, [&] { return !vendor.bodies().empty(); })) << d.output();
  EXPECT_EQ(level_of(vendor.bodies()[0]), "3") << vendor.bodies()[0].dump();
  std::this_thread::sleep_for(3s);  // three more sweeps: neither level is sent again
  EXPECT_EQ(team.bodies().size(), 1u);
  EXPECT_EQ(vendor.bodies().size(), 1u);
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  auto show = testing::run_stackdr(
      {"incident", "show", "1", "--lab", "--state-dir", (dir / "state").string(), "--format", "json"});
  auto j = nlohmann::json::parse(show.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << show.out << show.err;
  int escalations = 0;
  for (const auto& e : j["timeline"])
    if (e.value("kind", "") == "escalation") ++escalations;
  EXPECT_EQ(escalations, 2) << show.out;
  auto report =
      testing::run_stackdr({"incident", "report", "1", "--lab", "--state-dir", (dir / "state").string()});
  EXPECT_NE(report.out.find("## Escalation\n\n- "), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("level 3 (vendor): hardware failure suspected"), std::string::npos) << report.out;
  fs::remove_all(dir);
}

TEST(Watch, TheTopologysWatchSectionSetsAPolicyPerCause) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-policy-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto daemon = lab_daemon(
      dir, "\nwatch:\n  interval: 1\n  auto_recover: safe\n  auto_recover_causes:\n    session-down: off\n");
  Daemon& d = *daemon;
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  httplib::Client c("127.0.0.1", port);
  ASSERT_TRUE(c.Post("/lab/faults?name=session-logout", "", "text/plain"));
  std::string page;
  ASSERT_TRUE(eventually(20s,
                         [&] {
                           page = get(port, "/metrics");
                           return sweeps_total(page) >= 4;  // a second each: interval 1
                         }))
      << page << d.output();
  EXPECT_NE(page.find("stackdr_finding{scenario=\"1\",cause=\"session-down\""), std::string::npos) << page;
  EXPECT_EQ(page.find("stackdr_recoveries_total{"), std::string::npos) << page;
  EXPECT_NE(page.find("stackdr_incidents_open 1\n"), std::string::npos) << page;
  EXPECT_EQ(d.output().find("auto-recovery ("), std::string::npos) << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  auto list = testing::run_stackdr(
      {"incident", "list", "--lab", "--state-dir", (dir / "state").string(), "--format", "json"});
  auto j = nlohmann::json::parse(list.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << list.out << list.err;
  ASSERT_EQ(j["incidents"].size(), 1u) << list.out;
  EXPECT_EQ(j["incidents"][0]["state"], "open") << list.out;

  // A policy that is not one is refused before the daemon starts, with the file and line.
  std::ofstream(dir / "bad.yaml") << testing::read_file(stackdr::testing::default_config())
                                  << "\nwatch:\n  auto_recover_causes:\n    session-down: always\n";
  auto bad = testing::run_stackdr({"watch", "--lab", "--config", (dir / "bad.yaml").string(), "--state-dir",
                                   (dir / "state").string(), "--listen", "127.0.0.1:0"},
                                  30s);
  EXPECT_EQ(bad.exit_code, 64) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("bad.yaml:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("not off, safe or disruptive"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

// The maintenance schedule in the daemon: on a healthy stack what is due is started (a scrub is
// not waited for), journaled, and shown in /metrics; nothing heavy starts while a fault stands.
TEST(Watch, TheDaemonStartsDueMaintenanceOnlyOnAHealthyStack) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-maint-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "stackdr.yaml") << testing::read_file(stackdr::testing::default_config())
                                      << "\nwatch:\n  interval: 1\n  auto_recover: off\n"
                                         "maintenance:\n  daemon: on\n  drill: off\n  smart: weekly\n";
  std::string state = (dir / "state").string();
  ASSERT_EQ(
      testing::run_stackdr({"lab", "init", "--state-dir", state, "--config", (dir / "stackdr.yaml").string()})
          .exit_code,
      0);
  ASSERT_EQ(testing::run_stackdr({"lab", "inject", "session-logout", "--state-dir", state}).exit_code, 0);
  Daemon d({"watch", "--lab", "--config", (dir / "stackdr.yaml").string(), "--state-dir", state, "--listen",
            "127.0.0.1:0"},
           dir / "watch.log");
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  std::string page;
  ASSERT_TRUE(eventually(20s,
                         [&] {
                           page = get(port, "/metrics");
                           return page.find("stackdr_maintenance_skipped{task=\"scrub\"} 1") !=
                                  std::string::npos;
                         }))
      << page << d.output();
  EXPECT_NE(d.output().find("maintenance: scrub is due; skipped: "), std::string::npos) << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  // Repaired, the stack gets its maintenance: each due task started once, and journaled.
  auto fixed = testing::run_stackdr({"recover", "--lab", "--yes", "--resume", "--state-dir", state});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  Daemon again({"watch", "--lab", "--config", (dir / "stackdr.yaml").string(), "--state-dir", state,
                "--listen", "127.0.0.1:0"},
               dir / "watch2.log");
  port = again.wait_ready(30s);
  ASSERT_GT(port, 0) << again.output();
  ASSERT_TRUE(eventually(
      30s,
      [&] {
        page = get(port, "/metrics");
        return page.find("stackdr_maintenance_last_run_timestamp_seconds{task=\"smart\"}") !=
                   std::string::npos &&
               page.find("stackdr_maintenance_last_run_timestamp_seconds{task=\"config-backup\"}") !=
                   std::string::npos &&
               page.find("stackdr_maintenance_last_run_timestamp_seconds{task=\"scrub\"}") !=
                   std::string::npos;
      }))
      << page << again.output();
  EXPECT_NE(page.find("stackdr_maintenance_due{task=\"config-backup\"} 0"), std::string::npos) << page;
  EXPECT_NE(again.output().find("maintenance: scrub (exit 0): done: scrub pool storage — started"),
            std::string::npos)
      << again.output();
  EXPECT_EQ(again.output().find("maintenance: drill"), std::string::npos) << again.output();  // off
  EXPECT_EQ(promtool_check(page), "") << page;
  EXPECT_EQ(again.terminate(2000ms, took), 0) << again.output();
  fs::remove_all(dir);
}

// config/lab.yaml's stack with both hosts over SSH to the test's own sshd on 127.0.0.1;
// `command_path`: where the far side looks for its tools ("" = its default).
std::string lab_topology_over_ssh(testing::TestSshd& sshd, const std::string& command_path = "") {
  std::string text = testing::read_file(stackdr::testing::tests_dir() + "/../config/lab.yaml");
  std::string ssh = fmt::format(
      "    transport: ssh\n    address: 127.0.0.1\n    port: {}\n    user: root\n    identity: {}\n{}"
      "    ssh_options: [UserKnownHostsFile={}, GlobalKnownHostsFile=/dev/null, IdentitiesOnly=yes]\n",
      sshd.port(), (sshd.dir() / "client_key").string(),
      command_path.empty() ? "" : "    command_path: " + command_path + "\n",
      (sshd.dir() / "known_hosts").string());
  return "hosts:\n  lab:\n    role: kvm\n" + ssh + "  target:\n    role: storage\n" + ssh +
         text.substr(text.find("\nstorage:"));
}

// Hosts over SSH: the daemon follows each one's kernel events there (RemoteFollower), so a
// record about the stack on the far side wakes a sweep as a local one does. config/lab.yaml's
// stack with both hosts over SSH to the test's own sshd on 127.0.0.1.
TEST(Watch, AKernelLogLineOnAnSshHostWakesASweep) {
  if (::access("/dev/kmsg", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kmsg cannot be read and written here";
  testing::TestSshd sshd;
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-ssh-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string topo = lab_topology_over_ssh(sshd);
  std::ofstream(dir / "ssh.yaml") << topo;
  Daemon d({"watch", "--config", (dir / "ssh.yaml").string(), "--state-dir", (dir / "state").string(),
            "--listen", "127.0.0.1:0", "--interval", "3600", "--auto-recover", "off"},
           dir / "watch.log");
  int port = d.wait_ready(60s);
  ASSERT_GT(port, 0) << d.output();
  ASSERT_TRUE(eventually(20s, [&] {
    return d.output().find("following the kernel events of target") != std::string::npos;
  })) << d.output();
  std::ofstream("/dev/kmsg") << "<4>md/raid1:md127: stackdr watch ssh test: not a real md message\n";
  std::string page;
  EXPECT_TRUE(woken(
      port, "stackdr_watch_events_total{source=\"kmsg\",host=\"lab\"}", [] {}, page))
      << page << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(3000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

// libvirt's events reach the daemon through the SSH host's follower: a stand-in `virsh` (first
// in the host's command_path) answers the sweep's reads with the lab's real captures (vm1
// running) and, once the test says, pauses: its lists say paused (I/O error) and `virsh event`
// prints the lifecycle line as virsh 9.0 did in the lab. The event wakes a sweep, and the VM's
// line is said at the event (libvirt's words), once: the sweep after it agrees in silence. The
// follower asks for libvirt's events only on a host the topology runs a VM on: one is added.
TEST(Watch, ALibvirtEventOnAnSshHostWakesASweepAndTellsTheVmAtOnce) {
  testing::TestSshd sshd;
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-virsh-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "bin");
  std::string captures = testing::tests_dir() + "/lab_captures/2026-12-07/";
  std::ofstream(dir / "bin" / "virsh") << fmt::format(
      "#!/bin/sh\n"
      "c={0}; p={1}/paused; state=vm-running\n"
      "[ -e \"$p\" ] && state=s5-vm-pause.fault\n"
      "case \"$1\" in\n"
      "  list) cat \"$c/virsh-list.$state.txt\" ;;\n"
      "  domblklist) cat \"$c/virsh-domblklist.$state.txt\" ;;\n"
      "  domstate) cat \"$c/virsh-domstate-reason.$state.txt\" ;;\n"
      "  event) while [ ! -e \"$p\" ]; do sleep 0.2; done\n"
      "    echo \"event 'lifecycle' for domain 'vm1': Suspended I/O Error\"\n"
      "    exec sleep 3600 ;;\n"
      "  *) exit 1 ;;\n"
      "esac\n",
      captures, dir.string());
  fs::permissions(dir / "bin" / "virsh", fs::perms::owner_all);
  std::string topo = lab_topology_over_ssh(sshd, (dir / "bin").string() + ":/usr/sbin:/usr/bin:/sbin:/bin");
  std::ofstream(dir / "ssh.yaml")
      << topo << "vms:\n  - name: vm1\n    host: lab\n    disks:\n      - {target: vdb, source: md1}\n";
  Daemon d({"watch", "--config", (dir / "ssh.yaml").string(), "--state-dir", (dir / "state").string(),
            "--listen", "127.0.0.1:0", "--interval", "3600", "--auto-recover", "off"},
           dir / "watch.log");
  int port = d.wait_ready(60s);  // ready after the first sweep: vm1 read running
  ASSERT_GT(port, 0) << d.output();
  ASSERT_TRUE(eventually(20s, [&] {
    return d.output().find("following the kernel events of lab") != std::string::npos;
  })) << d.output();
  std::string page;
  EXPECT_TRUE(woken(
      port, "stackdr_watch_events_total{source=\"virsh\",host=\"lab\"}",
      [&] { std::ofstream(dir / "paused") << "1\n"; }, page))
      << page << d.output();
  const std::string line = "VM vm1 on lab: running → paused (I/O error) (libvirt's event)";
  EXPECT_TRUE(eventually(10s, [&] { return d.output().find(line) != std::string::npos; })) << d.output();
  // The sweep the event woke (published: woken() waits for it) read the same state: no second
  // line for it.
  double took = 0;
  EXPECT_EQ(d.terminate(3000ms, took), 0) << d.output();
  std::string out = d.output();
  EXPECT_EQ(out.find("running → paused", out.find(line) + line.size()), std::string::npos) << out;
  EXPECT_EQ(out.find("paused (I/O error) → "), std::string::npos) << out;
  fs::remove_all(dir);
}

TEST(Watch, MetricsPageEscapesLabelsAndPassesPromtool) {
  MetricsPage p;
  p.family("stackdr_test_thing", "gauge", "A help text with a \\ backslash\nand a newline.");
  p.sample("stackdr_test_thing", {{"name", "quote \" back \\ new\nline"}, {"host", "h"}}, 1.5);
  p.sample("stackdr_test_thing", {{"name", "quote \" back \\ new\nline"}, {"host", "h"}}, 2);  // same series
  p.sample("stackdr_test_thing", {{"name", "plain"}, {"host", "h"}}, 3);
  std::string t = p.text();
  EXPECT_NE(t.find(R"(name="quote \" back \\ new\nline")"), std::string::npos) << t;
  EXPECT_EQ(t.find(" 2\n"), std::string::npos) << "a series twice: " << t;
  EXPECT_EQ(promtool_check(t), "") << t;
  EXPECT_THROW(p.sample("stackdr_not_declared", {}, 1), std::logic_error);
}

TEST(Watch, AlertFormatsSayWhatAndKeepHeadersWhole) {
  Alert a;
  a.labels = {{"alertname", "StackdrFailure"}, {"scenario", "2"}, {"cause", "portal-unreachable"}};
  a.annotations = {{"summary", "line one\nBcc: someone@example.org"}, {"incident", "7"}};
  a.starts_at = 1796000000;
  a.ends_at = 1796000600;
  nlohmann::json j = alert_json(a);
  EXPECT_EQ(j["startsAt"], "2026-11-30T00:53:20Z");
  EXPECT_EQ(j["endsAt"], "2026-11-30T01:03:20Z");
  EXPECT_EQ(j["labels"]["cause"], "portal-unreachable");
  std::string mail = alert_mail(a, "ops@example.org\nBcc: x@example.org");
  std::string headers = mail.substr(0, mail.find("\n\n"));
  EXPECT_EQ(headers.find("\nBcc:"), std::string::npos) << "a value started a header of its own:\n" << headers;
  EXPECT_NE(headers.find("Subject: [stackdr] FIRING:"), std::string::npos) << headers;
}

TEST(Watch, AWebhookThatFailsIsRetriedAndAHookGetsTheAlertOnStdin) {
  Receiver hook(2);  // two 500s, then it takes them
  fs::path got = fs::temp_directory_path() / ("stackdr-hook-" + std::to_string(::getpid()) + ".json");
  Receivers r;
  r.webhook = hook.url();
  r.exec = {"sh", "-c", "cat > \"$1\"", "sh", got.string()};
  r.first_retry = 100ms;
  std::vector<std::string> log;
  std::mutex mu;
  {
    AlertSender s(r, [&](const std::string& l) {
      std::lock_guard<std::mutex> g(mu);
      log.push_back(l);
    });
    Alert a;
    a.labels = {{"alertname", "StackdrFailure"}, {"cause", "session-down"}};
    a.starts_at = 1796000000;
    s.send(a);
    ASSERT_TRUE(
        eventually(10s, [&] { return s.counts().sent.count("webhook") && s.counts().sent.count("exec"); }));
    EXPECT_EQ(s.counts().failed.at("webhook"), 2);
  }
  ASSERT_EQ(hook.bodies().size(), 1u);
  EXPECT_EQ(hook.bodies()[0][0]["labels"]["cause"], "session-down");
  auto j = nlohmann::json::parse(testing::read_file(got), nullptr, false);
  EXPECT_EQ(j["labels"]["cause"], "session-down") << testing::read_file(got);
  EXPECT_EQ(log.size(), 2u);
  fs::remove(got);
}

// A receiver that is down for a whole outage loses nothing: the alert is retried (capped
// backoff) until it goes through; reminders sent meanwhile replace the waiting state instead
// of piling up. The default run scales the outage and backoff down (6 s, retries capped at
// 200 ms: about 40 attempts); STACKDR_ALERT_OUTAGE_S=600 runs a real 10-minute outage with the
// daemon's own backoff (1 s doubling to 5 minutes).
TEST(Watch, AReceiverDownForAWholeOutageLosesNoAlert) {
  const char* env = std::getenv("STACKDR_ALERT_OUTAGE_S");
  bool real = env && *env;
  auto outage = std::chrono::seconds(real ? std::atoi(env) : 6);
  std::atomic<bool> down{true};
  std::mutex mu;
  std::vector<nlohmann::json> got;
  httplib::Server server;
  server.Post("/alerts", [&](const httplib::Request& req, httplib::Response& res) {
    if (down) {
      res.status = 503;
      return;
    }
    std::lock_guard<std::mutex> l(mu);
    got.push_back(nlohmann::json::parse(req.body, nullptr, false));
    res.status = 200;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  struct Stop {
    httplib::Server& s;
    std::thread& t;
    ~Stop() {
      s.stop();
      t.join();
    }
  } stop{server, t};
  Receivers r;
  int reminders = 0;
  r.webhook = "http://127.0.0.1:" + std::to_string(port) + "/alerts";
  if (!real) {
    r.first_retry = 10ms;
    r.max_retry = 200ms;
    r.per_minute = 1000;  // the scaled retries would otherwise meet the rate limit
  }
  {
    AlertSender s(r, nullptr);
    Alert a;
    a.labels = {{"alertname", "StackdrFailure"}, {"cause", "session-down"}};
    a.annotations = {{"summary", "first"}};
    a.starts_at = 1796000000;
    s.send(a);
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < outage) {
      std::this_thread::sleep_for(outage / 4);
      a.annotations["summary"] = "reminder " + std::to_string(++reminders);
      s.send(a);  // what the daemon does at each --remind while the failure stands
    }
    down = false;
    auto deadline = (real ? r.max_retry : std::chrono::milliseconds(2000)) + std::chrono::seconds(10);
    ASSERT_TRUE(eventually(std::chrono::duration_cast<std::chrono::seconds>(deadline),
                           [&] { return s.counts().sent.count("webhook") > 0; }));
    auto c = s.counts();
    EXPECT_TRUE(c.dropped.empty());
    EXPECT_GE(c.failed.at("webhook"), real ? 8 : 20);
    EXPECT_EQ(c.superseded.at("webhook"), reminders);
    RecordProperty("failed_attempts", static_cast<int>(c.failed.at("webhook")));
  }
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(got.size(), 1u);  // the newest state, once
  EXPECT_EQ(got[0][0]["annotations"]["summary"], "reminder " + std::to_string(reminders)) << got[0].dump();
}

TEST(Watch, TheSystemdUnitPassesSystemdAnalyzeVerify) {
  std::string unit = testing::read_file(stackdr::testing::tests_dir() + "/../systemd/stackdr-watch.service");
  ASSERT_NE(unit.find("Type=notify"), std::string::npos);
  // verify wants the ExecStart program to exist: the one just built stands in for /usr/bin's.
  for (size_t at; (at = unit.find("/usr/bin/stackdr")) != std::string::npos;)
    unit.replace(at, 16, stackdr::testing::stackdr_binary());
  fs::path dir = fs::temp_directory_path() / ("stackdr-unit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "stackdr-watch.service") << unit;
  CommandResult r =
      LocalHost("local").run({"systemd-analyze", "verify", (dir / "stackdr-watch.service").string()}, 60s);
  EXPECT_TRUE(r.ok()) << r.exit_code << "\n" << r.out << r.err;
  fs::remove_all(dir);
}

// A daemon on a practice stack sees what `lab inject` (another process) did at once, not at its
// next interval or SIGHUP; and a repair done meanwhile opens no second incident.
TEST(Watch, APracticeStacksChangesAreSeenAtOnce) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-practice-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string state = (dir / "state").string();
  ASSERT_EQ(testing::run_stackdr({"lab", "init", "--state-dir", state}).exit_code, 0);
  Daemon d({"watch", "--lab", "--state-dir", state, "--listen", "127.0.0.1:0", "--interval", "3600"},
           dir / "watch.log");
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  ASSERT_EQ(testing::run_stackdr({"lab", "inject", "session-logout", "--state-dir", state}).exit_code, 0);
  EXPECT_TRUE(eventually(15s, [&] {
    return get(port, "/metrics").find("stackdr_finding{scenario=\"1\",cause=\"session-down\"") !=
           std::string::npos;
  })) << d.output();
  EXPECT_NE(d.output().find("the practice stack changed"), std::string::npos) << d.output();
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

// Off loopback the endpoint needs a token (or --listen-insecure said out loud): without one the
// daemon does not start; a world-readable token file is refused; a request without the token
// gets 401, with it the page. Receivers that cannot work are refused at start.
TEST(Watch, AListenerOffLoopbackNeedsAToken) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-watch-token-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string state = (dir / "state").string();
  auto open = testing::run_stackdr({"watch", "--lab", "--state-dir", state, "--listen", "0.0.0.0:0"});
  EXPECT_EQ(open.exit_code, 64);
  EXPECT_NE(open.err.find("--token-file"), std::string::npos) << open.err;
  std::string token_file = (dir / "token").string();
  std::ofstream(token_file) << "0123456789abcdef0123456789abcdef\n";
  fs::permissions(token_file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  auto readable = testing::run_stackdr(
      {"watch", "--lab", "--state-dir", state, "--listen", "0.0.0.0:0", "--token-file", token_file});
  EXPECT_EQ(readable.exit_code, 64);
  EXPECT_NE(readable.err.find("readable by everyone"), std::string::npos) << readable.err;
  fs::permissions(token_file, fs::perms::owner_read | fs::perms::owner_write);
  auto nomail = testing::run_stackdr(
      {"watch", "--lab", "--state-dir", state, "--listen", "127.0.0.1:0", "--exec", "/nonexistent/hook"});
  EXPECT_EQ(nomail.exit_code, 64);
  EXPECT_NE(nomail.err.find("--exec /nonexistent/hook"), std::string::npos) << nomail.err;

  Daemon d({"watch", "--lab", "--state-dir", state, "--listen", "0.0.0.0:0", "--token-file", token_file},
           dir / "watch.log");
  int port = d.wait_ready(30s);
  ASSERT_GT(port, 0) << d.output();
  int status = 0;
  get(port, "/metrics", &status);
  EXPECT_EQ(status, 401);
  httplib::Client c("127.0.0.1", port);
  auto wrong = c.Get("/metrics", {{"Authorization", "Bearer 0123456789abcdef0123456789abcdeX"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto right = c.Get("/metrics", {{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_NE(right->body.find("stackdr_status"), std::string::npos);
  double took = 0;
  EXPECT_EQ(d.terminate(2000ms, took), 0) << d.output();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
