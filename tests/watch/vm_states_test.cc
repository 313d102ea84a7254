// The daemon's VM lines (watch/vm_states): states read from the lab's real libvirt captures of
// a VM paused on an I/O error and resumed, on the example topology (a VM on s01).

#include "watch/vm_states.h"

#include <gtest/gtest.h>

#include "probe/virsh.h"
#include "test_support.h"

namespace stackdr {
namespace {

Topology example() {
  auto t = load_topology(testing::default_config());
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

std::string capture(const std::string& name) {
  return testing::read_file(testing::tests_dir() + "/lab_captures/2026-12-07/" + name);
}

// What a sweep of s01 read: `virsh list --all`, and for a paused domain its reason.
Observation seen(const std::string& list, const std::string& reason = "") {
  Observation o;
  KvmFacts& k = o.kvm["s01"];
  k.host = "s01";
  auto l = parse_virsh_list(capture(list));
  EXPECT_TRUE(l) << l.error().message;
  // The lab's domain is vm1; the example topology's is sjm-explore.
  for (auto& d : l->domains) d.name = "sjm-explore";
  k.domains = *l;
  if (!reason.empty()) {
    auto r = parse_virsh_domstate(capture(reason));
    EXPECT_TRUE(r) << r.error().message;
    k.domstate["sjm-explore"] = *r;
  }
  return o;
}

TEST(VmStates, APauseOnAnIoErrorAndTheResumeAreEachOneLine) {
  Topology t = example();
  auto running = vm_states(t, seen("virsh-list.vm-running.txt"));
  auto paused =
      vm_states(t, seen("virsh-list.s5-vm-pause.fault.txt", "virsh-domstate-reason.s5-vm-pause.fault.txt"));
  auto resumed = vm_states(t, seen("virsh-list.s5-vm-pause.recovered.txt"));
  EXPECT_EQ(running.at("sjm-explore"), "running");
  EXPECT_EQ(paused.at("sjm-explore"), "paused (I/O error)");

  auto down = vm_state_changes(t, running, paused);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0], "VM sjm-explore on s01: running → paused (I/O error)");
  auto up = vm_state_changes(t, paused, resumed);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], "VM sjm-explore on s01: paused (I/O error) → running");
  EXPECT_TRUE(vm_state_changes(t, running, resumed).empty());  // the same state says nothing
}

TEST(VmStates, AHostNotReadSaysNothingAndADomainGoneIsMissing) {
  Topology t = example();
  auto running = vm_states(t, seen("virsh-list.vm-running.txt"));
  Observation unread;  // s01's virsh list failed or timed out: not seen is not a change
  unread.kvm["s01"].host = "s01";
  auto none = vm_states(t, unread);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(vm_state_changes(t, running, none).empty());
  EXPECT_TRUE(vm_state_changes(t, none, running).empty());

  Observation gone = seen("virsh-list.vm-running.txt");
  gone.kvm["s01"].domains->domains.clear();  // undefined by someone
  auto missing = vm_states(t, gone);
  EXPECT_EQ(missing.at("sjm-explore"), "missing");
  auto lines = vm_state_changes(t, running, missing);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "VM sjm-explore on s01: running → missing");
}

// Another machine's libvirt (libvirt's own virsh test fixture: three domains running) and a
// topology unlike the example (two VMs on a host named kvm7, one of them not defined there).
TEST(VmStates, AnotherMachinesListAndATopologyUnlikeTheExample) {
  Topology topo = example();
  topo.vms.clear();
  VmConfig a, b;
  a.name = "fc4", a.host = "kvm7";
  b.name = "vm-gone", b.host = "kvm7";
  topo.vms = {a, b};
  Observation o;
  auto l = parse_virsh_list(testing::read_file(
      testing::corpus_dir() / "upstream/virsh/libvirt-virshtest-list-all-three-running.txt"));
  ASSERT_TRUE(l) << l.error().message;
  o.kvm["kvm7"].domains = *l;
  auto states = vm_states(topo, o);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states.at("fc4"), "running");
  EXPECT_EQ(states.at("vm-gone"), "missing");
  // fv0 and fc5 run there too, but the topology does not name them: they are not ours to tell.
  EXPECT_EQ(states.count("fv0"), 0u);
}

}  // namespace
}  // namespace stackdr
