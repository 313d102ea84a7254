// etcd over TLS, for real: a one-member etcd (Debian's etcd-server, tests/support/etcd_cluster.h)
// on loopback serving https with
// a certificate of a CA made here (openssl), asking clients for theirs (--client-cert-auth).
// The client with the CA and its certificate grants, puts and reads; without its certificate,
// or trusting another CA, it is refused and says so; the settings are checked before any
// connection (https without a CA, a CA for http, a certificate without its key, a file missing).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "coord/etcd_client.h"
#include "host/local_host.h"
#include "support/etcd_cluster.h"
#include "test_support.h"
#include "util/text.h"
#include "watch/stack_election.h"

namespace stackdr::coord {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`.
void make_certificates(const fs::path& dir, const std::string& ca_name) {
  LocalHost local("local");
  auto run = [&](Argv argv) {
    CommandResult r = local.run(argv, 60s);
    ASSERT_TRUE(r.ok()) << text::join(argv, " ") << ": " << r.out << r.err;
  };
  auto key = [&](const std::string& name) {
    run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out",
         (dir / (name + ".key")).string()});
  };
  key("ca");
  run({"openssl", "req", "-x509", "-new", "-key", (dir / "ca.key").string(), "-out",
       (dir / "ca.pem").string(), "-days", "2", "-subj", "/CN=" + ca_name});
  // The server's certificate is a client's too: etcd 3.4's JSON gateway dials etcd's own gRPC
  // port with it, and --client-cert-auth refuses a certificate made for serverAuth alone.
  for (auto [name, ext] :
       {std::pair{"server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"},
        {"client", "extendedKeyUsage=clientAuth\n"}}) {
    key(name);
    std::ofstream(dir / (std::string(name) + ".ext")) << ext;
    run({"openssl", "req", "-new", "-key", (dir / (std::string(name) + ".key")).string(), "-out",
         (dir / (std::string(name) + ".csr")).string(), "-subj", std::string("/CN=stackdr-test-") + name});
    run({"openssl", "x509", "-req", "-in", (dir / (std::string(name) + ".csr")).string(), "-CA",
         (dir / "ca.pem").string(), "-CAkey", (dir / "ca.key").string(), "-CAcreateserial", "-out",
         (dir / (std::string(name) + ".pem")).string(), "-days", "2", "-extfile",
         (dir / (std::string(name) + ".ext")).string()});
  }
}

class EtcdTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stackdr-etcd-tls-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "other");
    make_certificates(dir_, "stackdr-test-ca");
    make_certificates(dir_ / "other", "another-ca");
    etcd_ = std::make_unique<testing::EtcdCluster>(
        1, testing::EtcdClusterTls{(dir_ / "ca.pem").string(), (dir_ / "server.pem").string(),
                                   (dir_ / "server.key").string(), true, good()});
    endpoint_ = etcd_->endpoint(0);
  }
  void TearDown() override {
    etcd_.reset();
    fs::remove_all(dir_);
  }
  EtcdTls good() const {
    return {(dir_ / "ca.pem").string(), (dir_ / "client.pem").string(), (dir_ / "client.key").string()};
  }
  fs::path dir_;
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::string endpoint_;
};

TEST_F(EtcdTlsTest, TheRightCaAndCertificateWorkAndAnythingLessIsRefused) {
  EtcdClient c({endpoint_}, 2000ms, good());
  auto lease = c.grant(5);  // the cluster was healthy through TLS before the test began
  ASSERT_TRUE(lease) << lease.error().message;
  auto put = c.put_if_absent("/stackdr/stacks/t/leader", "me", lease->id);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_TRUE(put->put);
  auto got = c.get("/stackdr/stacks/t/leader");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->value, "me");

  // No client certificate: etcd asks for one and ends the handshake.
  EtcdClient anonymous({endpoint_}, 2000ms, {(dir_ / "ca.pem").string(), "", ""});
  auto a = anonymous.grant(5);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find(endpoint_), std::string::npos) << a.error().message;
  // Trusting another CA: etcd's certificate is not believed.
  EtcdTls other = good();
  other.ca = (dir_ / "other" / "ca.pem").string();
  EtcdClient wary({endpoint_}, 2000ms, other);
  auto w = wary.grant(5);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("SSL server verification failed"), std::string::npos) << w.error().message;
  // Plain HTTP to a TLS port: no answer that passes for etcd's.
  EtcdClient plain({"http" + endpoint_.substr(5)}, 2000ms);
  EXPECT_FALSE(plain.grant(5));
}

// `stackdr watch --etcd https://… --etcd-ca … --etcd-cert … --etcd-key …` on a topology without a
// coordination section: the command line's endpoints and files make the election, and it leads
// through TLS. A CA without https, or https without a CA, is refused naming the options.
TEST_F(EtcdTlsTest, TheCommandLinesTlsFilesStandForTheTopologys) {
  Topology t;
  t.source = "/etc/stackdr/stacks.d/alpha.yaml";
  t.name = "alpha";
  auto made = stack_election(t, EtcdOverride{{endpoint_}, good()}, "watch");
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_TRUE(*made);
  (*made)->tick();
  Leadership l = (*made)->state();
  EXPECT_TRUE(l.leading) << l.error;
  EXPECT_GT(l.token, 0);
  (*made)->resign();

  auto no_ca = stack_election(t, EtcdOverride{{endpoint_}, {}}, "watch");
  ASSERT_FALSE(no_ca);
  EXPECT_NE(
      no_ca.error().message.find("alpha.yaml with --etcd options: etcd: https:// endpoints need the CA"),
      std::string::npos)
      << no_ca.error().message;
  // A flag's file over the topology's: the topology names a CA that is not there, the flag one
  // that is.
  t.coordination.endpoints = {endpoint_};
  t.coordination.ca = "/nonexistent/ca.pem";
  EXPECT_FALSE(stack_election(t, EtcdOverride{}, "watch"));
  EtcdOverride ca_only{{}, good()};
  auto over = stack_election(t, ca_only, "watch");
  EXPECT_TRUE(over) << over.error().message;
  auto for_http = stack_election(t, EtcdOverride{{"http://127.0.0.1:2379"}, good()}, "watch");
  ASSERT_FALSE(for_http);
  EXPECT_NE(for_http.error().message.find("are for https:// endpoints"), std::string::npos);
}

TEST(EtcdTlsSettings, AreCheckedBeforeAnyConnection) {
  std::vector<std::string> https = {"https://127.0.0.1:2379"}, http = {"http://127.0.0.1:2379"};
  auto no_ca = check_tls(https, {});
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error().message.find("need the CA"), std::string::npos) << no_ca.error().message;
  auto ca_for_http = check_tls(http, {"/etc/ssl/certs/ca-certificates.crt", "", ""});
  ASSERT_FALSE(ca_for_http);
  EXPECT_NE(ca_for_http.error().message.find("are for https:// endpoints"), std::string::npos);
  auto half = check_tls(https, {"/etc/hostname", "/etc/hostname", ""});
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("comes with its key"), std::string::npos);
  auto missing = check_tls(https, {"/nonexistent/ca.pem", "", ""});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("etcd ca /nonexistent/ca.pem: cannot be read"), std::string::npos)
      << missing.error().message;
  EXPECT_TRUE(check_tls(http, {}));
}

}  // namespace
}  // namespace stackdr::coord
