#include "watch/uevents.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "util/text.h"

namespace stackdr {

Result<UeventSocket> UeventSocket::open() {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
  if (fd < 0) return Error{std::string("uevent socket: ") + std::strerror(errno)};
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  a.nl_groups = 1;  // the kernel's own events (udevd re-broadcasts on group 2)
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return Error{"uevent socket: " + why};
  }
  return UeventSocket(fd);
}

UeventSocket::~UeventSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool UeventSocket::read_relevant() {
  bool relevant = false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: no more (ENOBUFS: some were lost; the sweep reads the state anyway)
    if (uevent_matters(std::string_view(buf, static_cast<size_t>(n)))) relevant = true;
  }
  return relevant;
}

bool uevent_matters(std::string_view m) {
  std::string_view action, subsystem;
  size_t at = m.find('@');
  if (at == std::string_view::npos) return false;
  action = m.substr(0, at);
  for (size_t p = m.find('\0'); p != std::string_view::npos && p + 1 < m.size(); p = m.find('\0', p + 1)) {
    std::string_view kv = m.substr(p + 1);
    kv = kv.substr(0, kv.find('\0'));
    if (text::starts_with(kv, "SUBSYSTEM=")) subsystem = kv.substr(10);
  }
  bool device = subsystem == "block" || subsystem == "scsi" || subsystem == "scsi_disk" ||
                subsystem == "iscsi_session" || subsystem == "iscsi_connection" || subsystem == "scsi_device";
  bool change = action == "add" || action == "remove" || action == "change" || action == "offline" ||
                action == "online";
  return device && change;
}

}  // namespace stackdr
