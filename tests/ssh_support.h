#pragma once
/// A real OpenSSH server for the tests: Debian's sshd, started by the test itself on
/// 127.0.0.1 and a free port, key-only authentication, with a host key and a client key the
/// test makes, its own known_hosts — nothing of the machine's ssh setup is used or changed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/local_host.h"
#include "host/ssh_host.h"
#include "test_support.h"

namespace stackdr::testing {

class TestSshd {
 public:
  /// `extra_config`: more sshd_config lines (e.g. SetEnv for the far side's shell).
  explicit TestSshd(const std::string& extra_config = "") {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() /
           ("stackdr-sshd-" + std::to_string(::getpid()) + "-" + std::to_string(++count()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all);
    fs::create_directories("/run/sshd");  // sshd's privilege-separation folder
    LocalHost here("local");
    for (const char* key : {"host_key", "client_key", "other_host_key"}) {
      auto r =
          here.run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", (dir_ / key).string()},
                   std::chrono::seconds(30));
      if (!r.ok()) throw std::runtime_error("ssh-keygen: " + r.err);
    }
    fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
    port_ = free_loopback_port();
    std::ofstream(dir_ / "known_hosts") << "[127.0.0.1]:" << port_ << " " << read_file(dir_ / "host_key.pub");
    std::ofstream(dir_ / "sshd_config")
        << "Port " << port_ << "\nListenAddress 127.0.0.1\n"
        << "HostKey " << (dir_ / "host_key").string() << "\n"
        << "PidFile " << (dir_ / "sshd.pid").string() << "\n"
        << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string() << "\n"
        << "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        << "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
        << "UsePAM no\nStrictModes no\nMaxSessions 30\nMaxStartups 30\n"
        << "LogLevel VERBOSE\n"
        << extra_config;
    // sshd -D: in the foreground, as this test's child; -E: its log, where connections show.
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string conf = (dir_ / "sshd_config").string(), log = (dir_ / "sshd.log").string();
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", conf.c_str(), "-E", log.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !accepting(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!accepting()) throw std::runtime_error("sshd did not start: " + read_file(dir_ / "sshd.log"));
  }
  ~TestSshd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  TestSshd(const TestSshd&) = delete;
  TestSshd& operator=(const TestSshd&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  /// Logins so far: a TCP connection and key exchange each (sshd logs "Accepted publickey"
  /// once per connection; the start-up probes never log in).
  /// Sessions opened so far (each remote command, or the one reads run through).
  int sessions() const {
    std::string log = read_file(dir_ / "sshd.log");
    int n = 0;
    for (size_t at = 0; (at = log.find("Starting session:", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  /// The sshd's pid (a far-side process of this server has it among its ancestors).
  pid_t pid() const { return pid_; }
  int connections() const {
    std::string log = read_file(dir_ / "sshd.log");
    int n = 0;
    for (size_t at = 0; (at = log.find("Accepted publickey for", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  /// Where and how to log in: root, the test's key, the test's known_hosts only.
  SshTarget target(const std::string& name = "far") const {
    SshTarget t;
    t.name = name;
    t.address = "127.0.0.1";
    t.port = port_;
    t.user = "root";
    t.identity = (dir_ / "client_key").string();
    t.options = {"UserKnownHostsFile=" + (dir_ / "known_hosts").string(), "GlobalKnownHostsFile=/dev/null",
                 "IdentitiesOnly=yes"};
    return t;
  }

 private:
  static int& count() {
    static int n = 0;
    return n;
  }
  bool accepting() const {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace stackdr::testing
