#pragma once
/// Host: the one interface through which stackdr touches a machine. It runs an argv (never a
/// shell string) with a timeout and reads files. LocalHost execs, SimHost answers from the
/// simulated stack, ReplayHost from a captured bundle; an SSH host plugs in the same way.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

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
};

/// Looks up the Host for a topology host name (nullptr: no way to reach it).
using HostLookup = std::function<Host*(const std::string& name)>;

/// "mdadm --detail /dev/md1" for messages and logs; arguments with spaces are quoted.
std::string describe_argv(const Argv& argv);

/// Whether an argv contains a word; the word after a flag ("" when absent).
bool argv_has(const Argv& argv, std::string_view word);
std::string argv_after(const Argv& argv, std::string_view flag);

}  // namespace stackdr
