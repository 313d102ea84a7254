// The command line as users and monitoring systems see it: exit codes, JSON shapes, and the
// error messages for bad input. Runs the built binary through LocalHost (argv, no shell).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host/local_host.h"
#include "sim/faults.h"
#include "test_support.h"

namespace stackdr {
namespace {

using namespace std::chrono_literals;

CommandResult stackdr(Argv args) {
  return testing::run_stackdr(std::move(args), 60s);
}

TEST(Cli, StatusOnHealthyLabExitsZero) {
  auto r = stackdr({"status", "--lab"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK: every layer is healthy"), std::string::npos);
  auto d = stackdr({"diagnose", "--lab", "--json"});
  EXPECT_EQ(d.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(d.out)["findings"].empty());
}

TEST(Cli, DiagnoseJsonForEveryFault) {
  for (const auto& f : sim::fault_catalog()) {
    SCOPED_TRACE(f.name);
    auto r = stackdr({"diagnose", "--lab", "--fault", f.name, "--json"});
    EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << r.exit_code << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["findings"].size(), 1u);
    const auto& fd = j["findings"][0];
    EXPECT_EQ(fd["scenario"], f.scenario);
    EXPECT_EQ(fd["cause"], f.cause);
    EXPECT_TRUE(fd["root"].is_string());
    EXPECT_FALSE(fd["evidence"].empty());
    EXPECT_TRUE(fd["impacted"].is_array());
  }
}

TEST(Cli, StatusExitCodesFollowThePluginRule) {
  EXPECT_EQ(stackdr({"status", "--lab", "--fault", "session-logout"}).exit_code, 1);
  EXPECT_EQ(stackdr({"status", "--lab", "--fault", "storage-network-down"}).exit_code, 2);
  auto j = nlohmann::json::parse(stackdr({"status", "--lab", "--fault", "pool-disk-faulted", "--json"}).out);
  EXPECT_EQ(j["status"], "WARNING");
  EXPECT_FALSE(j["nodes"].empty());
}

TEST(Cli, ParsePrintsTheRequiredJsonNames) {
  std::string lab = stackdr::testing::corpus_dir().string() + "/lab/";
  auto md =
      nlohmann::json::parse(stackdr({"parse", "mdstat", lab + "mdstat.recovering.readd.txt", "--json"}).out);
  const auto& a = md["arrays"][0];
  for (const char* k : {"name", "state", "level", "raid_disks", "active_disks", "members", "sync"})
    EXPECT_TRUE(a.contains(k)) << k;
  EXPECT_TRUE(a["raid_disks"].is_number_integer());
  EXPECT_TRUE(a["sync"]["percent"].is_number());
  for (const char* k : {"device", "role", "faulty", "spare"}) EXPECT_TRUE(a["members"][0].contains(k)) << k;
  auto det = nlohmann::json::parse(
      stackdr({"parse", "mdadm-detail", lab + "mdadm-detail.recovering.readd.txt", "--json"}).out);
  for (const char* k : {"state", "raid_level", "raid_devices", "active_devices", "failed_devices",
                        "spare_devices", "bitmap", "events", "uuid", "members", "rebuild_percent"})
    EXPECT_TRUE(det.contains(k)) << k;
  EXPECT_TRUE(det["members"][0]["state"].is_array());
  auto ex = nlohmann::json::parse(
      stackdr({"parse", "mdadm-examine", lab + "mdadm-examine.member-stale.txt", "--json"}).out);
  for (const char* k : {"array_uuid", "events", "device_role", "array_state", "update_time"})
    EXPECT_TRUE(ex.contains(k)) << k;
  auto se = nlohmann::json::parse(
      stackdr({"parse", "iscsiadm-session", lab + "iscsiadm-session-P3.clean.txt", "--json"}).out);
  for (const char* k : {"target", "portal", "session_state", "connection_state", "disks"})
    EXPECT_TRUE(se["sessions"][0].contains(k)) << k;
  EXPECT_EQ(se["sessions"][0]["disks"][0]["lun"], 0);
  auto tl =
      nlohmann::json::parse(stackdr({"parse", "targetcli-ls", lab + "targetcli-ls.clean.txt", "--json"}).out);
  EXPECT_EQ(tl["targets"][0]["tpgs"][0]["luns"][0]["backstore"], "block/lun01");
  EXPECT_EQ(tl["backstores"][0]["device"], "/dev/vdb");
  auto zp = nlohmann::json::parse(
      stackdr({"parse", "zpool-status",
               stackdr::testing::corpus_dir().string() +
                   "/upstream/zpool-status/openzfs-docs-8000-2Q-mirror-degraded-faulted-cannot-open.txt",
               "--json"})
          .out);
  EXPECT_EQ(zp["pools"][0]["vdevs"][0]["children"][1]["state"], "FAULTED");
  EXPECT_TRUE(zp["pools"][0]["vdevs"][0]["read_errors"].is_number_integer());
  auto lb = nlohmann::json::parse(stackdr({"parse", "lsblk", lab + "lsblk.mounted.json", "--json"}).out);
  for (const char* k : {"name", "type", "size", "serial", "wwn", "mountpoint", "children"})
    EXPECT_TRUE(lb["blockdevices"][0].contains(k)) << k;
}

TEST(Cli, BadInputGetsAClearErrorAndExitCode) {
  auto garbage =
      stackdr({"parse", "mdstat", stackdr::testing::corpus_dir().string() + "/lab/lsblk.clean.json"});
  EXPECT_EQ(garbage.exit_code, 65);
  EXPECT_NE(garbage.err.find("lsblk.clean.json:1"), std::string::npos) << garbage.err;
  auto kind = stackdr({"parse", "nonsense", "/dev/null"});
  EXPECT_EQ(kind.exit_code, 64);
  EXPECT_NE(kind.err.find("mdadm-detail"), std::string::npos);
  auto fault = stackdr({"status", "--lab", "--fault", "nonsense"});
  EXPECT_EQ(fault.exit_code, 64);
  EXPECT_NE(fault.err.find("lun-unmapped"), std::string::npos);
  auto cfg = stackdr({"status", "--config", "/nonexistent.yaml"});
  EXPECT_EQ(cfg.exit_code, 64);
  EXPECT_NE(cfg.err.find("/nonexistent.yaml"), std::string::npos);
  auto nolab = stackdr({"status", "--fault", "lun-unmapped"});
  EXPECT_EQ(nolab.exit_code, 64);
  EXPECT_NE(nolab.err.find("--fault needs --lab"), std::string::npos);
}

TEST(Cli, LabFaultsAndDrill) {
  auto f = nlohmann::json::parse(stackdr({"lab", "faults", "--json"}).out);
  EXPECT_EQ(f["faults"].size(), sim::fault_catalog().size());
  auto d = stackdr({"drill", "all", "--json"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  auto j = nlohmann::json::parse(d.out);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["passed"], static_cast<int>(sim::fault_catalog().size()));
  for (const auto& x : j["drills"]) {
    SCOPED_TRACE(x["fault"].get<std::string>());
    EXPECT_TRUE(x["recovered"].get<bool>());
    EXPECT_FALSE(x["data_lost"].get<bool>());
    EXPECT_TRUE(x["bytes_resynced"].is_number_integer());
    EXPECT_GT(x["array_bytes"].get<int64_t>(), 0);
    EXPECT_FALSE(x["steps"].empty());
  }
  auto c = stackdr({"drill", "--chaos", "--seed", "7", "--count", "20", "--json"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  auto cj = nlohmann::json::parse(c.out);
  EXPECT_EQ(cj["runs"], 20);
  EXPECT_EQ(cj["data_loss_actions"], 0);
  EXPECT_EQ(cj["healthy"].get<int>() + cj["escalated"].get<int>(), 20);
}

// recover on the simulated stack, with its own state directory: exit codes, the journal, the
// post-incident review, and the lock.
TEST(Cli, RecoverIncidentsAndReport) {
  std::string dir = ::testing::TempDir() + "stackdr-cli-recover";
  std::filesystem::remove_all(dir);
  auto dry = stackdr({"recover", "--lab", "--fault", "session-logout", "--dry-run", "--state-dir", dir});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(
      dry.out.find(
          "iscsiadm -m node -T iqn.2003-01.org.linux-iscsi.storage:test02 -p 192.168.125.116:3260 --login"),
      std::string::npos);
  // Safe steps only: runs without --yes.
  auto r = stackdr({"recover", "--lab", "--fault", "session-logout", "--state-dir", dir, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // A disruptive first step, nobody at the terminal: declined, exit 3, nothing run.
  auto d = stackdr({"recover", "--lab", "--fault", "vm-fs-readonly", "--state-dir", dir + "2"});
  EXPECT_EQ(d.exit_code, 3) << d.out << d.err;
  EXPECT_NE(d.out.find("--yes"), std::string::npos);
  auto l = stackdr({"incident", "--state-dir", dir, "--lab", "list", "--format", "json"});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  auto lj = nlohmann::json::parse(l.out);
  ASSERT_EQ(lj["incidents"].size(), 1u);
  EXPECT_EQ(lj["incidents"][0]["state"], "resolved");
  auto md = stackdr({"incident", "--state-dir", dir, "--lab", "report", "1"});
  EXPECT_EQ(md.exit_code, 0) << md.err;
  for (const char* section : {"## Timeline", "## Root cause", "## Impact", "## Data loss", "## Improvements"})
    EXPECT_NE(md.out.find(section), std::string::npos) << section;
  EXPECT_NE(md.out.find("replacement_timeout"), std::string::npos);
  auto js = nlohmann::json::parse(
      stackdr({"incident", "--state-dir", dir, "--lab", "report", "1", "--format", "json"}).out);
  EXPECT_EQ(js["root_cause"]["cause"], "session-down");
  EXPECT_FALSE(js["timeline"].empty());
  EXPECT_EQ(js["data_loss"]["assessment"],
            "none: no destructive step ran and no filesystem repair changed anything");
  auto missing = stackdr({"incident", "--state-dir", dir, "--lab", "show", "99"});
  EXPECT_EQ(missing.exit_code, 64);
  auto replay = stackdr({"recover", "--from", dir, "--state-dir", dir});
  EXPECT_EQ(replay.exit_code, 64);
  EXPECT_NE(replay.err.find("--dry-run"), std::string::npos);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "2");
}

// With --json, standard output is exactly one JSON document; the step log goes to stderr. A
// dry run writes nothing, shows every round with its argv, check and verify.
TEST(Cli, RecoverJsonIsOneDocumentAndDryRunWritesNothing) {
  std::string dir = ::testing::TempDir() + "stackdr-cli-json";
  std::filesystem::remove_all(dir);
  auto dry = stackdr({"recover", "--lab", "--fault", "md-events-mismatch", "--dry-run", "--yes", "--json",
                      "--state-dir", dir});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  auto dj = nlohmann::json::parse(dry.out);  // throws (fails the test) unless the whole output is JSON
  ASSERT_FALSE(dj["plan"].empty());
  for (const auto& p : dj["plan"])
    for (const char* k : {"round", "host", "argv", "safety", "runbook", "check", "verify"})
      EXPECT_TRUE(p.contains(k)) << k << " missing in " << p.dump();
  EXPECT_GE(dj["rounds"].size(), 1u);
  EXPECT_EQ(dj["predicted_outcome"]["exit"], 0);
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a dry run creates no state directory";

  auto r =
      stackdr({"recover", "--lab", "--fault", "md-events-mismatch", "--yes", "--json", "--state-dir", dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rj = nlohmann::json::parse(r.out);
  EXPECT_EQ(rj["exit"], 0);
  EXPECT_FALSE(rj["steps"].empty());
  EXPECT_NE(r.err.find("re-add"), std::string::npos) << "the step log is on stderr";
  // A simulated run never writes the live journal.
  EXPECT_FALSE(std::filesystem::exists(dir + "/stackdr.db"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/lab/stackdr.db"));
  auto live = stackdr({"incident", "--state-dir", dir, "list", "--format", "json"});
  EXPECT_TRUE(nlohmann::json::parse(live.out)["incidents"].empty());
  std::filesystem::remove_all(dir);
}

// A stopped incident does not trap the operator: `incident close` ends it, recorded as closed
// by the operator (never as recovered), and --lab --resume is refused rather than "resolving"
// an incident on a fresh simulated stack.
TEST(Cli, IncidentCloseEndsAStoppedIncident) {
  std::string dir = ::testing::TempDir() + "stackdr-cli-close";
  std::filesystem::remove_all(dir);
  auto d = stackdr({"recover", "--lab", "--fault", "vm-fs-readonly", "--state-dir", dir});
  EXPECT_EQ(d.exit_code, 3) << d.out << d.err;  // declined: nobody at the terminal
  auto resume = stackdr({"recover", "--lab", "--resume", "--state-dir", dir});
  EXPECT_EQ(resume.exit_code, 64);
  EXPECT_NE(resume.err.find("incident close N --why TEXT --lab --state-dir"), std::string::npos)
      << resume.err;
  auto nowhy = stackdr({"incident", "--state-dir", dir, "--lab", "close", "1"});
  EXPECT_EQ(nowhy.exit_code, 64);
  auto c = stackdr({"incident", "--state-dir", dir, "--lab", "close", "1", "--why", "remounted by hand"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  auto l = nlohmann::json::parse(
      stackdr({"incident", "--state-dir", dir, "--lab", "list", "--format", "json"}).out);
  ASSERT_EQ(l["incidents"].size(), 1u);
  EXPECT_EQ(l["incidents"][0]["state"], "closed");
  EXPECT_NE(l["incidents"][0]["outcome"].get<std::string>().find("remounted by hand"), std::string::npos);
  EXPECT_EQ(stackdr({"incident", "--state-dir", dir, "--lab", "close", "1", "--why", "again"}).exit_code, 64);
  std::filesystem::remove_all(dir);
}

// The rough edges an operator meets first: a mistyped verb or fault gets a suggestion, options
// after the subcommand work, flags that would be ignored are errors, numbers are checked with
// a readable message, and a drill that does not fit the topology says so.
TEST(Cli, MistakesGetClearAnswers) {
  auto verb = stackdr({"statsu"});
  EXPECT_EQ(verb.exit_code, 64);
  EXPECT_NE(verb.err.find("did you mean 'status'"), std::string::npos) << verb.err;
  auto sub = stackdr({"incident", "lsit"});
  EXPECT_EQ(sub.exit_code, 64);
  EXPECT_NE(sub.err.find("did you mean 'list'"), std::string::npos) << sub.err;
  auto fault = stackdr({"drill", "lun-unmaped"});
  EXPECT_EQ(fault.exit_code, 64);
  EXPECT_NE(fault.err.find("did you mean 'lun-unmapped'"), std::string::npos) << fault.err;
  std::string dir = ::testing::TempDir() + "stackdr-cli-after";
  std::filesystem::remove_all(dir);
  auto after = stackdr({"incident", "list", "--state-dir", dir});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "listing creates no journal";
  EXPECT_EQ(stackdr({"drill", "--count", "5"}).exit_code, 64);
  EXPECT_EQ(stackdr({"drill", "lun-unmapped", "--chaos"}).exit_code, 64);
  auto zero = stackdr({"drill", "--chaos", "--count", "0"});
  EXPECT_EQ(zero.exit_code, 64);
  EXPECT_NE(zero.err.find("whole number from 1 to"), std::string::npos) << zero.err;
  EXPECT_EQ(zero.err.find("179769"), std::string::npos) << "no double's range in the message";
  auto disk = stackdr({"recover", "--lab", "--dry-run", "--new-disk", "sdc"});
  EXPECT_EQ(disk.exit_code, 64);
  EXPECT_NE(disk.err.find("/dev/disk/by-id/"), std::string::npos) << disk.err;
  auto na = stackdr(
      {"drill", "pool-disk-faulted", "--config", stackdr::testing::tests_dir() + "/../config/lab.yaml"});
  EXPECT_EQ(na.exit_code, 0) << na.err;
  EXPECT_NE(na.out.find("not applicable"), std::string::npos) << na.out;
}

TEST(Cli, PrintedCommandsAreShellQuoted) {
  EXPECT_EQ(describe_argv({"virsh", "attach-disk", "vm;reboot", "/dev/md1"}),
            "virsh attach-disk 'vm;reboot' /dev/md1");
  EXPECT_EQ(describe_argv({"echo", "$(id)", "it's"}), "echo '$(id)' 'it'\\''s'");
  EXPECT_EQ(describe_argv({"find", "-printf", "%y\t%l\n"}), "find -printf $'%y\\t%l\\n'");
}

// The examples, through the binary: refused before anything runs, exit 64, FILE:LINE.
TEST(Cli, HostileTopologyIsRefusedWithFileAndLine) {
  std::string base = testing::read_file(stackdr::testing::default_config());
  auto swap = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  std::filesystem::path f = std::filesystem::temp_directory_path() / "stackdr-hostile.yaml";
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"device: /dev/md1", "device: --scan"},
           {"mountpoint: /mnt/raid", "mountpoint: -a"},
           {"lun: 0\n    zvol: storage/iscsi-test01", "lun: 4294967296\n    zvol: storage/iscsi-test01"}}) {
    SCOPED_TRACE(to);
    {
      std::ofstream o(f);
      o << swap(from, to);
    }
    for (const Argv& args :
         {Argv{"status", "--config", f.string()}, Argv{"recover", "--config", f.string(), "--dry-run"}}) {
      auto r = stackdr(args);
      EXPECT_EQ(r.exit_code, 64) << r.err;
      EXPECT_NE(r.err.find(f.string() + ":"), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
  std::filesystem::remove(f);
}

}  // namespace
}  // namespace stackdr
