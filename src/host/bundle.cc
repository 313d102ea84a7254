#include "host/bundle.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

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
