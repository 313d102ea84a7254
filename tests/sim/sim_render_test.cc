// The simulated stack must print exactly what the real tools print: a SimState set up like the
// lab guest renders byte for byte the text captured from the real kernel and tools.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "sim/faults.h"
#include "sim/renderers.h"
#include "sim/sim_host.h"
#include "sim/time_passes.h"
#include "test_support.h"
#include "topology/topology.h"
#include "util/text.h"

namespace stackdr::sim {
namespace {

using testing::corpus;

// The lab's state at "clean" (run 7): names, UUIDs, sizes and times as captured.
SimState lab_state() {
  auto topo = load_topology(stackdr::testing::tests_dir() + "/../config/lab.yaml");
  EXPECT_TRUE(topo.ok()) << topo.error().message;
  // The shared corpus was captured with both targets on 127.0.0.1:3260, before the lab gave
  // each leg its own portal, and with nothing mounted from md1.
  for (auto& l : topo->luns) l.portal.clear();
  for (auto& a : topo->arrays) a.mountpoint.clear();
  SimState s = build_sim_state(*topo);
  s.local_disks = {{"vda", "2G", "/", {"pci-0000:00:03.0", "virtio-pci-0000:00:03.0"}},
                   {"vdb", "512M", "", {"pci-0000:00:04.0", "virtio-pci-0000:00:04.0"}},
                   {"vdc", "512M", "", {"pci-0000:00:05.0", "virtio-pci-0000:00:05.0"}}};
  s.lio.backstores[0].serial = "a4f91e79-619d-4f58-aa99-09ca0db86532";
  s.lio.backstores[1].serial = "0363c3b4-b8e7-42ae-aa05-d6fdadd5ec98";
  for (auto& b : s.lio.backstores) b.size_bytes = 512LL << 20;
  s.sessions[0].disk = "sda";
  s.sessions[1].disk = "sdb";
  int64_t login = 1795589666 - 10;  // "Nov 25 06:54" — the minute ls prints
  for (auto& se : s.sessions) {
    se.recovery_timeout = 15;
    se.iface_ip = "127.0.0.1";
    se.login_time = login;
  }
  Array& a = s.arrays[0];
  a.uuid = "77264b19:071bd1c7:14c0b7ca:2960a973";
  a.homehost = "lab";
  a.size_kib = 523264;
  a.events = 19;
  a.creation_time = 1795589666;
  a.update_time = 1795589681;
  a.members[0].device_uuid = "df8fb031:709e1bb0:44e4b7f5:141fccac";
  a.members[0].checksum = "5d91490c";
  for (auto& m : a.members) {
    m.events = 19;
    m.update_time = a.update_time;
  }
  return s;
}

// stackdr's own lab run (tests/lab_captures): after a session logout md keeps the failed
// member under the kernel name it had; the simulator renders the same.
TEST(SimRender, MdstatAfterSessionLogoutMatchesOurLabRun) {
  SimState s = lab_state();
  ASSERT_TRUE(inject_fault(s, "session-logout").ok());
  std::ifstream in(stackdr::testing::tests_dir() + "/lab_captures/2026-11-25/mdstat.s1-logout.fault.txt");
  std::string real((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(render_mdstat(s), real);
}

// LIO's configfs as stackdr reads it (find + grep), against our lab run's clean state. The
// LUN links are named with random hex by targetcli; everything else must match byte for byte.
TEST(SimRender, LioConfigfsMatchesOurLabRun) {
  auto topo = load_topology(stackdr::testing::tests_dir() + "/../config/lab.yaml");
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  SimState s = build_sim_state(*topo);
  s.lio.backstores[0].serial = "2381112e-ed48-44b8-8497-93526b44d6f0";
  s.lio.backstores[1].serial = "78237e77-9a72-4917-bb8b-4db81c5b5872";
  std::string dir = stackdr::testing::tests_dir() + "/lab_captures/2026-11-25/";
  std::regex link_name(R"(/[0-9a-f]{10}\t)");
  EXPECT_EQ(std::regex_replace(render_lio_tree(s), link_name, "/LINK\t"),
            std::regex_replace(testing::read_file(dir + "lio-tree.clean.txt"), link_name, "/LINK\t"));
  Rendered v = render_lio_values(s);
  EXPECT_EQ(v.rc, 0);
  EXPECT_EQ(v.out, testing::read_file(dir + "lio-values.clean.txt"));
}

// The same after the lab's LIO faults: a backstore deleted (its LUN and mapped LUN go with it)
// and the target service stopped (targetctl clear leaves the empty iscsi and core folders).
TEST(SimRender, LioConfigfsAfterFaultsMatchesOurLabRun) {
  auto topo = load_topology(stackdr::testing::tests_dir() + "/../config/lab.yaml");
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  std::string dir = stackdr::testing::tests_dir() + "/lab_captures/2026-11-25/";
  std::regex link_name(R"(/[0-9a-f]{10}\t)");
  for (auto [fault, state] : {std::pair{"backstore-deleted", "s1-backstore.fault"},
                              std::pair{"target-service-stopped", "s2-target.fault"}}) {
    SCOPED_TRACE(fault);
    SimState s = build_sim_state(*topo);
    ASSERT_TRUE(inject_fault(s, fault).ok());
    EXPECT_EQ(
        std::regex_replace(render_lio_tree(s), link_name, "/LINK\t"),
        std::regex_replace(testing::read_file(dir + "lio-tree." + state + ".txt"), link_name, "/LINK\t"));
  }
  SimState stopped = build_sim_state(*topo);
  ASSERT_TRUE(inject_fault(stopped, "target-service-stopped").ok());
  EXPECT_EQ(render_lio_values(stopped).out, testing::read_file(dir + "lio-values.s2-target.fault.txt"));
  EXPECT_EQ(render_lio_values(stopped).rc, 1);  // grep found nothing
}

TEST(SimRender, MdstatCleanMatchesLab) {
  EXPECT_EQ(render_mdstat(lab_state()), corpus("lab/mdstat.clean.txt"));
}

TEST(SimRender, MdadmDetailCleanMatchesLab) {
  auto r = render_mdadm_detail(lab_state(), "/dev/md1");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, corpus("lab/mdadm-detail.clean.txt"));
}

TEST(SimRender, MdadmExamineGoodMemberMatchesLab) {
  auto r = render_mdadm_examine(lab_state(), "/dev/sda");
  EXPECT_EQ(r.out, corpus("lab/mdadm-examine.member-good.txt"));
}

TEST(SimRender, DegradedDetailMatchesLabShape) {
  SimState s = lab_state();
  Array& a = s.arrays[0];
  a.members[1].faulty = true;
  a.events = 25;
  a.update_time = 1795589694;
  EXPECT_EQ(render_mdstat(s), corpus("lab/mdstat.degraded.txt"));
  EXPECT_EQ(render_mdadm_detail(s, "/dev/md1").out, corpus("lab/mdadm-detail.degraded-faulty.txt"));
  a.members[1].in_array = false;
  a.events = 28;
  a.update_time = 1795589701;
  EXPECT_EQ(render_mdadm_detail(s, "/dev/md1").out, corpus("lab/mdadm-detail.degraded-removed.txt"));
}

TEST(SimRender, RecoveryLineMatchesKernelFormat) {
  SimState s = lab_state();
  Array& a = s.arrays[0];
  a.members[1].in_sync = false;
  a.resync = Resync{"recovery", 9920, 523264, 9920, 0, 0, ""};
  std::string expected = corpus("lab/mdstat.recovering.readd.txt");
  EXPECT_EQ(render_mdstat(s), expected);
}

TEST(SimRender, IscsiadmSessionMatchesLab) {
  SimState s = lab_state();
  EXPECT_EQ(render_iscsiadm_session(s, 0).out, corpus("lab/iscsiadm-session.clean.txt"));
  EXPECT_EQ(render_iscsiadm_session(s, 3).out, corpus("lab/iscsiadm-session-P3.clean.txt"));
  EXPECT_EQ(render_iscsiadm_session(s, 1).out, corpus("lab/iscsiadm-session-P1.clean.txt"));
}

TEST(SimRender, TargetcliLsMatchesLab) {
  SimState s = lab_state();
  EXPECT_EQ(render_targetcli_ls(s), corpus("lab/targetcli-ls.clean.txt"));
}

TEST(SimRender, ByPathAndLsblkMatchLab) {
  SimState s = lab_state();
  EXPECT_EQ(render_by_path(s), corpus("lab/ls-by-path.clean.txt"));
  EXPECT_EQ(render_lsblk_json(s), corpus("lab/lsblk.clean.json"));
}

// The two-machine lab's real pool (OpenZFS 2.1.11, 2026-12-06, tests/lab_captures): `storage`,
// a mirror of two virtio disks, two spares; zvols made by `lun create`.
SimState lab_pool_state() {
  auto topo = parse_topology(R"(
hosts:
  storage: {role: storage, address: 127.0.0.1}
  kvm: {role: kvm, address: 127.0.0.1}
storage:
  host: storage
  pool: storage
  portal: 192.0.2.1:3260
  disks: [virtio-pool-a, virtio-pool-b]
  spare_disks: [virtio-pool-c, virtio-pool-d]
initiator: {host: kvm, iqn: iqn.2024-01.lab.example:initiator01}
luns:
  - {name: test01, target: iqn.2003-01.org.linux-iscsi.lab:test01, lun: 0, zvol: storage/iscsi-test01, backstore: lun01}
  - {name: test02, target: iqn.2003-01.org.linux-iscsi.lab:test02, lun: 0, zvol: storage/iscsi-test02, backstore: lun02}
arrays:
  - {name: md1, host: kvm, device: /dev/md1, level: raid1, members: [test01, test02]}
)",
                             "lab.yaml");
  EXPECT_TRUE(topo.ok()) << topo.error().message;
  SimState s = build_sim_state(*topo);
  s.pool.scan.clear();  // a new pool: never scrubbed
  for (auto& z : s.zvols) {
    z.volmode = "dev";  // as lun create makes them
    z.volsize = 512LL << 20;
  }
  return s;
}

std::string lab_capture(const std::string& name) {
  std::ifstream in(stackdr::testing::tests_dir() + "/lab_captures/2026-12-06/" + name);
  EXPECT_TRUE(in.good()) << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SimRender, ZpoolStatusMatchesTheLabsRealPoolInEachState) {
  SimState s = lab_pool_state();
  EXPECT_EQ(render_zpool_status(s, "storage").out, lab_capture("zpool-status.clean.txt"));
  // s3-pool-disk: one side pulled out from under the guest (qemu device_del)
  s.pool.disks[1].state = "REMOVED";
  EXPECT_EQ(render_zpool_status(s, "storage").out, lab_capture("zpool-status.s3-pool-disk.fault.txt"));
  // replaced onto the first spare, resilvered, scrubbed
  s.pool.disks[1] = PoolDisk{};
  s.pool.disks[1].name = "virtio-pool-c";
  s.pool.scan = "scrub repaired 0B in 00:00:36 with 0 errors on Sun Dec  6 15:47:05 2026";
  EXPECT_EQ(render_zpool_status(s, "storage").out, lab_capture("zpool-status.s3-pool-disk.recovered.txt"));
}

TEST(SimRender, ZfsGetMatchesTheLabsRealZvols) {
  SimState s = lab_pool_state();
  const std::vector<std::string> props = {"volmode", "volsize"};
  const std::vector<std::string> zvols = {"storage/iscsi-test01", "storage/iscsi-test02"};
  EXPECT_EQ(render_zfs_get(s, props, zvols).out, lab_capture("zfs-get.clean.txt"));
  // s1-zvol-renamed: test02's zvol renamed away; zfs names it on stderr and prints the other
  s.zvols[1].name = "storage/tidy-test02";
  Rendered r = render_zfs_get(s, props, zvols);
  EXPECT_EQ(r.err + r.out, lab_capture("zfs-get.s1-zvol-renamed.fault.txt"));
  EXPECT_EQ(r.rc, 1);
}

// What OpenZFS 2.1.11 queued on the lab's pool (`zpool events -H`, 2026-12-07) from its creation
// through s3-pool-disk — one side of the mirror pulled out (qemu device_del), then what stackdr
// ran: `zpool clear`, `zpool replace` onto the first spare, the resilver, a scrub — against the
// simulator's queue through the same fault (its own catalog) and the same commands. Every line
// has the real lines' shape, and the classes come in the same order. The real history_event
// records are left out: they are ZFS's command history (`zpool history -i`, 37 of them for the
// pool's and zvols' creation alone), which the simulator does not keep.
TEST(SimRender, ZpoolEventsMatchTheLabsRealPoolThroughFaultAndRecovery) {
  const std::regex shape(R"([A-Z][a-z]{2} [ 1-3][0-9] \d{4} \d\d:\d\d:\d\d\.\d{9}\t[a-z_.]+)");
  auto classes = [&](const std::string& scripted) {
    std::vector<std::string> out;
    for (auto line : text::lines(scripted)) {
      EXPECT_TRUE(std::regex_match(std::string(line), shape)) << line;
      std::string cls(line.substr(line.find('\t') + 1));
      if (cls != "sysevent.fs.zfs.history_event") out.push_back(cls);
    }
    return out;
  };
  auto real = [&](const std::string& name) {
    return classes(testing::read_file(stackdr::testing::tests_dir() + "/lab_captures/2026-12-07/" + name));
  };
  auto s = std::make_shared<SimState>(lab_pool_state());
  SimHost storage("storage", s);
  auto events = [&] {
    auto r = storage.run({"zpool", "events", "-H", "storage"}, std::chrono::seconds(5));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return classes(r.out);
  };
  EXPECT_EQ(events(), real("zpool-events.clean.txt"));
  ASSERT_TRUE(inject_fault(*s, "pool-disk-removed"));
  EXPECT_EQ(render_zpool_status(*s, "storage").out, lab_capture("zpool-status.s3-pool-disk.fault.txt"));
  EXPECT_EQ(events(), real("zpool-events.s3-pool-disk.fault.txt"));
  for (Argv step : {Argv{"zpool", "clear", "storage", "virtio-pool-b"},
                    Argv{"zpool", "replace", "storage", "virtio-pool-b", "virtio-pool-c"}})
    EXPECT_EQ(storage.run(step, std::chrono::seconds(5)).exit_code, 0) << describe_argv(step);
  advance(*s, 3 * 3600);  // the resilver done
  EXPECT_EQ(storage.run({"zpool", "scrub", "storage"}, std::chrono::seconds(5)).exit_code, 0);
  advance(*s, 3 * 3600);  // the scrub done
  EXPECT_EQ(events(), real("zpool-events.s3-pool-disk.recovered.txt"));

  // Without -H: zpool's header, a space before the class; another pool's name is refused.
  auto plain = storage.run({"zpool", "events"}, std::chrono::seconds(5)).out;
  EXPECT_EQ(plain.substr(0, plain.find('\n') + 1), "TIME                           CLASS\n");
  EXPECT_TRUE(std::regex_search(
      plain,
      std::regex(R"(\n[A-Z][a-z]{2} [ 1-3][0-9] \d{4} [0-9:]{8}\.\d{9} sysevent\.fs\.zfs\.pool_create\n)")));
  EXPECT_EQ(storage.run({"zpool", "events", "tank"}, std::chrono::seconds(5)).err,
            "cannot open 'tank': no such pool\n");
}

// The lab's VM (lab/run.sh m-vm): vm1 on the KVM host, its boot disk the non-mirrored LUN boot01
// (virtio, pinned to link A's portal), its data disk md1 (virtio-scsi). What libvirt 9.0 printed
// for it on 2026-12-07 — running, and its data disk detached (s5-vm-detach) — is what the
// simulator prints for the same states, the fault made by the simulator's own catalog; and the
// VM paused on an I/O error when both storage links were lost (s5-vm-pause, its SCSI timeout
// raised in the guest), then resumed by stackdr.
TEST(SimRender, VirshMatchesTheLabsRealLibvirtInEachState) {
  auto topo = parse_topology(R"(
hosts:
  storage: {role: storage, address: 127.0.0.1}
  kvm: {role: kvm, address: 127.0.0.1}
storage: {host: storage, pool: storage, portal: 192.0.2.1:3260, disks: [virtio-pool-a, virtio-pool-b]}
initiator: {host: kvm, iqn: iqn.2024-01.lab.example:initiator01}
luns:
  - {name: test01, target: iqn.2003-01.org.linux-iscsi.lab:test01, lun: 0, zvol: storage/iscsi-test01, backstore: lun01}
  - {name: test02, target: iqn.2003-01.org.linux-iscsi.lab:test02, lun: 0, zvol: storage/iscsi-test02, backstore: lun02}
  - {name: boot01, target: iqn.2003-01.org.linux-iscsi.lab:boot01, lun: 0, zvol: storage/iscsi-boot01, backstore: boot01}
arrays:
  - {name: md1, host: kvm, device: /dev/md1, level: raid1, members: [test01, test02]}
vms:
  - name: vm1
    host: kvm
    disks:
      - {target: vda, source: boot01, boot: true}
      - {target: sda, source: md1}
)",
                             "lab-vm.yaml");
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  auto capture = [](const std::string& name) {
    return testing::read_file(stackdr::testing::tests_dir() + "/lab_captures/2026-12-07/" + name);
  };
  SimState running = build_sim_state(*topo);
  EXPECT_EQ(render_virsh_list(running).out, capture("virsh-list.vm-running.txt"));
  EXPECT_EQ(render_virsh_domblklist(running, "vm1").out, capture("virsh-domblklist.vm-running.txt"));

