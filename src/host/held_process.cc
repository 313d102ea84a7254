#include "host/held_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "host/local_host.h"

namespace stackdr {

namespace {

int exit_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace

std::unique_ptr<HeldProcess> HeldProcess::start(const Argv& argv, const std::string& search_path,
                                                const std::vector<std::string>& extra_env,
                                                const std::string& ready, std::chrono::milliseconds timeout,
                                                CommandResult& ended) {
  ended = {};
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return nullptr;
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return nullptr;
  }
  Result<long> spawned = spawn_process(argv, search_path, extra_env, in[0], out[1], out[1]);
  ::close(in[0]);
  ::close(out[1]);
  if (!spawned) {
    ::close(in[1]);
    ::close(out[0]);
    ended.started = false;
    ended.exit_code = 127;
    ended.err = spawned.error().message;
    return nullptr;
  }
  pid_t pid = static_cast<pid_t>(*spawned);
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
