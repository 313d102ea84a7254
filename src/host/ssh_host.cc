#include "host/ssh_host.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "util/text.h"

namespace stackdr {

namespace {

using std::chrono::milliseconds;

constexpr const char* kPidMarker = "stackdr-remote-pid ";

// The remote `timeout` gets the command's time; the ssh client a little more, so the far side
// ends the command (and says 124) before the near side gives up on the connection.
int remote_seconds(milliseconds timeout) {
  return RemoteRunner::remote_seconds(timeout);
}

std::string first_line(std::string_view s) {
  for (auto l : text::lines(s))
    if (!text::trim(l).empty()) return std::string(text::trim(l));
  return "";
}

std::string last_line(std::string_view s) {
  std::string last;
  for (auto l : text::lines(s))
    if (!text::trim(l).empty()) last = std::string(text::trim(l));
  return last;
}

// Where the marker line the remote shell writes before the command ("stackdr-remote-pid PID
// START") begins in standard error: not always first, since the login user's shell start-up
// (~/.bashrc, which Debian's bash reads for sshd's commands) may write before it.
size_t marker_at(const std::string& err) {
  if (text::starts_with(err, kPidMarker)) return 0;
  size_t at = err.find(std::string("\n") + kPidMarker);
  return at == std::string::npos ? at : at + 1;
}

// The marker line's process, if it has arrived whole.
std::optional<ProcessId> remote_pid(const std::string& err) {
  size_t at = marker_at(err);
  if (at == std::string::npos) return std::nullopt;
  size_t nl = err.find('\n', at);
  if (nl == std::string::npos) return std::nullopt;
  auto f = text::fields(std::string_view(err).substr(at, nl - at));
  if (f.size() != 3) return std::nullopt;
  auto pid = text::to_int(f[1]);
  auto start = text::to_int(f[2]);
  if (!pid || *pid <= 0 || !start || *start < 0) return std::nullopt;
  return ProcessId{static_cast<long>(*pid), static_cast<unsigned long long>(*start)};
}

}  // namespace

std::string posix_shell_word(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

SshHost::SshHost(SshTarget target, std::shared_ptr<PrivateDir> dir)
    : c_(std::move(target)), dir_(std::move(dir)), client_(c_.name) {
  // Short, fixed-length names: a unix socket path is limited to 108 bytes.
  socket_ = fmt::format("{}/{:016x}", dir_->path(), text::fnv1a(c_.name));
  client_.pass_environment(client_environment());
}

std::vector<std::string> SshHost::client_environment() {
  // The operator's agent, if stackdr was given one: keys held there work as with their own ssh.
  std::vector<std::string> env;
  if (const char* sock = std::getenv("SSH_AUTH_SOCK"); sock && *sock)
    env.push_back(std::string("SSH_AUTH_SOCK=") + sock);
  return env;
}

SshHost::~SshHost() {
  runner_.reset();  // before the connection it runs on
  bool open = false;
  {
    std::lock_guard<std::mutex> l(connect_mutex_);
    open = connected_ && connected_->ok();
  }
  if (!open) return;
  Argv a = base_argv();
  for (const char* w : {"-O", "exit", "--"}) a.push_back(w);
  a.push_back(c_.address);
  client_.run(a, milliseconds(5000));
}

Argv SshHost::base_argv() const {
  Argv a = {"ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            fmt::format("ConnectTimeout={}", c_.connect_timeout_s),
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-o",
            "ControlPath=" + socket_,
            "-T"};
  if (c_.port) {
    a.push_back("-p");
    a.push_back(std::to_string(c_.port));
  }
  if (!c_.user.empty()) {
    a.push_back("-l");
    a.push_back(c_.user);
  }
  if (!c_.identity.empty()) {
    a.push_back("-i");
    a.push_back(c_.identity);
  }
  for (const auto& o : c_.options) {
    a.push_back("-o");
    a.push_back(o);
  }
  return a;
}

Argv SshHost::client_argv(const Argv& argv, milliseconds timeout, bool report_pid, const Fence* fence) const {
  // The far side's shell reads this line: every word of the argv single-quoted, the
  // environment emptied and set, the command under `timeout`, through `sudo -n` if asked.
  // A fence is checked first, so a refused command never reports a process.
  std::string line;
  if (fence) line += fence_check_shell(kMachineLockDir, *fence);
  if (report_pid) line += fmt::format("echo \"{}$$ $(cut -d' ' -f22 /proc/$$/stat)\" >&2; ", kPidMarker);
  line += "exec ";
  if (c_.sudo) line += "sudo -n -- ";
  line += "env -i " + posix_shell_word("PATH=" + c_.command_path) + " LC_ALL=C HOME=/ ";
  line += fmt::format("timeout -k 5 {}", remote_seconds(timeout));
  for (const auto& w : argv) line += " " + posix_shell_word(w);
  Argv a = base_argv();
  for (const char* w : {"-o", "ControlMaster=no", "--"}) a.push_back(w);
  a.push_back(c_.address);
  a.push_back(line);
  return a;
}

std::optional<double> SshHost::connect_ms() const {
  return connect_ms_;
}

std::string SshHost::connection_error(const std::string& err) const {
  std::string where = c_.port ? fmt::format("{} port {}", c_.address, c_.port) : c_.address;
  std::string keyscan = c_.port ? fmt::format("ssh-keyscan -p {} {}", c_.port, c_.address)
                                : fmt::format("ssh-keyscan {}", c_.address);
  if (text::contains(err, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
    return fmt::format(
        "{} ({}): the host key has CHANGED since it was added to known_hosts — a reinstalled machine, or "
        "someone in between. stackdr does not connect. If the change is expected, check the new key out of "
        "band, remove the old one (ssh-keygen -R {}) and add the new one",
        c_.name, where, c_.address);
  if (text::contains(err, "Host key verification failed") || text::contains(err, "No ED25519 host key") ||
      text::contains(err, "host key is not known"))
    return fmt::format(
        "{} ({}): its host key is not in known_hosts, and stackdr never accepts a key by itself. Check the "
        "key's fingerprint out of band, then add it (`{} >> ~/.ssh/known_hosts`, or one `ssh` by hand)",
        c_.name, where, keyscan);
  if (text::contains(err, "Permission denied"))
    return fmt::format(
        "{} ({}): the login{} was refused: {} — check the user, the key (identity) and the "
        "far side's authorized_keys",
        c_.name, where, c_.user.empty() ? "" : " as " + c_.user, last_line(err));
  std::string line = last_line(err);
  return fmt::format("{} ({}): cannot reach it over SSH: {}", c_.name, where,
                     line.empty() ? "ssh failed without a message" : line);
}

Result<bool> SshHost::connect() {
  std::lock_guard<std::mutex> l(connect_mutex_);
  if (connected_) return *connected_;
  // The master: authenticates, then lives on in the background (-f) on the private socket
  // until this host closes it, or 60 s after stackdr died without closing it.
  Argv a = base_argv();
  for (const char* w : {"-o", "ControlMaster=yes", "-o", "ControlPersist=60", "-f", "-N", "--"})
    a.push_back(w);
  a.push_back(c_.address);
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = client_.run(a, milliseconds((c_.connect_timeout_s + 10) * 1000));
  if (r.ok()) {
    start_runner();  // part of opening: once per connection, not per sweep
    connect_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    connected_ = Result<bool>(true);
  } else {
    connected_ = Result<bool>(Error{r.started ? connection_error(r.err + r.out)
                                              : c_.name + ": the ssh client could not run: " + r.err});
  }
  return *connected_;
}

CommandResult SshHost::execute(const Argv& argv, milliseconds timeout,
                               const std::function<void(const ProcessId&)>& started, const Fence* fence) {
  CommandResult r;
  if (auto c = connect(); !c) {
    r.started = false;
    r.exit_code = 255;
    r.err = c.error().message;
    return r;
  }
  bool track = static_cast<bool>(started);
  std::optional<ProcessId> remote;
  auto watch = [&](const std::string& err) {
    if (!track || remote) return;
    remote = remote_pid(err);
    if (remote) started(*remote);
  };
  r = client_.run_watching(client_argv(argv, timeout, track, fence), timeout + milliseconds(15000), {},
                           watch);
  if (size_t at = track ? marker_at(r.err) : std::string::npos; at != std::string::npos) {
    size_t nl = r.err.find('\n', at);
    r.err.erase(at, nl == std::string::npos ? std::string::npos : nl - at + 1);
  }
  if (!r.started) return r;
  if (r.timed_out) {
    r.err =
        fmt::format("{}: `{}` gave no answer within {} s (the connection may hang): its result is unknown",
                    c_.name, describe_argv(argv), remote_seconds(timeout) + 15);
    return r;
  }
  if (r.exit_code == 255) {
    // Refused before the command ran, or lost while it ran: with a reported pid it had started,
    // and what it did is unknown (recovery re-observes; it never runs it again blindly).
    std::string why = connection_error(r.err);
    if (track && remote)
      r.err = fmt::format("{} — the connection was lost while `{}` ran (pid {}): its result is unknown", why,
                          describe_argv(argv), remote->pid);
    else
      r.err = why;
    r.started = track && remote;
    return r;
  }
  if (r.exit_code == 124) {
    r.timed_out = true;  // the far side's timeout ended it
    return r;
  }
  if (c_.sudo && r.exit_code == 1 && text::starts_with(r.err, "sudo: "))
    r.err = fmt::format(
        "{}: sudo -n refused `{}` for {}: {} — give {} a NOPASSWD sudo rule for it, or log in as root (user: "
        "root)",
        c_.name, describe_argv(argv), c_.user.empty() ? "the login user" : c_.user, first_line(r.err),
        c_.user.empty() ? "that user" : c_.user);
  return r;
}

RemoteRunner* SshHost::runner() {
  if (!connect()) return nullptr;  // execute() says why
  std::lock_guard<std::mutex> l(connect_mutex_);
  return runner_.get();
}

Argv SshHost::perl_argv(const std::string& script, const std::vector<std::string>& args) const {
  std::string line = "exec ";
  if (c_.sudo) line += "sudo -n -- ";
  line += "env -i " + posix_shell_word("PATH=" + c_.command_path) + " LC_ALL=C HOME=/ perl -e " +
          posix_shell_word(script);
  for (const auto& a : args) line += " " + posix_shell_word(a);  // the script's @ARGV
  Argv a = base_argv();
  for (const char* w : {"-o", "ControlMaster=no", "--"}) a.push_back(w);
  a.push_back(c_.address);
  a.push_back(line);
  return a;
}

void SshHost::start_runner() {
  std::string why;  // not kept: every read then runs in its own session, which says what fails
  runner_ = RemoteRunner::start(perl_argv(RemoteRunner::script()), LocalHost::kDefaultPath,
                                client_environment(), milliseconds(20000), why);
}

std::unique_ptr<RemoteFollower> SshHost::follow(std::string& why, const std::vector<std::string>& sources) {
  if (auto c = connect(); !c) {
    why = c.error().message;
    return nullptr;
  }
  auto f = RemoteFollower::start(perl_argv(RemoteFollower::script(), sources), LocalHost::kDefaultPath,
                                 client_environment(), milliseconds(20000), why);
  if (!f) why = fmt::format("{}: cannot follow its kernel events: {}", c_.name, why);
  return f;
}

CommandResult SshHost::from_runner(const Argv& argv, milliseconds timeout, CommandResult r) const {
  if (r.timed_out && r.exit_code == -1) {
    r.err =
        fmt::format("{}: `{}` gave no answer within {} s (the connection may hang): its result is unknown",
                    c_.name, describe_argv(argv), remote_seconds(timeout) + 15);
  } else if (r.exit_code == 255 && text::starts_with(r.err, "lost: ")) {
    r.err = fmt::format("{} — the connection was lost while `{}` ran: its result is unknown",
                        connection_error(r.err.substr(6)), describe_argv(argv));
  }
  return r;
}

CommandResult SshHost::run(const Argv& argv, milliseconds timeout) {
  if (RemoteRunner* rr = runner())
    if (auto r = rr->run(argv, timeout, milliseconds(15000)))
      return from_runner(argv, timeout, std::move(*r));
  return execute(argv, timeout, {});
}

CommandResult SshHost::run_tracked(const Argv& argv, milliseconds timeout,
                                   const std::function<void(const ProcessId&)>& started) {
  return execute(argv, timeout, started);
}

Result<std::unique_ptr<HeldProcess>> SshHost::lock_machine(const std::string& holder, bool& held) {
  held = false;
  if (auto c = connect(); !c) return c.error();
  // On the far side: the lock file under flock on fd 9, the holder written into it, "locked",
  // then `cat` keeps fd 9 (and the lock) until its input ends — when this side lets go or dies.
  std::string lock = fmt::format("{}/recover.{}.lock", kMachineLockDir, kMachineLockName);
  std::string script = fmt::format(
      "mkdir -p {dir} || exit 74; exec 9>>{lock} || exit 74; "
      "if ! flock -n 9; then echo \"held by: $(cat {lock})\"; exit 75; fi; "
      "printf '%s\\n' \"$1\" >{lock}; echo locked; exec cat >/dev/null",
      fmt::arg("dir", kMachineLockDir), fmt::arg("lock", lock));
  std::string line = "exec ";
  if (c_.sudo) line += "sudo -n -- ";
  line += "env -i " + posix_shell_word("PATH=" + c_.command_path) + " LC_ALL=C sh -c " +
          posix_shell_word(script) + " stackdr-lock " + posix_shell_word(holder);
  Argv a = base_argv();
  for (const char* w : {"-o", "ControlMaster=no", "--"}) a.push_back(w);
  a.push_back(c_.address);
  a.push_back(line);
  CommandResult ended;
  auto p = HeldProcess::start(a, LocalHost::kDefaultPath, client_environment(), "locked", milliseconds(30000),
                              ended);
  if (p) return p;
  std::string said = std::string(text::trim(ended.err));
  if (ended.exit_code == 75) {
    held = true;
    return Error{
        fmt::format("another recovery is running on host {} ({}; lock {} there); wait for it, or look "
                    "at `stackdr incident list` where it runs",
                    c_.name, last_line(said), lock)};
  }
  if (ended.exit_code == 255) return Error{connection_error(said)};
  return Error{fmt::format("{}: cannot take the recovery lock {} there: {}", c_.name, lock,
                           said.empty() ? fmt::format("exit {}", ended.exit_code) : last_line(said))};
}

Result<int64_t> SshHost::raise_fence(const Fence& f) {
  if (!fence_stack_name_ok(f.stack))
    return Error{fmt::format("'{}' is not a stack name a fence can carry", f.stack)};
  CommandResult r = execute({"sh", "-c", fence_raise_shell(kMachineLockDir, f)}, milliseconds(30000), {});
  std::string out(text::trim(r.out));
  if (r.ok() && text::starts_with(out, "raised "))
    if (auto v = text::to_int(out.substr(7))) return *v;
  if (r.started && !r.timed_out && r.exit_code == kFenceRefusedExit && text::starts_with(out, "higher "))
    return Error{fmt::format("{}: a newer leader's token {} is recorded for stack {} ({}); this one's is {}",
                             c_.name, out.substr(7), f.stack, fence_file(kMachineLockDir, f.stack), f.token)};
  if (r.exit_code == 255 && !r.timed_out) return Error{r.err};
  return Error{fmt::format("{}: cannot record the fencing token in {}: {}", c_.name, kMachineLockDir,
                           last_line(std::string(text::trim(r.err + r.out))))};
}

CommandResult SshHost::run_fenced(const Fence& f, const Argv& argv, milliseconds timeout,
                                  const std::function<void(const ProcessId&)>& started) {
  if (!fence_stack_name_ok(f.stack))
    return fence_refused(fmt::format("'{}' is not a stack name a fence can carry", f.stack));
  CommandResult r = execute(argv, timeout, started, &f);
  auto at = r.err.find(kFenceRefusedMarker);
  if (r.started && !r.timed_out && r.exit_code == kFenceRefusedExit && at != std::string::npos) {
    std::string seen(text::trim(r.err.substr(at + std::string_view(kFenceRefusedMarker).size())));
    seen = seen.substr(0, seen.find('\n'));
    bool token = !seen.empty() && seen.find_first_not_of("0123456789") == std::string::npos;
    return fence_refused(token ? fence_refusal(c_.name, f, seen)
                               : fmt::format("{}: {}; `{}` not run", c_.name, seen, describe_argv(argv)));
  }
  return r;
}

Result<std::string> SshHost::read_file(const std::string& path) {
  CommandResult r = run({"cat", "--", path}, milliseconds(30000));
  if (r.ok()) return r.out;
  std::string why = first_line(r.err);
  return Error{fmt::format("{}: {}", path, why.empty() ? fmt::format("cat exited {}", r.exit_code) : why)};
}

std::optional<bool> SshHost::running(const ProcessId& p) {
  if (p.pid <= 0) return std::nullopt;
  CommandResult r = run({"cat", "--", fmt::format("/proc/{}/stat", p.pid)}, milliseconds(15000));
  if (r.ok()) {
    auto start = stat_start_ticks(r.out);
    return start && *start == p.start;
  }
  if (r.started && !r.timed_out && r.exit_code == 1 && text::contains(r.err, "No such file")) return false;
  return std::nullopt;  // the host could not be asked: nobody may assume it ended
}

}  // namespace stackdr
