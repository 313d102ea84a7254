#pragma once
/// PrivateDir: a folder only this user can enter (0700, mkdtemp under $TMPDIR or /tmp), removed
/// with everything in it when the last owner lets go — for the SSH control sockets, a bundle
/// being collected, an archive unpacked for --from.

#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stackdr {

class PrivateDir {
 public:
  /// `prefix` names what it is for ("stackdr-ssh"); the message of a failure says so too.
  static Result<std::shared_ptr<PrivateDir>> make(std::string_view prefix);
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace stackdr
