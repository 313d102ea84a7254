#include "host/remote_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "host/local_host.h"
#include "util/text.h"

namespace stackdr {

using std::chrono::milliseconds;

Result<RemoteProgram> start_remote_program(const Argv& client_argv, const std::string& search_path,
                                           const std::vector<std::string>& extra_env,
                                           const std::string& greeting, milliseconds timeout) {
  int in[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
    return Error{std::string("socketpair: ") + std::strerror(errno)};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Error{std::string("pipe: ") + std::strerror(errno)};
  }
  Result<long> spawned = spawn_process(client_argv, search_path, extra_env, in[1], out[1], err[1]);
  ::close(in[1]);
  ::close(out[1]);
  ::close(err[1]);
  if (!spawned) {
    for (int fd : {in[0], out[0], err[0]}) ::close(fd);
    return spawned.error();
  }
  RemoteProgram p{static_cast<pid_t>(*spawned), in[0], out[0], err[0], "", ""};
  std::string said, why;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line = greeting + "\n";
  for (;;) {
    size_t at = ("\n" + said).find("\n" + line);
    if (at != std::string::npos) {
      p.after_greeting = said.substr(at + line.size());
      return p;
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      why = "no greeting from the far side within " + std::to_string(timeout.count() / 1000) + " s";
      break;
    }
    pollfd f[2] = {{p.out_fd, POLLIN, 0}, {p.err_fd, POLLIN, 0}};
    int n = ::poll(f, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    bool ended = false;
    for (int i = 0; i < 2; ++i) {
      if (!(f[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(f[i].fd, buf, sizeof buf);
      if (got > 0)
        (i == 0 ? said : p.client_err).append(buf, static_cast<size_t>(got));
      else if (got == 0 && i == 0)
        ended = true;
    }
    if (ended && ("\n" + said).find("\n" + line) == std::string::npos) {
      why = std::string(text::trim(p.client_err + said));
      if (why.empty()) why = "the far side ended without a greeting";
      break;
    }
  }
  ::kill(-p.pid, SIGKILL);
  stop_remote_program(p, milliseconds(0));
  close_remote_program(p);
  return Error{why};
}

void stop_remote_program(RemoteProgram& p, milliseconds grace) {
  if (p.pid <= 0) return;
  ::shutdown(p.in_fd, SHUT_WR);  // the far side sees its input end: it ends what it started, then itself
  auto deadline = std::chrono::steady_clock::now() + grace;
  int st = 0;
  for (;;) {
    pid_t w = ::waitpid(p.pid, &st, WNOHANG);
    if (w == p.pid || (w < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-p.pid, SIGKILL);
      while (::waitpid(p.pid, &st, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  p.pid = -1;
}

void close_remote_program(RemoteProgram& p) {
  for (int* fd : {&p.in_fd, &p.out_fd, &p.err_fd})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
}

}  // namespace stackdr
