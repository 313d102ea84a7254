// The topology file: the shipped examples load, and every kind of mistake is reported with the
// file, the line and what to write instead.

#include "topology/topology.h"

#include <gtest/gtest.h>

namespace stackdr {
namespace {

TEST(Topology, ShippedRunbookExampleLoads) {
  auto t = load_topology(STACKDR_DEFAULT_CONFIG);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->storage.pool, "storage");
  EXPECT_EQ(t->storage.portal_ip(), "192.168.125.116");
  EXPECT_EQ(t->storage.portal_port(), 3260);
  ASSERT_EQ(t->luns.size(), 3u);
  EXPECT_EQ(t->luns[1].device, "/dev/zvol/storage/iscsi-test01");
  EXPECT_EQ(t->luns[1].backstore(), "block/test01");
  ASSERT_EQ(t->arrays.size(), 1u);
  EXPECT_EQ(t->arrays[0].members, (std::vector<std::string>{"test01", "test02"}));
  EXPECT_EQ(t->vms[0].disks[1].mountpoint, "/mnt/raid");
  EXPECT_EQ(t->kvm_hosts(), std::vector<std::string>{"s01"});
}

const char* kBase = R"(hosts:
  st: {role: storage}
  kvm: {role: kvm}
storage:
  host: st
  pool: tank
  portal: 10.0.0.1:3260
luns:
  - name: a
    target: iqn.2003-01.x:a
    zvol: tank/a
)";

std::string error_of(const std::string& yaml) {
  auto t = parse_topology(yaml, "t.yaml");
  return t.ok() ? "" : t.error().message;
}

TEST(Topology, MinimalConfigLoads) {
  EXPECT_EQ(error_of(kBase), "");
}

TEST(Topology, MissingFieldNamesFileLineAndWhatToWrite) {
  std::string e = error_of(std::string(kBase) + "  - name: b\n    zvol: tank/b\n");
  EXPECT_NE(e.find("t.yaml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("missing 'target'"), std::string::npos) << e;
  EXPECT_NE(e.find("iqn."), std::string::npos) << e;
}

TEST(Topology, UnknownKeyIsRejectedWithTheKnownOnes) {
  std::string e = error_of(std::string(kBase) + "    lunn: 3\n");
  EXPECT_NE(e.find("t.yaml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'lunn'"), std::string::npos) << e;
  EXPECT_NE(e.find("lun"), std::string::npos);
}

TEST(Topology, BadReferencesAndValues) {
  EXPECT_NE(error_of(std::string(kBase) + "arrays:\n  - name: md1\n    host: kvm\n    members: [a, nope]\n")
                .find("'nope' is not a LUN name"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "arrays:\n  - name: md1\n    host: ghost\n    members: [a]\n")
                .find("'ghost' is not defined under hosts"),
            std::string::npos);
  std::string bad_lun = kBase;
  bad_lun += "    lun: zero\n";
  EXPECT_NE(error_of(bad_lun).find("expected a whole number"), std::string::npos);
  std::string bad_iqn = kBase;
  bad_iqn.replace(bad_iqn.find("iqn.2003-01.x:a"), 15, "test01");
  EXPECT_NE(error_of(bad_iqn).find("is not an iSCSI name"), std::string::npos);
  std::string bad_portal = kBase;
  bad_portal.replace(bad_portal.find("10.0.0.1:3260"), 13, "10.0.0.1");
  EXPECT_NE(error_of(bad_portal).find("must be IP:PORT"), std::string::npos);
}

TEST(Topology, ALunMayHaveItsOwnPortal) {
  auto t = parse_topology(std::string(kBase) +
                              "  - name: b\n    target: iqn.2003-01.x:b\n    zvol: tank/b\n"
                              "    portal: 10.0.1.1:3260\n",
                          "t.yaml");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->portal_of(t->luns[0]), "10.0.0.1:3260");
  EXPECT_EQ(t->portal_of(t->luns[1]), "10.0.1.1:3260");
  EXPECT_EQ(t->portals(), (std::vector<std::string>{"10.0.0.1:3260", "10.0.1.1:3260"}));
  EXPECT_EQ(t->by_path(t->luns[1]), "/dev/disk/by-path/ip-10.0.1.1:3260-iscsi-iqn.2003-01.x:b-lun-0");
  std::string e = error_of(std::string(kBase) + "    portal: 10.0.1.1\n");
  EXPECT_NE(e.find("t.yaml:12: luns[0].portal: '10.0.1.1' must be IP:PORT"), std::string::npos) << e;
}

TEST(Topology, InvalidYamlSaysLineAndColumn) {
  std::string e = error_of("hosts:\n  st: {role: storage\n");
  EXPECT_NE(e.find("t.yaml:"), std::string::npos);
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
}

TEST(Topology, MissingFileSaysWhatToDo) {
  auto t = load_topology("/nonexistent/stackdr.yaml");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("--config"), std::string::npos);
}

}  // namespace
}  // namespace stackdr
