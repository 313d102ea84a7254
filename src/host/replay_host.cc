#include "host/replay_host.h"

#include <fmt/format.h>

#include "util/bounded_file.h"
#include "util/text.h"

namespace stackdr {

namespace {

constexpr size_t kMaxName = 200;  // leaves room for the .stderr / .rc suffixes

// A captured output is at most this big (lsblk -J of thousands of disks is a few MiB).
constexpr size_t kMaxCapture = 64u << 20;

// A bundle's file: nullopt when there is none. One that is there and is not a regular file of
// at most kMaxCapture (a FIFO, a device, something huge: a bundle is untrusted) is an error.
Result<std::optional<std::string>> slurp_checked(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(p, ec))) return std::optional<std::string>();
  auto t = read_bounded_file(p.string(), kMaxCapture);
  if (!t) return t.error();
  return std::optional<std::string>(std::move(*t));
}

std::optional<std::string> slurp(const std::filesystem::path& p) {
  auto r = slurp_checked(p);
  return r ? *r : std::nullopt;
}

}  // namespace

std::string ReplayHost::encode_argv(const Argv& argv) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i) out += '+';
    for (unsigned char c : argv[i]) {
      if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  }
  // A file name holds at most 255 bytes; a long argv (find over configfs, zfs get of many
  // zvols) keeps its first 180 and a hash of the whole, so it still has exactly one name.
  if (out.size() > kMaxName) {
    out = out.substr(0, 180) + fmt::format("~{:016x}", text::fnv1a(out));
  }
  return out;
}

CommandResult ReplayHost::run(const Argv& argv, std::chrono::milliseconds) {
  CommandResult r;
  auto base = dir_ / "cmd" / encode_argv(argv);
  auto checked = slurp_checked(base);
  if (!checked) {  // there, and refused: the read fails with why (its nodes are UNKNOWN)
    r.started = false;
    r.exit_code = 127;
    r.err = "bundle " + dir_.string() + ": " + checked.error().message;
    return r;
  }
  auto out = *checked;
  if (!out) {
    r.started = false;
    r.exit_code = 127;
    r.err = "not in bundle " + dir_.string() + ": " + describe_argv(argv);
    return r;
  }
  r.out = *out;
  r.err = slurp(base.string() + ".stderr").value_or("");
  if (auto rc = slurp(base.string() + ".rc")) r.exit_code = static_cast<int>(text::to_int(*rc).value_or(0));
  // How it ended when it did not simply exit (written by `stackdr collect`).
  std::string result(text::trim(slurp(base.string() + ".result").value_or("")));
  r.started = result != "not-started";
  r.timed_out = result == "timed-out";
  return r;
}

Result<std::string> ReplayHost::read_file(const std::string& path) {
  auto rel = std::filesystem::path(path).relative_path().lexically_normal();
  if (!rel.empty() && *rel.begin() == "..")
    return Error{path + ": climbs out of the bundle's fs/ folder: refused"};
  auto p = dir_ / "fs" / rel;
  auto checked = slurp_checked(p);
  if (!checked) return Error{"bundle " + dir_.string() + ": " + checked.error().message};
  if (*checked) return **checked;
  // A read that failed when the bundle was made fails the same way when it is replayed.
  if (auto e = slurp(p.string() + ".error")) return Error{*e};
  return Error{path + ": not in bundle " + dir_.string()};
}

}  // namespace stackdr
