#pragma once
/// A real etcd cluster for the tests: Debian's etcd (etcd-server), three members by default,
/// started by the test on 127.0.0.1 and free ports, each member a child process with its own
/// data folder; members can be stopped (as a crash: SIGKILL), started again, paused and
/// resumed, so a test can take a cluster's quorum away and give it back. Nothing of the
/// machine's etcd (if any) is used or changed.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "coord/etcd_client.h"
#include "test_support.h"

namespace stackdr::testing {

/// TLS for the cluster's clients: the members serve https with `server` (certificate and key),
/// and with `client_cert_auth` ask clients for a certificate signed by `ca`. `client` is what
/// the cluster's own health check shows etcd.
struct EtcdClusterTls {
  std::string ca, server_cert, server_key;
  bool client_cert_auth = false;
  coord::EtcdTls client;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 3, std::optional<EtcdClusterTls> tls = std::nullopt)
      : tls_(std::move(tls)) {
    namespace fs = std::filesystem;
    static int count = 0;
    dir_ = fs::temp_directory_path() /
           ("stackdr-etcd-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::set<int> taken;
    auto fresh = [&] {
      int p;
      do p = free_loopback_port();
      while (!taken.insert(p).second);
      return p;
    };
    for (int i = 0; i < members; ++i) members_.push_back({fresh(), fresh(), -1});
    for (int i = 0; i < members; ++i) start(i, true);
    if (!wait_healthy(std::chrono::seconds(30)))
      throw std::runtime_error("the test etcd cluster did not come up: see " + dir_.string());
  }
  ~EtcdCluster() {
    for (size_t i = 0; i < members_.size(); ++i) stop(static_cast<int>(i));
    std::filesystem::remove_all(dir_);
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  std::string endpoint(int i) const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(members_[i].client);
  }
  std::vector<std::string> endpoints() const {
    std::vector<std::string> e;
    for (int i = 0; i < size(); ++i) e.push_back(endpoint(i));
    return e;
  }

  /// Starts member i (again: with its data, joining the cluster it was part of).
  void start(int i, bool first = false) {
    auto& m = members_[i];
    if (m.pid > 0) return;
    std::string cluster;
    for (int j = 0; j < size(); ++j)
      cluster += (j ? "," : "") + name(j) + "=http://127.0.0.1:" + std::to_string(members_[j].peer);
    std::vector<std::string> args = {
        "etcd", "--name", name(i), "--data-dir", (dir_ / name(i)).string(), "--listen-client-urls",
        endpoint(i), "--advertise-client-urls", endpoint(i), "--listen-peer-urls",
        "http://127.0.0.1:" + std::to_string(m.peer), "--initial-advertise-peer-urls",
        "http://127.0.0.1:" + std::to_string(m.peer), "--initial-cluster", cluster, "--initial-cluster-state",
        first ? "new" : "existing", "--initial-cluster-token", "stackdr-test-" + std::to_string(::getpid()),
        // A quick cluster: a member lost is noticed in half a second, not the default second.
        "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-level", "warn"};
    if (tls_) {
      args.insert(args.end(), {"--cert-file", tls_->server_cert, "--key-file", tls_->server_key});
      if (tls_->client_cert_auth)
        args.insert(args.end(), {"--trusted-ca-file", tls_->ca, "--client-cert-auth"});
    }
    std::string log = (dir_ / (name(i) + ".log")).string();
    m.pid = ::fork();
    if (m.pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that dies leaves no member behind
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
  /// Stops member i as a crash does (SIGKILL); its data stays.
  void stop(int i) {
    auto& m = members_[i];
    if (m.pid <= 0) return;
    ::kill(m.pid, SIGCONT);
    ::kill(m.pid, SIGKILL);
    ::waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }
  void pause(int i) {
    if (members_[i].pid > 0) ::kill(members_[i].pid, SIGSTOP);
  }
  void resume(int i) {
    if (members_[i].pid > 0) ::kill(members_[i].pid, SIGCONT);
  }
  bool running(int i) const { return members_[i].pid > 0; }

  /// Whether a lease can be granted through the running members within `within`.
  bool wait_healthy(std::chrono::seconds within) {
    auto end = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < end) {
      coord::EtcdClient c(endpoints(), std::chrono::milliseconds(500),
                          tls_ ? tls_->client : coord::EtcdTls{});
      if (auto g = c.grant(5)) {
        (void)c.revoke(g->id);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Member {
    int client, peer;
    pid_t pid;
  };
  static std::string name(int i) { return "m" + std::to_string(i); }

  std::filesystem::path dir_;
  std::vector<Member> members_;
  std::optional<EtcdClusterTls> tls_;
};

}  // namespace stackdr::testing
