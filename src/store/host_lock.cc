#include "store/host_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace stackdr {

Result<std::unique_ptr<HostLock>> HostLock::acquire(const std::string& state_dir, const std::string& host,
                                                    bool& held) {
  held = false;
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);  // an error shows in the open below
  std::string path = fmt::format("{}/recover.{}.lock", state_dir, host);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error{fmt::format("{}: cannot create the recovery lock: {}", path, std::strerror(errno))};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    held = errno == EWOULDBLOCK;
    if (!held) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return Error{fmt::format("{}: cannot take the recovery lock: {}", path, why)};
    }
    char buf[160] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Error{
        fmt::format("another recovery is running on host {} (held by: {}; lock {}); wait for it, or look at "
                    "`stackdr incident list`",
                    host, pid, path)};
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, me.data(), me.size(), 0) < 0) {
    // The pid is only informative; the flock is the lock.
  }
  return std::unique_ptr<HostLock>(new HostLock(fd));
}

HostLock::~HostLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace stackdr
