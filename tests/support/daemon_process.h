#pragma once
/// `stackdr watch` as the tests drive it from outside: the real binary as a child process
/// (its output kept in a file), a webhook receiver of the test's own on 127.0.0.1, a GET, and
/// promtool's verdict on a metrics page.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "host/local_host.h"
#include "test_support.h"
#include "util/text.h"

namespace stackdr::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A webhook receiver on 127.0.0.1: keeps every JSON body POSTed to /alerts; answers `fail_first`
// requests with 500 before it accepts.
class Receiver {
 public:
  explicit Receiver(int fail_first = 0) : fail_(fail_first) {
    server_.Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      if (fail_ > 0) {
        --fail_;
        res.status = 500;
        return;
      }
      bodies_.push_back(nlohmann::json::parse(req.body, nullptr, false));
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  std::vector<nlohmann::json> bodies() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int fail_;
  std::mutex mu_;
  std::vector<nlohmann::json> bodies_;
};

// The daemon as a child process; its output is kept in a file.
class Daemon {
 public:
  explicit Daemon(const Argv& args, const fs::path& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      std::string bin = stackdr::testing::stackdr_binary();
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // The port it listens on, once it is ready (0: it never said so within the time).
  int wait_ready(std::chrono::seconds within) {
    auto end = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < end) {
      std::string out = read_file(log_);
      size_t at = out.find("listening on port ");
      if (at != std::string::npos && out.find("\nready\n") != std::string::npos)
        return static_cast<int>(text::to_int(out.substr(at + 18, out.find('\n', at) - at - 18)).value_or(0));
      std::this_thread::sleep_for(50ms);
    }
    return 0;
  }
  // SIGTERM, then its exit status and how long it took (-1: not within `within`).
  int terminate(std::chrono::milliseconds within, double& took_s) {
    auto t0 = std::chrono::steady_clock::now();
    ::kill(pid_, SIGTERM);
    int st = 0;
    while (std::chrono::steady_clock::now() - t0 < within) {
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  std::string output() const { return read_file(log_); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  fs::path log_;
};

inline std::string get(int port, const std::string& path, int* status = nullptr) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get(path.c_str());
  if (status) *status = r ? r->status : 0;
  return r ? r->body : "";
}

// promtool's verdict on a metrics page ("" when it passes).
inline std::string promtool_check(const std::string& page) {
  fs::path f = fs::temp_directory_path() / ("stackdr-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(f) << page;
  CommandResult r =
      LocalHost("local").run({"sh", "-c", "promtool check metrics < \"$1\"", "sh", f.string()}, 60s);
  fs::remove(f);
  return r.ok() ? "" : "exit " + std::to_string(r.exit_code) + ": " + r.out + r.err;
}

template <typename F>
bool eventually(std::chrono::seconds within, F ok) {
  auto end = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ok();
}

}  // namespace stackdr::testing
