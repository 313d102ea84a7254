// One identity per thing. An array whose topology name differs from its device (`name: data`,
// `device: /dev/md1`) is looked up in md by its device and named by its label everywhere else:
// healthy when healthy, every fault recovered, and the interlocks find its members.

#include <gtest/gtest.h>

#include <fstream>

#include "drill/drill.h"
#include "recover/interlocks.h"
#include "recovery_support.h"
#include "test_support.h"

namespace stackdr {
namespace {

// The shipped topology with the array renamed `data` (still /dev/md1), written to a file so
// the simulated stack and the executor read it as a user's file.
std::string renamed_config() {
  std::string text = testing::read_file(stackdr::testing::default_config());
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the shipped topology");
    text.replace(at, from.size(), to);
  };
  replace("  - name: md1\n", "  - name: data\n");
  replace("source: md1", "source: data");
  std::string path = ::testing::TempDir() + "stackdr-renamed-array.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(Identity, AnArrayNamedApartFromItsDeviceIsHealthyWhenHealthy) {
  testing::SimStack s(renamed_config());
  ASSERT_TRUE(s.topology.array("data"));
  EXPECT_EQ(s.topology.array("data")->kernel_name(), "md1");
  View v = take_view(s.topology, s.lookup());
  EXPECT_EQ(v.status, 0) << (v.findings.empty() ? "" : v.findings.front().summary);
  EXPECT_TRUE(v.findings.empty());
  const Node* arr = v.node(node_id::array(*s.topology.array("data")));
  ASSERT_NE(arr, nullptr);
  EXPECT_EQ(arr->health, Health::kOk);
  EXPECT_EQ(v.array(*s.topology.array("data")).assembled, Seen::kYes);
}

TEST(Identity, EveryFaultRecoversOnAnArrayNamedApartFromItsDevice) {
  Topology t = testing::default_topology(renamed_config());
  for (const auto& f : sim::fault_catalog()) {
    auto r = run_drill(t, f.name);
    ASSERT_TRUE(r) << f.name << ": " << r.error().message;
    EXPECT_TRUE(r->passed()) << f.name << ": " << r->recovery.message << "\n" << r->output;
    EXPECT_TRUE(r->data_loss.empty()) << f.name;
  }
}

TEST(Identity, TheInSyncMemberInterlockFindsAnArrayNamedApartFromItsDevice) {
  testing::Recovery rc(":memory:", renamed_config());
  View v = take_view(rc.s.topology, rc.s.lookup());
  Step s;
  s.id = "test";
  s.host = "s01";
  s.safety = Safety::kDestructive;
  s.argv = {"mdadm", "--zero-superblock", "/dev/" + rc.s.state->disk_of("test01")};
  Policy p;
  p.yes = p.allow_data_loss = true;
  auto r = check_interlocks(rc.s.topology, v, s, s.argv, p, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "in-sync-member");
  EXPECT_NE(r->why.find("data"), std::string::npos) << r->why;
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// Impact: the VM whose boot disk fails is frozen (CRITICAL); one whose data disk fails is
// DEGRADED, and its filesystem says whether that data is down.
TEST(Impact, AVmWhoseBootDiskFailedIsCritical) {
  testing::SimStack s;
  Observation o = s.observe();
  auto& links = o.kvm.at("s01").by_path->links;
  std::erase_if(links, [](const DiskLink& l) { return l.name.find(":lun01-lun-0") != std::string::npos; });
  View v = make_view(s.topology, o);
  const Node* vm = v.node(node_id::vm(s.topology.vms.front()));
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->health, Health::kFailed);
  EXPECT_EQ(vm->cause, Cause::kVmFrozen);
  EXPECT_EQ(v.status, 2);
  ASSERT_FALSE(v.findings.empty());
  EXPECT_EQ(v.findings.front().cause, Cause::kDiskMissing);
  bool vm_impacted = false;
  for (const auto& i : v.findings.front().impacted) vm_impacted = vm_impacted || i.id == vm->id;
  EXPECT_TRUE(vm_impacted);
}

}  // namespace
}  // namespace stackdr
