#pragma once
/// SshHost: a topology host reached through the system OpenSSH client (`ssh`), so the
/// operator's keys, agent, ~/.ssh/config, ProxyJump and known_hosts apply as they expect.
///
/// One multiplexed connection per host (a ControlMaster on a socket in a private folder),
/// opened at the first command and closed with the host, so a sweep of twenty reads costs one
/// TCP connection and key exchange. BatchMode: nothing ever prompts; StrictHostKeyChecking:
/// an unknown or changed host key is an error that names the host and what to do.
///
/// OpenSSH joins its arguments into one string that the far side's shell splits again, so the
/// argv is sent as one command line of single-quoted words: the remote command receives each
/// argument byte for byte. It runs as `env -i PATH=… LC_ALL=C HOME=/` (the same clean
/// environment as a local command), under the remote `timeout`, so a command that outlives its
/// timeout is killed there too, and through `sudo -n` when the host's user is not root.
/// Reads go through one long-lived session (RemoteRunner) when the far side can run it, so a
/// sweep does not pay a session and a login shell per read.

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "host/held_process.h"
#include "host/host.h"
#include "host/local_host.h"
#include "host/private_dir.h"
#include "host/remote_follower.h"
#include "host/remote_runner.h"

namespace stackdr {

/// Where and as whom (the topology's host entry, as the ssh client takes it).
struct SshTarget {
  std::string name;     // the topology's host name
  std::string address;  // what ssh connects to (a name ~/.ssh/config may describe, or an IP)
  std::string user;     // "" = ssh's default
  int port = 0;         // 0 = ssh's default
  std::string identity;
  std::vector<std::string> options;  // Key=Value
  bool sudo = false;
  std::string command_path = LocalHost::kDefaultPath;  // PATH on the far side
  int connect_timeout_s = 10;
};

class SshHost : public Host {
 public:
  SshHost(SshTarget target, std::shared_ptr<PrivateDir> dir);
  ~SshHost() override;  // closes the shared connection
  const std::string& name() const override { return c_.name; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override;
  CommandResult run_tracked(const Argv& argv, std::chrono::milliseconds timeout,
                            const std::function<void(const ProcessId&)>& started) override;
  Result<std::string> read_file(const std::string& path) override;
  std::optional<bool> running(const ProcessId& p) override;
  bool concurrent() const override { return true; }

  /// Takes this machine's recovery lock on the far side (kMachineLockDir there) and holds it
  /// until the returned process is destroyed or stackdr dies. Fails with who holds it (`held`
  /// set), or why it could not be taken.
  Result<std::unique_ptr<HeldProcess>> lock_machine(const std::string& holder, bool& held);
  /// Follows the far side's kernel events (RemoteFollower); nothing, with `why`, when it
  /// cannot (no connection, no perl, sudo refuses it). `sources`: which (md, kmsg, zpool,
  /// virsh); empty: every one the far side has.
  std::unique_ptr<RemoteFollower> follow(std::string& why, const std::vector<std::string>& sources = {});
  /// The ssh client's argv for one remote command (for tests and --dry-run style display).
  /// `fence`: the far side's shell checks it (host/fence.h) before anything else.
  Argv client_argv(const Argv& argv, std::chrono::milliseconds timeout, bool report_pid,
                   const Fence* fence = nullptr) const;
  /// Fencing on the far side, in kMachineLockDir there (the recovery lock's folder).
  Result<int64_t> raise_fence(const Fence& f) override;
  CommandResult run_fenced(const Fence& f, const Argv& argv, std::chrono::milliseconds timeout,
                           const std::function<void(const ProcessId&)>& started) override;
  /// How long opening the shared connection took, with the session reads run through
  /// (nothing: not opened, or it failed).
  std::optional<double> connect_ms() const;

 private:
  Argv base_argv() const;  // ssh and the options every invocation shares, without the destination
  static std::vector<std::string> client_environment();  // what the ssh client gets besides the minimum
  /// Opens the shared connection once; later calls return how that went.
  Result<bool> connect();
  CommandResult execute(const Argv& argv, std::chrono::milliseconds timeout,
                        const std::function<void(const ProcessId&)>& started, const Fence* fence = nullptr);
  /// What the ssh client's exit 255 means, in words an operator can act on.
  std::string connection_error(const std::string& ssh_stderr) const;

  /// The session the reads run through (RemoteRunner), started once after the connection;
  /// nothing when the far side cannot run it (no perl, sudo refuses it): reads then run one
  /// session each, as steps do.
  RemoteRunner* runner();
  void start_runner();  // by connect(), under its lock
  /// The client's argv for a far-side Perl program, run as a command is (env -i, sudo -n).
  Argv perl_argv(const std::string& script, const std::vector<std::string>& args = {}) const;
  /// A runner's answer in the words execute() uses for the same outcome.
  CommandResult from_runner(const Argv& argv, std::chrono::milliseconds timeout, CommandResult r) const;

  SshTarget c_;
  std::shared_ptr<PrivateDir> dir_;
  std::string socket_;
  LocalHost client_;  // runs the ssh client on this machine
  std::mutex connect_mutex_;
  std::optional<Result<bool>> connected_;
  std::optional<double> connect_ms_;
  std::unique_ptr<RemoteRunner> runner_;  // set by connect(); then only read
};

/// One word for a POSIX shell: single-quoted ('\'' for a quote), so every byte — spaces,
/// newlines, $, `, ;, a leading '-' — reaches the command as it was.
std::string posix_shell_word(std::string_view word);

}  // namespace stackdr
