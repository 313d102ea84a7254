// The daemon's VM lines (watch/vm_states): states read from the lab's real libvirt captures of
// a VM paused on an I/O error and resumed, on the example topology (a VM on s01).

#include "watch/vm_states.h"

#include <gtest/gtest.h>

#include <sstream>

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

// libvirt's own events on the lab's KVM host, as `virsh event --all --loop` printed them while
// both storage links were lost and then recovered: the lifecycle lines give the state a sweep
// reads at the same moment (the daemon's first look, and the sweep after it agreeing in silence).
TEST(VmStates, LibvirtsLifecycleEventsSayWhatTheSweepReads) {
  Topology t = example();
  std::vector<VmEvent> said;
  std::istringstream in(capture("virsh-event.s5-vm-pause.txt"));
  for (std::string line; std::getline(in, line);)
    if (auto e = vm_event_state(line)) said.push_back(*e);
  ASSERT_EQ(said.size(), 2u);  // io-error, io-error-reason and the device events say no state
  EXPECT_EQ(said[0].domain, "vm1");
  auto paused =
      vm_states(t, seen("virsh-list.s5-vm-pause.fault.txt", "virsh-domstate-reason.s5-vm-pause.fault.txt"));
  auto resumed = vm_states(t, seen("virsh-list.s5-vm-pause.recovered.txt"));
  EXPECT_EQ(said[0].state, paused.at("sjm-explore"));
  EXPECT_EQ(said[1].state, resumed.at("sjm-explore"));
}

TEST(VmStates, LifecycleWordsAndLinesNotUnderstood) {
  auto state = [](std::string_view line) {
    auto e = vm_event_state(line);
    return e ? e->domain + "=" + e->state : std::string("-");
  };
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Suspended Paused"), "db-01=paused (user)");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Suspended Watchdog"), "db-01=paused (watchdog)");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Started Booted"), "db-01=running");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Stopped Destroyed"), "db-01=shut off");
  // A name with a quote and a colon in it, as libvirt allows.
  EXPECT_EQ(state("event 'lifecycle' for domain 'it's: odd': Suspended I/O Error"),
            "it's: odd=paused (I/O error)");
  // A pause whose reason is not known, other events, cut lines: the sweep reads them.
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Suspended Restored"), "-");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Shutdown Finished"), "-");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01': Defined Added"), "-");
  EXPECT_EQ(state("event 'io-error' for domain 'vm1': /dev/md1 (scsi0-0-0-0) pause"), "-");
  EXPECT_EQ(state("event 'lifecycle' for domain 'db-01"), "-");
  EXPECT_EQ(state("event 'lifecycle' for domain '': Suspended I/O Error"), "-");
  EXPECT_EQ(state(""), "-");
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
