#include "host/bundle.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "host/local_host.h"
#include "host/replay_host.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace fs = std::filesystem;

namespace {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

/// A host that answers as `inner` does and keeps every answer in the bundle.
class RecordingHost : public Host {
 public:
  RecordingHost(BundleWriter& w, Host* inner) : w_(w), inner_(inner), dir_(w.dir() / inner->name()) {}
  const std::string& name() const override { return inner_->name(); }
  bool concurrent() const override { return inner_->concurrent(); }

  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override {
    double at = wall_now();
    auto t0 = std::chrono::steady_clock::now();
    CommandResult r = inner_->run(argv, timeout);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    fs::path base = dir_ / "cmd" / ReplayHost::encode_argv(argv);
    write_file(base, r.out);
    if (!r.err.empty()) write_file(base.string() + ".stderr", r.err);
    if (r.exit_code != 0) write_file(base.string() + ".rc", std::to_string(r.exit_code));
    if (!r.started) write_file(base.string() + ".result", "not-started");
    if (r.timed_out) write_file(base.string() + ".result", "timed-out");
    w_.add(name(), {{"kind", "command"},
                    {"argv", argv},
                    {"exit", r.exit_code},
                    {"started", r.started},
                    {"timed_out", r.timed_out},
                    {"ms", std::round(ms * 10) / 10},
                    {"at", at},
                    {"file", fs::relative(base, w_.dir()).string()}});
    return r;
  }

  Result<std::string> read_file(const std::string& path) override {
    double at = wall_now();
    auto t0 = std::chrono::steady_clock::now();
    Result<std::string> r = inner_->read_file(path);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    fs::path p = dir_ / "fs" / fs::path(path).relative_path();
    if (r)
      write_file(p, *r);
    else
      write_file(p.string() + ".error", r.error().message);
    w_.add(name(), {{"kind", "file"},
                    {"path", path},
                    {"ok", r.ok()},
                    {"ms", std::round(ms * 10) / 10},
                    {"at", at},
                    {"file", fs::relative(p, w_.dir()).string() + (r ? "" : ".error")}});
    return r;
  }

 private:
  BundleWriter& w_;
  Host* inner_;
  fs::path dir_;
};

}  // namespace

BundleWriter::BundleWriter(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

std::unique_ptr<Host> BundleWriter::record(Host* inner) {
  return std::make_unique<RecordingHost>(*this, inner);
}

void BundleWriter::add(const std::string& host, const nlohmann::json& read) {
  nlohmann::json r = read;
  r["host"] = host;
  std::lock_guard<std::mutex> l(mu_);
  reads_.push_back(std::move(r));
}

size_t BundleWriter::reads() const {
  std::lock_guard<std::mutex> l(mu_);
  return reads_.size();
}

Result<bool> BundleWriter::finish(nlohmann::json about) {
  {
    std::lock_guard<std::mutex> l(mu_);
    about["reads"] = reads_;
  }
  about["created"] = wall_now();
  fs::path p = dir_ / kBundleManifest;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << json_text(about, 2) << "\n";
  if (!out) return Error{fmt::format("{}: cannot write the manifest", p.string())};
  return true;
}

Result<bool> check_bundle_folder(const fs::path& dir, const std::vector<std::string>& hosts) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{fmt::format("{}: not a folder", dir.string())};
  if (fs::exists(dir / kBundleManifest, ec)) return true;
  for (const auto& h : hosts)
    if (fs::is_directory(dir / h / "cmd", ec) || fs::is_directory(dir / h / "fs", ec)) return true;
  return Error{fmt::format(
      "{} is not a bundle: it has no {} and no folder named after a host of the topology ({}) with cmd/ or "
      "fs/ in it. Make one with `stackdr collect`",
      dir.string(), kBundleManifest, text::join(hosts, ", "))};
}

}  // namespace stackdr

namespace stackdr {

Result<bool> unpack_bundle_archive(const std::string& archive, const fs::path& dir,
                                   const BundleLimits& limits) {
  // GNU tar's verbose listing: "MODE OWNER/GROUP SIZE DATE TIME NAME". The first letter of MODE
  // is the member's type ('-' file, 'd' folder; 'l' 'h' links, 'c' 'b' devices, 'p' FIFO).
  LocalHost local("local");
  CommandResult list = local.run({"tar", "-tvzf", archive, "--numeric-owner", "--quoting-style=escape"},
                                 std::chrono::seconds(60));
  if (!list.ok())
    return Error{fmt::format("{}: not a bundle this stackdr can unpack (tar: {})", archive,
                             std::string(text::trim(list.err.empty() ? list.out : list.err)))};
  size_t members = 0;
  uint64_t total = 0;
  for (auto line : text::lines(list.out)) {
    if (line.empty()) continue;
    auto f = text::fields(line);
    if (f.size() < 6)
      return Error{fmt::format("{}: an archive member tar cannot describe: {}", archive, line)};
    std::string_view name = line.substr(static_cast<size_t>(f[5].data() - line.data()));
    char type = f[0].empty() ? '?' : f[0][0];
    if (type != '-' && type != 'd')
      return Error{
          fmt::format("{}: member {} is {}: a bundle holds only files and folders; refused, nothing unpacked",
                      archive, name,
                      type == 'l' || type == 'h' ? "a link"
                      : type == 'c'              ? "a character device"
                      : type == 'b'              ? "a block device"
                      : type == 'p'              ? "a FIFO"
                                                 : "not a file")};
    if (++members > limits.max_members)
      return Error{
          fmt::format("{}: more than {} members: not a bundle stackdr wrote; refused, nothing unpacked",
                      archive, limits.max_members)};
    auto size = text::to_int(f[2]);
    if (!size || *size < 0)
      return Error{fmt::format("{}: member {} has no size tar can say: refused", archive, name)};
    if (static_cast<uint64_t>(*size) > limits.max_member_bytes)
      return Error{
          fmt::format("{}: member {} is {} bytes, more than the {} a captured output may have; refused, "
                      "nothing unpacked",
                      archive, name, *size, limits.max_member_bytes)};
    total += static_cast<uint64_t>(*size);
    if (total > limits.max_total_bytes)
      return Error{fmt::format("{}: its members add up to more than {} bytes; refused, nothing unpacked",
                               archive, limits.max_total_bytes)};
  }
  // GNU tar refuses members that climb out with '..' and strips a leading '/'.
  CommandResult r = local.run({"tar", "-xzf", archive, "-C", dir.string(), "--no-same-owner",
                               "--no-same-permissions", "--no-overwrite-dir"},
                              std::chrono::seconds(120));
  if (!r.ok())
    return Error{fmt::format("{}: not a bundle this stackdr can unpack (tar: {})", archive,
                             std::string(text::trim(r.err)))};
  // What tar wrote is checked again (the archive could differ from its listing only if it
  // changed in between): only files and folders, none set-id.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    auto st = it->symlink_status(ec);
    if (!fs::is_regular_file(st) && !fs::is_directory(st))
      return Error{fmt::format("{}: {} is not a file or a folder once unpacked; refused", archive,
                               it->path().string())};
    fs::permissions(it->path(), fs::perms::set_uid | fs::perms::set_gid | fs::perms::sticky_bit,
                    fs::perm_options::remove, ec);
  }
  if (ec) return Error{fmt::format("{}: cannot check what was unpacked: {}", archive, ec.message())};
  return true;
}

}  // namespace stackdr
