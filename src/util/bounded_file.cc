#include "util/bounded_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stackdr {

namespace {

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// Closes the descriptor on every way out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> read_bounded_file(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; the type is
  // checked on the open descriptor, so nothing can be swapped in between a stat and the read.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (f.fd < 0) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  if (!S_ISREG(st.st_mode))
    return Error{fmt::format("{}: {}, not a file: refused (give the path of a regular file)", path,
                             kind_of(st.st_mode))};
  if (static_cast<size_t>(st.st_size) > max_bytes)
    return Error{fmt::format("{}: {} bytes, more than the {} this file may have: refused, not read in part",
                             path, static_cast<long long>(st.st_size), max_bytes)};
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  // Read one byte past the size seen, so a file that grows while it is read is caught.
  for (;;) {
    if (got == out.size()) {
      if (out.size() > max_bytes)
        return Error{fmt::format("{}: grew past {} bytes while it was read: refused", path, max_bytes)};
      out.resize(std::min(out.size() + 65536, max_bytes + 1));
    }
    ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes)
    return Error{fmt::format("{}: grew past {} bytes while it was read: refused", path, max_bytes)};
  out.resize(got);
  return out;
}

}  // namespace stackdr
