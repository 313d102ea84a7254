// stackdr init: the topology drafted from what the machines show equals the one the stack was
// made from (the example's, with ZFS and a VM; the lab's, with plain devices, a portal per leg
// and a mounted array), `status` reads the draft as healthy, and init writes over nothing.

#include "operate/discover.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim_fixture.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using testing::run_stackdr;

// What a topology says the stack is, without comments, order or the hosts' addresses.
nlohmann::json shape(const Topology& t) {
  nlohmann::json j;
  j["pool"] = t.storage.pool;
  j["disks"] = t.storage.disks;
  j["portal"] = t.storage.portal;
  j["initiator"] = t.initiator.iqn;
  for (const auto& l : t.luns)
    j["luns"][l.name] = {{"target", l.target},
                         {"lun", l.lun},
                         {"zvol", l.zvol},
                         {"device", l.device},
                         {"backstore", l.backstore()},
                         {"portal", t.portal_of(l)}};
  for (const auto& a : t.arrays)
    j["arrays"][a.name] = {
        {"device", a.device}, {"level", a.level}, {"members", a.members}, {"mountpoint", a.mountpoint}};
  for (const auto& v : t.vms)
    for (const auto& d : v.disks) j["vms"][v.name][d.target] = d.source;
  return j;
}

struct Case {
  std::string name, config;
};

class InitDrafts : public ::testing::TestWithParam<Case> {};

TEST_P(InitDrafts, TheDraftIsTheTopologyTheStackWasMadeFrom) {
  fs::path d =
      fs::temp_directory_path() / ("stackdr-init-" + GetParam().name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  ASSERT_EQ(run_stackdr({"lab", "init", "--config", GetParam().config, "--state-dir", d.string()}).exit_code,
            0);
  std::string draft = (d / "draft.yaml").string();
  auto r = run_stackdr({"init", "--lab", "--state-dir", d.string(), "--out", draft, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["unread"].empty()) << r.out;
  auto got = load_topology(draft);
  ASSERT_TRUE(got.ok()) << got.error().message;
  Topology want = testing::default_topology(GetParam().config);
  EXPECT_EQ(shape(*got), shape(want)) << testing::read_file(draft);
  // Members are joined by serial, not by today's sdX.
  EXPECT_NE(testing::read_file(draft).find("joined by serial"), std::string::npos);
  // status on the draft (a simulated stack made from it) is healthy.
  auto status = run_stackdr({"status", "--lab", "--config", draft, "--state-dir", (d / "other").string()});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  // A second init never writes over the draft.
  auto again = run_stackdr({"init", "--lab", "--state-dir", d.string(), "--out", draft});
  EXPECT_EQ(again.exit_code, 74);
  EXPECT_NE(again.err.find("never writes over"), std::string::npos) << again.err;
  fs::remove_all(d);
}

INSTANTIATE_TEST_SUITE_P(Topologies, InitDrafts,
                         ::testing::Values(Case{"example", stackdr::testing::default_config()},
                                           Case{"lab", testing::kLabConfig}),
                         [](const auto& info) { return info.param.name; });

// A host whose libvirt is installed and not running: virsh prints two "error:" lines.
class VirshDown : public Host {
 public:
  explicit VirshDown(Host* inner) : inner_(inner) {}
  const std::string& name() const override { return inner_->name(); }
  CommandResult run(const Argv& argv, std::chrono::milliseconds t) override {
    if (!argv.empty() && argv[0] == "virsh")
      return {true, false, 1, "",
              "error: failed to connect to the hypervisor\nerror: Failed to connect socket to "
              "'/var/run/libvirt/libvirt-sock': No such file or directory\n"};
    return inner_->run(argv, t);
  }
  Result<std::string> read_file(const std::string& path) override { return inner_->read_file(path); }

 private:
  Host* inner_;
};

// A read's message of several lines stays in the draft's comments: the lab's KVM machine (libvirt
// installed, not running) made a draft that did not parse.
TEST(Init, AMessageOfSeveralLinesStaysAComment) {
  testing::SimStack s;
  Topology skeleton;
  skeleton.hosts = s.topology.hosts;
  skeleton.storage.host = s.topology.storage.host;
  skeleton.initiator.host = s.topology.initiator.host;
  VirshDown down(s.sim.hosts.at(s.topology.initiator.host).get());
  HostLookup inner = s.lookup();
  HostLookup hosts = [&](const std::string& n) -> Host* {
    return n == s.topology.initiator.host ? &down : inner(n);
  };
  auto d = discover_topology(skeleton, hosts);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_NE(d->yaml.find("#   error: Failed to connect socket"), std::string::npos) << d->yaml;
  EXPECT_FALSE(d->unread.empty());
}

TEST(Init, ItNeedsTheMachinesToRead) {
  auto none = run_stackdr({"init"});
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_NE(none.err.find("--storage"), std::string::npos) << none.err;
  auto bad = run_stackdr({"init", "--storage", "root@host:99999", "--kvm", "local"});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_NE(bad.err.find("port"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace stackdr
