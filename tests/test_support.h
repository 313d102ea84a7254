#pragma once
/// Helpers shared by the tests: where the corpus is, reading a file whole, running the binary.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "host/local_host.h"
#include "support/paths.h"

namespace stackdr::testing {

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0): for a
/// server a test starts (sshd, etcd).
inline int free_loopback_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string corpus(const std::string& rel) {
  return read_file(corpus_dir() / rel);
}

/// The built stackdr with these arguments (argv, no shell), as a user or a script runs it.
inline CommandResult run_stackdr(Argv args, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  args.insert(args.begin(), stackdr::testing::stackdr_binary());
  return LocalHost("local").run(args, timeout);
}

/// A practice stack of the test's own (`stackdr lab init`) in a temporary folder named after
/// the test, removed afterwards; `run` adds `--lab --state-dir` to a verb.
struct PracticeDir {
  std::filesystem::path dir;
  std::string sd;
  explicit PracticeDir(const std::string& what)
      : dir(std::filesystem::temp_directory_path() /
            ("stackdr-" + what + "-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        sd(dir.string()) {
    std::filesystem::remove_all(dir);
    EXPECT_EQ(run_stackdr({"lab", "init", "--state-dir", sd}).exit_code, 0);
  }
  ~PracticeDir() { std::filesystem::remove_all(dir); }
  CommandResult run(Argv a, std::chrono::seconds timeout = std::chrono::seconds(300)) {
    a.insert(a.end(), {"--lab", "--state-dir", sd});
    return run_stackdr(std::move(a), timeout);
  }
};

}  // namespace stackdr::testing
