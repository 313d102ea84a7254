#include "host/fence.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/host.h"
#include "util/text.h"

namespace stackdr {

namespace {

// Reads the decimal token a fence file holds; 0 for an empty file (made, never written).
Result<int64_t> read_token(int fd, const std::string& path) {
  char buf[64] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n < 0) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  std::string_view t = text::trim(std::string_view(buf, static_cast<size_t>(n)));
  if (t.empty()) return int64_t{0};
  auto v = text::to_int(t);
  if (!v || *v < 0)
    return Error{
        fmt::format("{}: holds '{}', not a token: remove the file if nothing of stackdr runs", path, t)};
  return *v;
}

}  // namespace

bool fence_stack_name_ok(const std::string& stack) {
  if (stack.empty() || stack.size() > 64 || stack[0] == '.' || stack[0] == '-') return false;
  for (char c : stack)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

std::string fence_file(const std::string& dir, const std::string& stack) {
  return dir + "/fence." + stack;
}

Result<int64_t> raise_fence_file(const std::string& dir, const Fence& f) {
  if (!fence_stack_name_ok(f.stack))
    return Error{fmt::format("'{}' is not a stack name a fence can carry", f.stack)};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = fence_file(dir, f.stack);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{fmt::format("{}: cannot open the fence: {}", path, std::strerror(errno))};
  if (::flock(fd, LOCK_EX) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return Error{fmt::format("{}: cannot lock the fence: {}", path, why)};
  }
  auto seen = read_token(fd, path);
  if (seen && *seen > f.token) {
    ::close(fd);
    return Error{
        fmt::format("{}: a newer leader's token {} is recorded; this one's is {}", path, *seen, f.token)};
  }
  if (seen && *seen < f.token) {
    std::string t = std::to_string(f.token) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, t.data(), t.size(), 0) != static_cast<ssize_t>(t.size()) ||
        ::fsync(fd) != 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return Error{fmt::format("{}: cannot record token {}: {}", path, f.token, why)};
    }
  }
  ::close(fd);  // drops the flock
  if (!seen) return seen.error();
  return *seen;
}

std::string check_fence_file(const std::string& dir, const Fence& f) {
  if (!fence_stack_name_ok(f.stack))
    return fmt::format("'{}' is not a stack name a fence can carry", f.stack);
  std::string path = fence_file(dir, f.stack);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // Never raised here: no leader has acted on this machine, so none is newer than this one.
    if (errno == ENOENT) return "";
    return fmt::format("{}: cannot read the fence: {}", path, std::strerror(errno));
  }
  ::flock(fd, LOCK_SH);  // a raise in progress finishes first
  auto seen = read_token(fd, path);
  ::close(fd);
  if (!seen) return seen.error().message;
  if (*seen > f.token) return std::to_string(*seen);
  return "";
}

std::string fence_check_shell(const std::string& dir, const Fence& f) {
  // The stack's name is checked by fence_stack_name_ok (a plain word); the token is a number.
  std::string path = fence_file(dir, f.stack);
  return fmt::format(
      "if [ -e {p} ]; then seen=$(flock -s {p} cat {p}) || {{ echo \"{m} cannot read {p}\" >&2; exit {x}; "
      "}}; "
      "if [ -n \"$seen\" ] && [ \"$seen\" -gt {t} ]; then echo \"{m} $seen\" >&2; exit {x}; fi; fi; ",
      fmt::arg("p", path), fmt::arg("m", kFenceRefusedMarker), fmt::arg("x", kFenceRefusedExit),
      fmt::arg("t", f.token));
}

std::string fence_raise_shell(const std::string& dir, const Fence& f) {
  std::string path = fence_file(dir, f.stack);
  return fmt::format(
      "mkdir -p {d} || exit 74; exec 8>>{p} || exit 74; flock 8 || exit 74; seen=$(cat {p}); "
      "if [ -n \"$seen\" ] && [ \"$seen\" -gt {t} ]; then echo \"higher $seen\"; exit {x}; fi; "
      "if [ \"${{seen:-0}}\" -lt {t} ]; then printf '%s\\n' {t} >{p} || exit 74; fi; echo \"raised "
      "${{seen:-0}}\"",
      fmt::arg("d", dir), fmt::arg("p", path), fmt::arg("t", f.token), fmt::arg("x", kFenceRefusedExit));
}

std::string fence_refusal(const std::string& host, const Fence& f, const std::string& seen) {
  return fmt::format(
      "refused by the fencing token on {}: it has seen token {} for stack {}, and this process carries {} — "
      "another stackdr leads this stack now (this one was paused or cut off and lost its lease); nothing was "
      "run",
      host, seen, f.stack, f.token);
}

}  // namespace stackdr

namespace stackdr {

CommandResult fence_refused(const std::string& why) {
  CommandResult r;
  r.started = false;
  r.exit_code = kFenceRefusedExit;
  r.err = why;
  return r;
}

Result<int64_t> Host::raise_fence(const Fence& f) {
  auto dir = fence_dir();
  if (!dir)
    return Error{fmt::format("{} cannot keep a fencing token (a replayed bundle acts on nothing)", name())};
  return raise_fence_file(*dir, f);
}

CommandResult Host::run_fenced(const Fence& f, const Argv& argv, std::chrono::milliseconds timeout,
                               const std::function<void(const ProcessId&)>& started) {
  auto dir = fence_dir();
  if (!dir)
    return fence_refused(
        fmt::format("{} cannot keep a fencing token: `{}` not run", name(), describe_argv(argv)));
  std::string seen = check_fence_file(*dir, f);
  if (!seen.empty()) {
    bool token = seen.find_first_not_of("0123456789") == std::string::npos;
    return fence_refused(token ? fence_refusal(name(), f, seen)
                               : fmt::format("{}: cannot check the fencing token ({}); `{}` not run", name(),
                                             seen, describe_argv(argv)));
  }
  return run_tracked(argv, timeout, started);
}

}  // namespace stackdr
