#pragma once
/// HostLock: one recovery per host at a time. An exclusive flock(2) on DIR/recover.HOST.lock,
/// taken without waiting; the kernel drops it when the holder exits or crashes, so a crashed
/// recovery never leaves a stale lock behind. The machine stackdr runs on is locked in
/// /run/lock/stackdr (kMachineLockDir), whatever the state directory or topology, so two
/// state directories cannot recover it at once; a simulated stack's hosts are locked in its
/// state directory, where that stack lives.

#include <memory>
#include <string>

#include "util/result.h"

namespace stackdr {

inline constexpr const char* kMachineLockDir = "/run/lock/stackdr";
inline constexpr const char* kMachineLockName = "this-machine";

class HostLock {
 public:
  /// Fails with who holds it (pid) when another recovery does (`held` set), or with why the
  /// lock file could not be made (`held` false: that is an error, not "locked"). Makes `dir`
  /// when it is missing.
  static Result<std::unique_ptr<HostLock>> acquire(const std::string& state_dir, const std::string& host,
                                                   bool& held);
  ~HostLock();
  HostLock(const HostLock&) = delete;
  HostLock& operator=(const HostLock&) = delete;

 private:
  explicit HostLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace stackdr
