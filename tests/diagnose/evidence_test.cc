// Not seen is not absent. A read that failed, timed out or was skipped proves nothing: the
// nodes resting on it are UNKNOWN, no finding's cause rests on it, and no step is planned from
// it. The property test drops every source, and every pair of sources, from the sweep of the
// healthy stack and of every fault, and checks that the plan never gets riskier than with the
// whole sweep, and never destructive.

#include <gtest/gtest.h>

#include <set>

#include "drill/drill.h"
#include "recover/planner.h"
#include "sim/time_passes.h"
#include "sim_fixture.h"
#include "support/paths.h"

namespace stackdr {
namespace {

using testing::SimStack;

/// A host whose chosen reads fail, as if the command was not there or the file unreadable;
/// everything else is answered by the host it wraps.
class DroppingHost : public Host {
 public:
  DroppingHost(Host* inner, const std::set<std::string>* dropped) : inner_(inner), dropped_(dropped) {}
  const std::string& name() const override { return inner_->name(); }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override {
    if (dropped_->count(inner_->name() + "\t" + describe_argv(argv)))
      return {false, false, 127, "", "dropped by the test"};
    return inner_->run(argv, timeout);
  }
  Result<std::string> read_file(const std::string& path) override {
    if (dropped_->count(inner_->name() + "\t" + path)) return Error{"dropped by the test"};
    return inner_->read_file(path);
  }

