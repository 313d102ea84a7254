#pragma once
/// HostLock: one recovery per host at a time. An exclusive flock(2) on DIR/recover.HOST.lock,
/// taken without waiting; the kernel drops it when the holder exits or crashes, so a crashed
/// recovery never leaves a stale lock behind. A machine is locked in /run/lock/stackdr there
/// (host.h's kMachineLockDir; over SSH by SshHost::lock_machine), whatever the state directory
/// or topology; a simulated stack's hosts are locked in its state directory, where it lives.

#include <memory>
#include <string>

#include "util/result.h"

namespace stackdr {

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
