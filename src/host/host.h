#pragma once
/// Host: the one interface through which stackdr touches a machine. It runs an argv (never a
/// shell string) with a timeout and reads files. LocalHost execs, SimHost answers from the
/// simulated stack, ReplayHost from a captured bundle; an SSH host plugs in the same way.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/fence.h"
#include "util/result.h"

namespace stackdr {

using Argv = std::vector<std::string>;

/// What one command did. `exit_code` is meaningful only when `started` and not `timed_out`.
struct CommandResult {
  bool started = true;     // false: could not spawn (binary missing, permission ...)
  bool timed_out = false;  // killed after the timeout
  int exit_code = 0;
  std::string out;
  std::string err;
  bool ok() const { return started && !timed_out && exit_code == 0; }
};

/// A process a step started, as the journal keeps it: its pid and its start time on that host
/// (/proc/PID/stat field 22, in clock ticks since boot), so a pid reused by another process
/// after a reboot or a long time is not taken for the step.
struct ProcessId {
  long pid = 0;
  unsigned long long start = 0;
};

class Host {
 public:
  virtual ~Host() = default;
  /// The name used in the topology; every fact carries it.
  virtual const std::string& name() const = 0;
  virtual CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) = 0;
  /// Reads a whole (small) file: procfs, sysfs, configfs.
  virtual Result<std::string> read_file(const std::string& path) = 0;
  /// Whether run() and read_file() may be called from several threads at once (the observer
  /// then runs independent probes side by side). The simulator and replay say no.
  virtual bool concurrent() const { return false; }
  /// Runs like run(), and calls `started` as soon as the process exists, before waiting for
  /// it: the executor journals it, so that after a crash `--resume` can find it still running.
  virtual CommandResult run_tracked(const Argv& argv, std::chrono::milliseconds timeout,
                                    const std::function<void(const ProcessId&)>& started) {
    (void)started;  // a host without processes of its own (replay) has nothing to report
    return run(argv, timeout);
  }
  /// Whether a process recorded by run_tracked() still runs; nothing when this host cannot
  /// tell (then nobody may assume it ended).
  virtual std::optional<bool> running(const ProcessId& p) {
    (void)p;
    return std::nullopt;
  }

  /// Fencing (host/fence.h). Records a leadership's token on this machine for its stack,
  /// unless the machine has seen a higher one (then an error naming it); returns the token
  /// recorded before. The default keeps it in fence_dir().
  virtual Result<int64_t> raise_fence(const Fence& f);
  /// run_tracked() under a fence: when this machine has seen a higher token for the stack (or
  /// cannot tell), the command is not started (`started` false, exit kFenceRefusedExit) and
  /// `err` says why. The default checks fence_dir() here, then calls run_tracked().
  virtual CommandResult run_fenced(const Fence& f, const Argv& argv, std::chrono::milliseconds timeout,
                                   const std::function<void(const ProcessId&)>& started);

 protected:
  /// Where this machine keeps its fence files; nothing: it cannot keep them (a replayed
  /// bundle), and fenced commands are refused.
  virtual std::optional<std::string> fence_dir() const { return std::nullopt; }
};

/// The result of a command a fence refused: not started, kFenceRefusedExit, `why`.
CommandResult fence_refused(const std::string& why);

/// Where a machine's recovery lock lives on that machine (/run/lock/stackdr/recover.this-machine.lock):
/// the same file whether stackdr runs there or reaches it over SSH, so two stackdr — two state
/// directories, or two operators on two laptops — never recover one machine at once.
inline constexpr const char* kMachineLockDir = "/run/lock/stackdr";
inline constexpr const char* kMachineLockName = "this-machine";

/// Looks up the Host for a topology host name (nullptr: no way to reach it).
using HostLookup = std::function<Host*(const std::string& name)>;

/// "mdadm --detail /dev/md1" for messages and logs; arguments with spaces are quoted.
std::string describe_argv(const Argv& argv);

/// Whether an argv contains a word; the word after a flag ("" when absent).
bool argv_has(const Argv& argv, std::string_view word);
std::string argv_after(const Argv& argv, std::string_view flag);

}  // namespace stackdr
