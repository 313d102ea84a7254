#pragma once
/// UeventSocket: the kernel's device events on this machine (a netlink socket on the kernel's
/// uevent group, as udevd itself listens), for the daemon: an iSCSI disk that goes away or comes
/// back, a SCSI device going offline, an iSCSI session or connection changing — often before md
/// has noticed anything. Only whether something relevant happened is kept: the sweep reads
/// what it was.

#include <string_view>

#include "util/result.h"

namespace stackdr {

class UeventSocket {
 public:
  /// Subscribes; fails when the kernel refuses (no netlink here, not root).
  static Result<UeventSocket> open();
  UeventSocket(UeventSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UeventSocket& operator=(UeventSocket&&) = delete;
  UeventSocket(const UeventSocket&) = delete;
  ~UeventSocket();
  int fd() const { return fd_; }
  /// Reads every message waiting; true when one was about the stack's devices.
  bool read_relevant();

 private:
  explicit UeventSocket(int fd) : fd_(fd) {}
  int fd_;
};

/// Whether a uevent ("ACTION@DEVPATH\0KEY=VALUE\0…") is about block devices, SCSI devices or
/// iSCSI sessions and connections being added, removed, changed, going offline or online.
bool uevent_matters(std::string_view message);

}  // namespace stackdr
