#pragma once
/// LocalHost runs commands on this machine with posix_spawn and an argv vector: device names
/// and IQNs come from config and tool output, so nothing ever passes through a shell. Commands
/// are found in a fixed search path (not the caller's PATH) and run with a minimal environment
/// (PATH, LC_ALL=C, HOME): what runs as root does not depend on who started stackdr or how.

#include <exception>

#include "host/host.h"

namespace stackdr {

/// Field 22 of a /proc/PID/stat text: when the process started, in clock ticks since boot
/// (nothing for a zombie or a text that is not one).
std::optional<unsigned long long> stat_start_ticks(std::string_view stat);

/// Starts `argv` (found in `search_path`) in its own process group with the minimal
/// environment plus `extra_env`; standard input from `in_fd` (-1: /dev/null), output to
/// `out_fd` and `err_fd`. Returns the pid, or why it could not start.
Result<long> spawn_process(const Argv& argv, const std::string& search_path,
                           const std::vector<std::string>& extra_env, int in_fd, int out_fd, int err_fd);

class LocalHost : public Host {
 public:
  /// The search path when the topology gives none.
  static constexpr const char* kDefaultPath = "/usr/sbin:/usr/bin:/sbin:/bin";
  explicit LocalHost(std::string name, std::string search_path = kDefaultPath)
      : name_(std::move(name)), path_(std::move(search_path)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override;
  CommandResult run_tracked(const Argv& argv, std::chrono::milliseconds timeout,
                            const std::function<void(const ProcessId&)>& started) override;
  std::optional<bool> running(const ProcessId& p) override;
  /// run_tracked(), also calling `on_stderr` with all of standard error so far each time more
  /// of it arrives, while the command runs (the SSH host reads the remote pid from it).
  CommandResult run_watching(const Argv& argv, std::chrono::milliseconds timeout,
                             const std::function<void(const ProcessId&)>& started,
                             const std::function<void(const std::string&)>& on_stderr);
  Result<std::string> read_file(const std::string& path) override;
  bool concurrent() const override { return true; }
  /// Variables passed on to every command besides the minimal environment (the ssh client
  /// gets SSH_AUTH_SOCK, so the operator's agent holds the keys).
  void pass_environment(std::vector<std::string> vars) { extra_env_ = std::move(vars); }

 protected:
  /// This machine's fence files sit beside its recovery lock.
  std::optional<std::string> fence_dir() const override { return std::string(kMachineLockDir); }

 private:
  CommandResult spawn_and_wait(const Argv& argv, std::chrono::milliseconds timeout,
                               const std::function<void(const ProcessId&)>& started,
                               const std::function<void(const std::string&)>& on_stderr,
                               std::exception_ptr& deferred);
  std::string name_;
  std::string path_;  // where commands named without a '/' are looked for, in order
  std::vector<std::string> extra_env_;
};

}  // namespace stackdr
