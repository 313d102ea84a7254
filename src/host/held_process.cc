#include "host/held_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "util/text.h"

namespace stackdr {

namespace {

int exit_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace

std::unique_ptr<HeldProcess> HeldProcess::start(const Argv& argv, const std::string& search_path,
                                                const std::string& ready, std::chrono::milliseconds timeout,
                                                CommandResult& ended) {
  ended = {};
  std::string file;
  for (auto dir : text::split(search_path, ':')) {
    std::string f = std::string(dir) + "/" + argv[0];
    if (!dir.empty() && ::access(f.c_str(), X_OK) == 0) {
      file = f;
      break;
    }
  }
  if (argv[0].find('/') != std::string::npos) file = argv[0];
  if (file.empty()) {
    ended.started = false;
    ended.exit_code = 127;
    ended.err = argv[0] + ": not found in " + search_path;
    return nullptr;
  }
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return nullptr;
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return nullptr;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: a Ctrl-C meant for stackdr does not drop the lock under it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::string path_env = "PATH=" + search_path;
  char* env[] = {path_env.data(), const_cast<char*>("LC_ALL=C"), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, file.c_str(), &fa, &attr, cargv.data(), env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ended.started = false;
    ended.exit_code = 127;
    ended.err = argv[0] + ": " + std::strerror(rc);
    return nullptr;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string output;
  char buf[4096];
  for (;;) {
    // Ready once the line is there whole.
    if (("\n" + output).find("\n" + ready + "\n") != std::string::npos)
      return std::unique_ptr<HeldProcess>(new HeldProcess(pid, in[1], out[0]));
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);
      ended.timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(out[0], buf, sizeof buf);
    if (got > 0) {
      output.append(buf, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;  // it ended without saying it is ready
  }
  ::close(in[1]);
  ::close(out[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  ended.exit_code = ended.timed_out ? 124 : exit_status(st);
  ended.err = output;
  return nullptr;
}

HeldProcess::~HeldProcess() {
  ::close(in_);  // end of input: the far side lets go
  int st = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(static_cast<pid_t>(pid_), &st, WNOHANG) != 0) {
      ::close(out_);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-static_cast<pid_t>(pid_), SIGKILL);
  while (::waitpid(static_cast<pid_t>(pid_), &st, 0) < 0 && errno == EINTR) {
  }
  ::close(out_);
}

}  // namespace stackdr
