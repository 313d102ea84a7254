#include "host/private_dir.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace stackdr {

Result<std::shared_ptr<PrivateDir>> PrivateDir::make(std::string_view prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = fmt::format("{}/{}-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp", prefix);
  if (!::mkdtemp(tmpl.data()))
    return Error{fmt::format("{}: cannot make a private folder: {}", tmpl, std::strerror(errno))};
  return std::shared_ptr<PrivateDir>(new PrivateDir(tmpl));
}

PrivateDir::~PrivateDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace stackdr
