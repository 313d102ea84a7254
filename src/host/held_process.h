#pragma once
/// HeldProcess: a command that keeps running while stackdr holds it — the ssh client whose
/// far side holds a host's recovery lock. It is started with a pipe on its standard input;
/// closing that pipe (the destructor, or the kernel when stackdr dies, even by kill -9) ends
/// it, and with it what it held.

#include <chrono>
#include <memory>
#include <string>

#include "host/host.h"
#include "util/result.h"

namespace stackdr {

class HeldProcess {
 public:
  /// Starts `argv` (found in `search_path`, with spawn_process's environment plus
  /// `extra_env`) and reads its output until a line equal to
  /// `ready` (then it is held and returned), or until it ends (then `ended` gets its exit
  /// status and output, and nothing is returned), or until `timeout`.
  static std::unique_ptr<HeldProcess> start(const Argv& argv, const std::string& search_path,
                                            const std::vector<std::string>& extra_env,
                                            const std::string& ready, std::chrono::milliseconds timeout,
                                            CommandResult& ended);
  ~HeldProcess();  // closes its input and waits for it (a few seconds at most, then kills it)
  HeldProcess(const HeldProcess&) = delete;
  HeldProcess& operator=(const HeldProcess&) = delete;

 private:
  HeldProcess(long pid, int in_fd, int out_fd) : pid_(pid), in_(in_fd), out_(out_fd) {}
  long pid_;
  int in_, out_;
};

}  // namespace stackdr
