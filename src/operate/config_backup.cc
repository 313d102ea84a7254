#include "operate/config_backup.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "probe/lio_saveconfig.h"

namespace stackdr {

namespace fs = std::filesystem;

namespace {

std::string stamp(double now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A host name as a file name: what the topology allows, minus '/'.
std::string file_safe(std::string s) {
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

}  // namespace

Result<ConfigBackup> backup_config(const Topology& t, const HostLookup& hosts, const std::string& root,
                                   double now, int keep) {
  ConfigBackup b;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error{fmt::format("{}: cannot create the backup folder: {}", root, ec.message())};
  ::chmod(root.c_str(), 0700);  // configuration holds IQNs, addresses and (maybe) CHAP secrets
  fs::path dir = fs::path(root) / stamp(now);
  for (int n = 2; fs::exists(dir); ++n) dir = fs::path(root) / fmt::format("{}-{}", stamp(now), n);
  fs::create_directory(dir, ec);
  if (ec) return Error{fmt::format("{}: cannot create: {}", dir.string(), ec.message())};
  b.dir = dir.string();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream out(dir / name, std::ios::binary);
    out << text;
    if (out.flush())
      b.saved.push_back(name);
    else
      b.missing.push_back(name + ": could not be written");
  };
  auto fetch = [&](const std::string& host, const std::string& path, const std::string& name) {
    Host* h = hosts(host);
    if (!h) {
      b.missing.push_back(fmt::format("{} from {}: no such host", path, host));
      return false;
    }
    auto v = h->read_file(path);
    if (!v) return false;
    write(name, *v);
    return true;
  };
  if (!t.storage.host.empty()) {
    bool got = false;
    for (std::string_view path : kLioSaveconfigPaths)
      if (!got)
        got = fetch(t.storage.host, std::string(path), file_safe(t.storage.host) + ".saveconfig.json");
    if (!got) b.missing.push_back("LIO's saved configuration on " + t.storage.host + ": not readable");
  }
  for (const auto& host : t.kvm_hosts())
    if (!fetch(host, "/etc/mdadm/mdadm.conf", file_safe(host) + ".mdadm.conf"))
      b.missing.push_back("/etc/mdadm/mdadm.conf on " + host + ": not readable");
  if (!t.source.empty()) {
    std::ifstream in(t.source, std::ios::binary);
    if (in) {
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      write("topology.yaml", text);
    } else {
      b.missing.push_back(t.source + ": not readable");
    }
  }
  // Rotation: the newest `keep` folders stay (names sort by time).
  std::vector<fs::path> runs;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory()) runs.push_back(e.path());
  std::sort(runs.begin(), runs.end());
  while (keep > 0 && runs.size() > static_cast<size_t>(keep)) {
    fs::remove_all(runs.front(), ec);
    b.removed.push_back(runs.front().filename().string());
    runs.erase(runs.begin());
  }
  return b;
}

}  // namespace stackdr
