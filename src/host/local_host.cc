#include "host/local_host.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "util/text.h"

namespace stackdr {

bool argv_has(const Argv& argv, std::string_view word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

std::string argv_after(const Argv& argv, std::string_view flag) {
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  return "";
}

std::string describe_argv(const Argv& argv) {
  // Quoted for a POSIX shell word by word, so a plan pasted into a terminal runs exactly this
  // argv ("vm;reboot" stays one word). A word with control characters (a newline in a find
  // -printf format) uses bash's $'...' form, which keeps the whole command on one line.
  static constexpr std::string_view kSafe =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool control = std::any_of(a.begin(), a.end(),
                               [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (!a.empty() && a.find_first_not_of(kSafe) == std::string::npos) {
      out += a;
    } else if (!control) {
      out += '\'';
      for (char c : a) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    } else {
      out += "$'";
      for (char c : a) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '\n')
          out += "\\n";
        else if (c == '\t')
          out += "\\t";
        else if (c == '\\' || c == '\'')
          out += std::string("\\") + c;
        else if (u < 0x20 || u == 0x7f)
          out += fmt::format("\\x{:02x}", u);
        else
          out += c;
      }
      out += '\'';
    }
  }
  return out;
}

namespace {

// Closes a file descriptor once; pipes are closed on every path out of run().
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

namespace {

// A minimal environment: the search path, the C locale (numbers, dates and messages parse the
// same on every machine: "72.38% done", not "72,38% done"; the English words mdadm's "No md
// superblock" check reads) and HOME (targetcli keeps its preferences there). Nothing else of
// the caller's: no LD_PRELOAD, no IFS, no tool options in the environment.
std::vector<std::string> minimal_environment(const std::string& search_path) {
  std::vector<std::string> env{"PATH=" + search_path, "LC_ALL=C"};
  const char* home = std::getenv("HOME");
  env.push_back(std::string("HOME=") + (home && *home == '/' ? home : "/root"));
  return env;
}

// argv[0] as a file: itself when it names a path, else the first executable of that name in
// `search_path` (posix_spawnp would search the caller's PATH instead).
std::optional<std::string> find_command(const std::string& cmd, const std::string& search_path) {
  if (cmd.find('/') != std::string::npos) return cmd;
  for (auto dir : text::split(search_path, ':')) {
    if (dir.empty()) continue;
    std::string f = std::string(dir) + "/" + cmd;
    if (::access(f.c_str(), X_OK) == 0) return f;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. The comm
// field (2) may hold spaces and parentheses, so fields are counted after its last ')'.
std::optional<unsigned long long> start_ticks(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return stat_start_ticks(stat);
}

}  // namespace

std::optional<unsigned long long> stat_start_ticks(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  auto fields = text::fields(stat.substr(close + 1));
  // After ')': state is field 3, so field 22 is index 19.
  if (fields.size() < 20 || fields[0] == "Z") return std::nullopt;  // a zombie has ended
  auto v = text::to_int(fields[19]);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<unsigned long long>(*v);
}

Result<long> spawn_process(const Argv& argv, const std::string& search_path,
                           const std::vector<std::string>& extra_env, int in_fd, int out_fd, int err_fd) {
  if (argv.empty()) return Error{"empty argv"};
  std::optional<std::string> file = find_command(argv[0], search_path);
  if (!file) return Error{argv[0] + ": not found in " + search_path};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd < 0)
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  else
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so a timeout kills the command and anything it started, and a Ctrl-C
  // meant for stackdr does not reach it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env_strings = minimal_environment(search_path);
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, file->c_str(), &fa, &attr, cargv.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error{argv[0] + ": " + std::strerror(rc)};
  return static_cast<long>(pid);
}

std::optional<bool> LocalHost::running(const ProcessId& p) {
  if (p.pid <= 0) return std::nullopt;
  auto now = start_ticks(p.pid);
  return now && *now == p.start;
}

CommandResult LocalHost::run(const Argv& argv, std::chrono::milliseconds timeout) {
  return run_tracked(argv, timeout, {});
}

CommandResult LocalHost::run_tracked(const Argv& argv, std::chrono::milliseconds timeout,
                                     const std::function<void(const ProcessId&)>& started) {
  return run_watching(argv, timeout, started, {});
}

CommandResult LocalHost::run_watching(const Argv& argv, std::chrono::milliseconds timeout,
                                      const std::function<void(const ProcessId&)>& started,
                                      const std::function<void(const std::string&)>& on_stderr) {
  std::exception_ptr deferred;
  CommandResult r = spawn_and_wait(argv, timeout, started, on_stderr, deferred);
  if (deferred) std::rethrow_exception(deferred);
  return r;
}

namespace {

// Reads the command's stdout and stderr until both close or the deadline passes (then its
// process group is killed and the result says it timed out). on_stderr sees stderr so far at
// each piece; what it throws is kept in `deferred`, to be raised once the command has ended.
void collect_output(int out_fd, int err_fd, pid_t pid, std::chrono::steady_clock::time_point deadline,
                    const std::function<void(const std::string&)>& on_stderr, std::exception_ptr& deferred,
                    CommandResult& r) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(got));
        if (i == 1 && on_stderr && !deferred) {
          try {
            on_stderr(r.err);
          } catch (...) {
            deferred = std::current_exception();  // raised once the command has ended
          }
        }
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
}

// Waits for the command's exit status (128 + N for a signal), unless it timed out.
void reap(pid_t pid, CommandResult& r) {
  if (r.timed_out) {
    // A command blocked in the kernel (mdadm reading a disk whose iSCSI session is recovering)
    // dies only when its I/O returns, which can be the whole replacement timeout later. The
    // caller has waited long enough: a thread of its own reaps the process when it goes.
    r.exit_code = 124;
    int status = 0;
    for (int i = 0; i < 20; ++i) {
      pid_t got = ::waitpid(pid, &status, WNOHANG);
      if (got == pid || (got < 0 && errno != EINTR)) return;
      ::usleep(5000);
    }
    std::thread([pid] {
      int st = 0;
      while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    }).detach();
    return;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.exit_code = 128 + WTERMSIG(status);
  }
}

}  // namespace

CommandResult LocalHost::spawn_and_wait(const Argv& argv, std::chrono::milliseconds timeout,
                                        const std::function<void(const ProcessId&)>& started,
                                        const std::function<void(const std::string&)>& on_stderr,
                                        std::exception_ptr& deferred) {
  CommandResult r;
  if (argv.empty()) {
    r.started = false;
    r.err = "empty argv";
    return r;
  }
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.started = false;
    r.err = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  Fd out_r{out_pipe[0]}, out_w{out_pipe[1]}, err_r{err_pipe[0]}, err_w{err_pipe[1]};

  Result<long> spawned = spawn_process(argv, path_, extra_env_, -1, out_w.fd, err_w.fd);
  out_w.reset();
  err_w.reset();
  int rc = spawned ? 0 : ENOENT;
  pid_t pid = spawned ? static_cast<pid_t>(*spawned) : 0;
  if (rc == 0 && started) {
    // Journaled before the wait: if stackdr dies now, the next run finds this process. Should
    // the journal fail here, the step is already running: it is waited for all the same, and
    // the error is raised once it has ended, so its outcome is at least printed.
    try {
      started(ProcessId{pid, start_ticks(pid).value_or(0)});
    } catch (...) {
      deferred = std::current_exception();
    }
  }
  if (!spawned) {
    r.started = false;
    r.exit_code = 127;
    r.err = spawned.error().message;
    return r;
  }

  collect_output(out_r.fd, err_r.fd, pid, std::chrono::steady_clock::now() + timeout, on_stderr, deferred, r);
  reap(pid, r);
  return r;
}

Result<std::string> LocalHost::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace stackdr