  SimState detached = build_sim_state(*topo);
  ASSERT_TRUE(inject_fault(detached, "vm-disk-detached"));
  EXPECT_EQ(render_virsh_list(detached).out, capture("virsh-list.s5-vm-detach.fault.txt"));
  EXPECT_EQ(render_virsh_domblklist(detached, "vm1").out, capture("virsh-domblklist.s5-vm-detach.fault.txt"));

  EXPECT_EQ(render_virsh_domstate(running, "vm1", true).out, capture("virsh-domstate-reason.vm-running.txt"));
  SimState paused = build_sim_state(*topo);
  ASSERT_TRUE(inject_fault(paused, "vm-paused"));
  EXPECT_EQ(render_virsh_list(paused).out, capture("virsh-list.s5-vm-pause.fault.txt"));
  EXPECT_EQ(render_virsh_domstate(paused, "vm1", true).out,
            capture("virsh-domstate-reason.s5-vm-pause.fault.txt"));
  SimHost kvm("kvm", std::make_shared<SimState>(paused));
  EXPECT_EQ(kvm.run({"virsh", "resume", "vm1"}, std::chrono::seconds(5)).exit_code, 0);
  EXPECT_EQ(kvm.run({"virsh", "domstate", "vm1", "--reason"}, std::chrono::seconds(5)).out,
            capture("virsh-domstate-reason.s5-vm-pause.recovered.txt"));
  EXPECT_EQ(kvm.run({"virsh", "list", "--all"}, std::chrono::seconds(5)).out,
            capture("virsh-list.s5-vm-pause.recovered.txt"));
}

}  // namespace
}  // namespace stackdr::sim