 private:
  Host* inner_;
  const std::set<std::string>* dropped_;
};

/// Observes a simulated stack with some sources dropped.
View view_without(SimStack& s, const std::set<std::string>& dropped) {
  std::map<std::string, std::unique_ptr<DroppingHost>> hosts;
  for (const auto& h : s.topology.hosts)
    hosts[h.name] = std::make_unique<DroppingHost>(s.lookup()(h.name), &dropped);
  HostLookup lookup = [&](const std::string& n) -> Host* {
    auto it = hosts.find(n);
    return it == hosts.end() ? nullptr : it->second.get();
  };
  return take_view(s.topology, lookup);
}

/// The riskiest step of the plans for every finding of a View (kRead when none).
Safety riskiest(const Topology& t, const View& v, std::string* where = nullptr) {
  Safety worst = Safety::kRead;
  for (const auto& f : v.findings) {
    Plan p = plan_recovery(t, v, f, {});
    for (const auto& s : p.steps)
      if (static_cast<int>(s.safety) > static_cast<int>(worst)) {
        worst = s.safety;
        if (where) *where = std::string(cause_name(f.cause)) + ": " + s.id;
      }
  }
  return worst;
}

// Every source a sweep read, as "host<TAB>source".
std::vector<std::string> sources_of(const View& v) {
  std::vector<std::string> out;
  for (const auto& s : v.observation.sources) {
    std::string key = s.host + "\t" + s.source;
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  }
  return out;
}

// Injects a fault as a drill does; false when it does not apply to the topology.
bool inject(SimStack& s, const std::string& fault) {
  if (fault.empty()) return true;
  if (!sim::inject_fault(*s.state, fault)) return false;
  sim::advance(*s.state, 1);
  return true;
}

std::vector<std::string> cases() {
  std::vector<std::string> c{""};  // the healthy stack
  for (const auto& f : sim::fault_catalog()) c.push_back(f.name);
  return c;
}

void check_dropping_sources(const std::string& config) {
  int checked = 0;
  for (const auto& fault : cases()) {
    SimStack s(config);
    if (!inject(s, fault)) continue;
    View full = view_without(s, {});
    Safety full_risk = riskiest(s.topology, full);
    std::vector<std::string> srcs = sources_of(full);
    ASSERT_GT(srcs.size(), 5u);
    for (size_t i = 0; i < srcs.size(); ++i)
      for (size_t j = i; j < srcs.size(); ++j) {  // j == i: that source alone
        std::set<std::string> dropped{srcs[i], srcs[j]};
        View v = view_without(s, dropped);
        std::string where;
        Safety risk = riskiest(s.topology, v, &where);
        std::string what =
            (fault.empty() ? "healthy" : fault) + " without [" + srcs[i] + "] [" + srcs[j] + "]";
        EXPECT_LE(static_cast<int>(risk), static_cast<int>(full_risk))
            << what << ": plans a " << safety_name(risk) << " step (" << where << "), the whole sweep only "
            << safety_name(full_risk);
        EXPECT_NE(risk, Safety::kDestructive) << what << ": " << where;
        ++checked;
      }
  }
  EXPECT_GT(checked, 1000);
}

TEST(NotSeen, DroppingAnySourceOrPairNeverMakesThePlanRiskier) {
  check_dropping_sources(stackdr::testing::default_config());
}

TEST(NotSeen, DroppingAnySourceOrPairNeverMakesThePlanRiskierOnTheLabTopology) {
  check_dropping_sources(testing::kLabConfig);
}

// The bundle of the issue: a healthy [UU] array, only the by-path listing missing. It used to
// plan `mdadm --add` (full rebuild) for both members.
TEST(NotSeen, AHealthyArrayWithoutTheDiskListingIsUnknownAndNothingIsPlanned) {
  SimStack s;
  View v = view_without(s, {"s01\tls -l /dev/disk/by-path"});
  EXPECT_EQ(v.status, 3);
  EXPECT_TRUE(v.findings.empty()) << v.findings.front().summary;
  EXPECT_EQ(riskiest(s.topology, v), Safety::kRead);
  const Node* m = v.node(node_id::member(*s.topology.array("md1"), "test02"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->health, Health::kUnknown);
  EXPECT_EQ(v.node(node_id::array(*s.topology.array("md1")))->health, Health::kOk);
}

// No host can be reached: every node is UNKNOWN, nothing is a finding, status is 3, and the
// evidence names the failed reads.
TEST(NotSeen, NothingReachableIsUnknownNotAFailure) {
  Topology t = testing::default_topology();
  View v = take_view(t, [](const std::string&) -> Host* { return nullptr; });
  EXPECT_EQ(v.status, 3);
  EXPECT_TRUE(v.findings.empty());
  for (const auto& n : v.graph.nodes()) {
    EXPECT_EQ(n.health, Health::kUnknown)
        << n.id << " is " << health_name(n.health) << " (" << n.cause << ")";
    ASSERT_FALSE(n.evidence.empty()) << n.id;
    EXPECT_NE(n.evidence.front().text.find("could not read"), std::string::npos) << n.evidence.front().text;
  }
}

/// A machine with none of the storage tools: every command fails to start, and the by-path
/// folder does not exist (ls exits 2), as on this project's build machine.
class BareHost : public Host {
 public:
  explicit BareHost(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds) override {
    if (argv.size() == 3 && argv[0] == "ls" && argv[2] == "/dev/disk/by-path")
      return {true, false, 2, "", "ls: cannot access '/dev/disk/by-path': No such file or directory\n"};
    return {false, false, 127, "", argv[0] + ": No such file or directory"};
  }
  Result<std::string> read_file(const std::string& path) override {
    return Error{path + ": No such file or directory"};
  }

 private:
  std::string name_;
};

// The first case: the shipped topology where no storage tool can run. Nothing may be
// called failed from what was not read: status 3, no finding, the VM not called frozen.
TEST(NotSeen, AMachineWithoutStorageToolsIsUnknown) {
  Topology t = testing::default_topology();
  BareHost local("s01");
  View v = take_view(t, [&](const std::string& n) -> Host* { return n == "s01" ? &local : nullptr; });
  EXPECT_EQ(v.status, 3);
  EXPECT_TRUE(v.findings.empty()) << v.findings.front().summary;
  const Node* vm = v.node(node_id::vm(t.vms.front()));
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->health, Health::kUnknown);
}

// A finding cites only sources that were read: its evidence names none of the failed reads.
TEST(NotSeen, FindingsCiteOnlySourcesThatWereRead) {
  for (const auto& fault : cases()) {
    SimStack s;
    ASSERT_TRUE(inject(s, fault)) << fault;
    View full = view_without(s, {});
    for (const auto& src : sources_of(full)) {
      View v = view_without(s, {src});
      for (const auto& f : v.findings)
        for (const auto& e : f.evidence) {
          EXPECT_EQ(e.text.find("could not read"), std::string::npos)
              << fault << " without " << src << ": " << f.cause << " cites " << e.text;
          EXPECT_EQ(e.text.find("not read"), std::string::npos)
              << fault << " without " << src << ": " << f.cause << " cites " << e.text;
        }
    }
  }
}

// A failure whose cause might be what was not read is not a finding: the disk is seen missing,
// but its session could not be read, so "disk-missing" would be a guess.
TEST(NotSeen, AFailureOnTopOfAnUnreadLayerIsReportedUnexplained) {
  SimStack s;
  ASSERT_TRUE(inject(s, "session-logout"));
  View v = view_without(s, {"s01\tiscsiadm -m session -P 3"});
  for (const auto& f : v.findings) EXPECT_NE(f.layer, "iscsi-disk") << f.summary;
  auto u = unexplained(v.graph);
  ASSERT_FALSE(u.empty());
  EXPECT_EQ(u.front().unknown_below->layer, Layer::kSession);
  EXPECT_EQ(v.status, 3);
}

}  // namespace
}  // namespace stackdr
