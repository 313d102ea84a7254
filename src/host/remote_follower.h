#pragma once
/// RemoteFollower: the kernel's events on an SSH host, as they happen, for the daemon. A small
/// Perl program on the far side (like RemoteRunner's) waits on what mdadm --monitor waits on —
/// the exceptional condition md raises on /proc/mdstat at every array event — and on
/// /dev/kmsg, followed from its end, and — where `zpool` is installed — `zpool events -H -f`
/// (ZED's source), from now on; it prints one line per event: "mdstat", "kmsg LEVEL MESSAGE" for
/// each kernel record, "zpool TIME CLASS" for each ZFS event (which of them matter is the
/// daemon's call, the same as for a local host's). Its arguments choose the sources (md, kmsg,
/// zpool; default all): the daemon also runs it on its own machine for zpool alone. It ends, and ends nothing
/// else, when its input is closed or the connection is lost; the daemon then falls back to its interval
/// sweeps and starts it again.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "host/remote_program.h"

namespace stackdr {

class RemoteFollower {
 public:
  static std::unique_ptr<RemoteFollower> start(const Argv& client_argv, const std::string& search_path,
                                               const std::vector<std::string>& extra_env,
                                               std::chrono::milliseconds timeout, std::string& why);
  ~RemoteFollower();
  RemoteFollower(const RemoteFollower&) = delete;
  RemoteFollower& operator=(const RemoteFollower&) = delete;

  /// The descriptor to poll for input.
  int fd() const { return p_.out_fd; }
  /// The whole lines that have arrived (without their newline); `ended` once the session is
  /// over (then `why` says what the client said).
  std::vector<std::string> read_lines(bool& ended, std::string& why);

  static const std::string& script();

 private:
  explicit RemoteFollower(RemoteProgram p) : p_(std::move(p)), buf_(p_.after_greeting) {}
  RemoteProgram p_;
  std::string buf_;
};

}  // namespace stackdr
