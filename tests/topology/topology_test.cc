// The topology file: the shipped examples load, and every kind of mistake is reported with the
// file, the line and what to write instead.

#include "topology/topology.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/paths.h"

namespace stackdr {
namespace {

TEST(Topology, ShippedRunbookExampleLoads) {
  auto t = load_topology(stackdr::testing::default_config());
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

namespace hostile {

// A topology with every kind of name, each on its own line, so a test can replace one.
const char* kFull = R"(hosts:
  st: {role: storage, address: 127.0.0.1}
  kvm: {role: kvm}
storage:
  host: st
  pool: tank
  portal: 127.0.0.1:3260
  disks: [ata-DISK_A]
  service: target
initiator:
  host: kvm
  iqn: iqn.2024-01.com.example:kvm
luns:
  - name: a
    target: iqn.2003-01.org.example:a
    lun: 0
    zvol: tank/a
arrays:
  - name: md0
    host: kvm
    device: /dev/md0
    members: [a]
    mountpoint: /srv/data
vms:
  - name: vm01
    host: kvm
    disks:
      - target: vdb
        source: md0
        mountpoint: /mnt/raid
)";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kFull;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

}  // namespace hostile

TEST(Topology, TheFullHostileBaseLoads) {
  EXPECT_EQ(error_of(hostile::kFull), "");
}

TEST(Topology, SshSettingsAreRead) {
  auto t = parse_topology(
      hostile::with("{role: storage, address: 127.0.0.1}",
                    "{role: storage, address: 127.0.0.1, transport: ssh, user: admin, port: 2222, "
                    "identity: /root/.ssh/stackdr, ssh_options: [ConnectTimeout=5]}"),
      "t.yaml");
  ASSERT_TRUE(t) << t.error().message;
  const HostConfig* h = t->host("st");
  EXPECT_EQ(h->user, "admin");
  EXPECT_EQ(h->port, 2222);
  EXPECT_EQ(h->identity, "/root/.ssh/stackdr");
  EXPECT_EQ(h->ssh_options, std::vector<std::string>{"ConnectTimeout=5"});
  EXPECT_TRUE(h->sudo) << "a user that is not root goes through sudo -n unless told otherwise";
}

// Names that would become options, split into two words, or could not be reported: each
// refused with the file, the line of the name and the rule it broke.
TEST(Topology, HostileNamesAreRefusedWithFileLineAndRule) {
  struct Case {
    std::string from, to;
    int line;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"device: /dev/md0", "device: --scan", 21, "starts with '-'"},
      {"mountpoint: /mnt/raid", "mountpoint: -a", 30, "starts with '-'"},
      {"mountpoint: /srv/data", "mountpoint: \"/srv/my data\"", 23, "whitespace"},
      {"lun: 0", "lun: 4294967296", 16, "out of range"},
      {"lun: 0", "lun: -1", 16, "out of range"},
      {"lun: 0", "lun: 16384", 16, "out of range"},
      {"portal: 127.0.0.1:3260", "portal: 127.0.0.1:99999999999", 7, "1–65535"},
      {"portal: 127.0.0.1:3260", "portal: \":3260\"", 7, "no address"},
      {"portal: 127.0.0.1:3260", "portal: 127.0.0.1:0", 7, "1–65535"},
      {"  kvm: {role: kvm}", "  kvm: {role: kvm}\n  st: {role: kvm}", 4, "given twice"},
      {"  - name: vm01", "  - name: \"\"", 25, "must not be empty"},
      {"  - name: vm01", "  - name: \"vm;reboot\"", 25, "may hold only"},
      {"  - name: vm01", "  - name: -f", 25, "starts with '-'"},
      {"  - name: a\n", "  - name: \"a b\"\n", 14, "may hold only"},
      {"  - name: a\n", "  - name: a\xe9\n", 14, "UTF-8"},  // a raw Latin-1 byte
      {"  - name: md0", "  - name: \"md\\n0\"", 19, "control character"},
      {"target: iqn.2003-01.org.example:a", "target: \"iqn.2003-01.org.example:a -f\"", 15, "lower-case"},
      {"target: iqn.2003-01.org.example:a", "target: iqn.x", 15, "iqn.YYYY-MM"},
      {"zvol: tank/a", "zvol: \"tank/a -r\"", 17, "may hold only"},
      {"zvol: tank/a", "zvol: -r", 17, "starts with '-'"},
      {"pool: tank", "pool: -f", 6, "starts with '-'"},
      {"disks: [ata-DISK_A]", "disks: [-f]", 8, "starts with '-'"},
      {"iqn: iqn.2024-01.com.example:kvm", "iqn: --op=delete", 12, "starts with '-'"},
      {"service: target", "service: \"target; reboot\"", 9, "may hold only"},
      {"address: 127.0.0.1", "address: -oProxyCommand=x", 2, "starts with '-'"},
      {"      - target: vdb", "      - target: --force", 28, "starts with '-'"},
      // SSH settings: only for transport ssh, and never a way to take a host key silently.
      {"{role: storage, address: 127.0.0.1}", "{role: storage, address: 127.0.0.1, user: root}", 2,
       "only for transport: ssh"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, ssh_options: [StrictHostKeyChecking=no]}", 2,
       "add the key to known_hosts"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, ssh_options: [StrictHostKeyChecking=accept-new]}",
       2, "silently"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, ssh_options: [UserKnownHostsFile=/dev/null]}", 2,
       "any host key"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, ssh_options: [ControlPath=/tmp/x]}", 2,
       "set by stackdr itself"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, ssh_options: [-oProxyCommand=x]}", 2,
       "starts with '-'"},
      {"{role: storage, address: 127.0.0.1}", "{role: storage, address: 127.0.0.1, transport: ssh, port: 0}",
       2, "out of range"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, user: \"root;id\"}", 2, "login name"},
      {"{role: storage, address: 127.0.0.1}",
       "{role: storage, address: 127.0.0.1, transport: ssh, identity: id_ed25519}", 2, "absolute path"},
      {"{role: storage, address: 127.0.0.1}", "{role: storage, transport: ssh}", 2, "needs an address"},
  };
  for (const auto& c : cases) {
    std::string e = error_of(hostile::with(c.from, c.to));
    SCOPED_TRACE(c.to);
    EXPECT_NE(e.find(fmt::format("t.yaml:{}:", c.line)), std::string::npos) << e;
    EXPECT_NE(e.find(c.rule), std::string::npos) << e;
  }
}

