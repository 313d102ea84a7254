#pragma once
/// RemoteRunner: one long-lived session on an SSH host through which a sweep's reads run, so a
/// read costs what it costs on that machine plus a round trip — not a new SSH session, a login
/// shell reading its rc files, `env` and `timeout` started for every read (measured in the
/// two-machine lab: 2.4× the local sweep that way).
///
/// The far side is a small Perl program (perl-base is Essential on Debian and Ubuntu, so it is
/// there wherever mdadm and open-iscsi are): it reads requests — an id, a timeout and the argv,
/// each word length-prefixed, so every byte arrives as it was — forks and execs each one at once
/// in its own process group (several run side by side, as the observer's probes do), kills a
/// group that outlives its timeout (TERM, then KILL 5 s later: exit 124, as `timeout -k 5`), and
/// answers with the id, exit status and the two outputs, length-prefixed. When its input ends
/// (stackdr closed it, or died, or the connection was lost), it kills whatever still runs and
/// ends. It only runs reads: a recovery step goes through its own session, whose remote pid is
/// journaled (SshHost::run_tracked).

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/host.h"
#include "host/remote_program.h"

namespace stackdr {

class RemoteRunner {
 public:
  /// Starts `client_argv` (the ssh client, whose remote command runs runner_script()) and waits
  /// for the far side's greeting. Nothing returned: `why` says what the far side said instead
  /// (no perl, sudo refused it, the connection failed).
  static std::unique_ptr<RemoteRunner> start(const Argv& client_argv, const std::string& search_path,
                                             const std::vector<std::string>& extra_env,
                                             std::chrono::milliseconds timeout, std::string& why);
  ~RemoteRunner();  // ends its input (the far side kills what still runs) and waits for the client
  RemoteRunner(const RemoteRunner&) = delete;
  RemoteRunner& operator=(const RemoteRunner&) = delete;

  /// Runs argv on the far side (from any thread; many at once). Nothing returned: the session
  /// had already ended before the request went out, and the caller may run it another way. A
  /// session lost while the command ran is exit 255 with `lost` in err: its result is unknown.
  /// No answer within timeout + `grace`: timed_out, result unknown.
  std::optional<CommandResult> run(const Argv& argv, std::chrono::milliseconds timeout,
                                   std::chrono::milliseconds grace);

  /// The far side's program, for `perl -e`.
  static const std::string& script();
  /// Seconds the far side gives a command with this timeout (whole seconds, rounded up).
  static int remote_seconds(std::chrono::milliseconds timeout);

 private:
  explicit RemoteRunner(RemoteProgram p);
  void read_answers();  // the reader thread: frames from the far side, until its output ends
  bool send(const std::string& bytes);

  RemoteProgram p_;
  std::mutex send_mu_;
  std::mutex mu_;
  std::condition_variable answered_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::optional<CommandResult>> pending_;  // by request id; empty until answered
  bool ended_ = false;
  std::string client_err_;  // what the ssh client said on its standard error
  std::thread reader_;
};

}  // namespace stackdr
