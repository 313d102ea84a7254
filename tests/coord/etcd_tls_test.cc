// etcd over TLS, for real: a one-member etcd (Debian's etcd-server) on loopback serving https with
// a certificate of a CA made here (openssl), asking clients for theirs (--client-cert-auth).
// The client with the CA and its certificate grants, puts and reads; without its certificate,
// or trusting another CA, it is refused and says so; the settings are checked before any
// connection (https without a CA, a CA for http, a certificate without its key, a file missing).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "coord/etcd_client.h"
#include "host/local_host.h"
#include "test_support.h"
#include "util/text.h"

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
    client_ = testing::free_loopback_port();
    int peer = testing::free_loopback_port();
    endpoint_ = "https://127.0.0.1:" + std::to_string(client_);
    std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    std::vector<std::string> args = {"etcd",
                                     "--name",
                                     "m0",
                                     "--data-dir",
                                     (dir_ / "data").string(),
                                     "--listen-client-urls",
                                     endpoint_,
                                     "--advertise-client-urls",
                                     endpoint_,
                                     "--listen-peer-urls",
                                     peer_url,
                                     "--initial-advertise-peer-urls",
                                     peer_url,
                                     "--initial-cluster",
                                     "m0=" + peer_url,
                                     "--cert-file",
                                     (dir_ / "server.pem").string(),
                                     "--key-file",
                                     (dir_ / "server.key").string(),
                                     "--trusted-ca-file",
                                     (dir_ / "ca.pem").string(),
                                     "--client-cert-auth",
                                     "--logger",
                                     "zap",
                                     "--log-level",
                                     "warn"};
    std::string log = (dir_ / "etcd.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that dies leaves no etcd behind
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("etcd", argv.data());
      ::_exit(127);
    }
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  EtcdTls good() const {
    return {(dir_ / "ca.pem").string(), (dir_ / "client.pem").string(), (dir_ / "client.key").string()};
  }
  fs::path dir_;
  int client_ = 0;
  std::string endpoint_;
  pid_t pid_ = -1;
};

TEST_F(EtcdTlsTest, TheRightCaAndCertificateWorkAndAnythingLessIsRefused) {
  EtcdClient c({endpoint_}, 2000ms, good());
  Result<Lease> lease = Error{"not tried"};
  for (int i = 0; i < 100 && !(lease = c.grant(5)); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(lease) << lease.error().message << "\n" << testing::read_file(dir_ / "etcd.log");
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
  EtcdClient plain({"http://127.0.0.1:" + std::to_string(client_)}, 2000ms);
  EXPECT_FALSE(plain.grant(5));
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