TEST(Topology, DuplicateVmNamesAndKeysAreRefused) {
  std::string two_vms = std::string(hostile::kFull) + "  - name: vm01\n    host: kvm\n";
  EXPECT_NE(error_of(two_vms).find("'vm01' is already used"), std::string::npos) << error_of(two_vms);
  std::string two_names = hostile::with("  - name: a\n", "  - name: a\n    name: b\n");
  EXPECT_NE(error_of(two_names).find("'name' is given twice"), std::string::npos) << error_of(two_names);
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

// The runbook's escalation levels: `after` in s, m, h, d or seconds; the team's default is the
// runbook's 30 minutes; a level without a timer refuses one; nonsense is refused with the line.
TEST(Topology, EscalationLevelsReadAsTheRunbookSaysThem) {
  auto t = parse_topology(std::string(kBase) +
                              "escalation:\n  team:\n    after: 45m\n    mail: storage-team@example.org\n"
                              "  vendor:\n    webhook: http://127.0.0.1:9093/api/v2/alerts\n",
                          "t.yaml");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->escalation.team.after, 2700);
  EXPECT_EQ(t->escalation.team.mail, "storage-team@example.org");
  EXPECT_EQ(t->escalation.vendor.webhook, "http://127.0.0.1:9093/api/v2/alerts");
  auto none = parse_topology(kBase, "t.yaml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->escalation.team.after, 1800);  // >30 minutes without progress
  EXPECT_NE(error_of(std::string(kBase) + "escalation:\n  team:\n    after: soon\n").find("t.yaml:"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "escalation:\n  team:\n    after: soon\n").find("30m, 2h or 90"),
            std::string::npos);
  EXPECT_NE(
      error_of(std::string(kBase) + "escalation:\n  vendor:\n    after: 1h\n").find("unknown key 'after'"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "escalation:\n  team:\n    webhook: ftp://x\n").find("http://"),
            std::string::npos);
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

TEST(Topology, CoordinationThroughEtcdOverHttpOrTls) {
  std::string named = std::string("name: rack-a\nsite: dc1\n") + kBase;
  auto coordinated = [&](const std::string& etcd) { return named + "coordination:\n  etcd: " + etcd + "\n"; };
  auto t = parse_topology(
      coordinated("{endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379], ca: /etc/stackdr/etcd-ca.pem, "
                  "cert: /etc/stackdr/client.pem, key: /etc/stackdr/client.key, ttl: 12, keepalive: 4}"),
      "t.yaml");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->coordination.endpoints.size(), 2u);
  EXPECT_EQ(t->coordination.ca, "/etc/stackdr/etcd-ca.pem");
  EXPECT_EQ(t->coordination.key, "/etc/stackdr/client.key");
  EXPECT_EQ(t->coordination.ttl, 12);
  EXPECT_EQ(error_of(coordinated("{endpoints: [http://10.0.0.1:2379]}")), "");
  for (auto [etcd, said] :
       {std::pair{"{endpoints: [https://10.0.0.1:2379]}", "need the CA"},
        {"{endpoints: [http://10.0.0.1:2379], ca: /etc/ca.pem}", "are for https:// endpoints"},
        {"{endpoints: [https://10.0.0.1:2379, http://10.0.0.2:2379], ca: /etc/ca.pem}", "(all of one kind)"},
        {"{endpoints: [https://10.0.0.1:2379], ca: ca.pem}", "coordination.etcd.ca"},
        {"{endpoints: [https://10.0.0.1:2379], ca: /etc/ca.pem, cert: /etc/c.pem}",
         "cert and key come together"},
        {"{endpoints: [http://10.0.0.1:2379], ttl: 4, keepalive: 3}", "more than half the ttl"}}) {
    std::string e = error_of(coordinated(etcd));
    EXPECT_NE(e.find(said), std::string::npos) << etcd << ": " << e;
  }
  EXPECT_NE(error_of(std::string(kBase) + "coordination:\n  etcd: {endpoints: [http://10.0.0.1:2379]}\n")
                .find("the stack needs a name"),
            std::string::npos);
}

}  // namespace
}  // namespace stackdr
