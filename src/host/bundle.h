#pragma once
/// Bundles: every read of a sweep, from every host, kept as files — an sosreport for this
/// stack, for a ticket or for diagnosing a machine you cannot log into.
///
/// BundleWriter wraps each host in a recording Host that answers as the host does and writes
/// each answer in ReplayHost's layout (one folder per host: cmd/<encoded argv> with .stderr,
/// .rc and .result, fs/<path> or fs/<path>.error), plus manifest.json at the top: stackdr's
/// version, when, and per read the host, argv or path, exit status, duration and time.
/// `stackdr collect` packs the folder as a .tar.gz; `--from` takes either.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/host.h"
#include "util/result.h"

namespace stackdr {

inline constexpr const char* kBundleManifest = "manifest.json";

class BundleWriter {
 public:
  /// Writes into `dir` (made if missing).
  explicit BundleWriter(std::filesystem::path dir);
  /// A host that records what `inner` answers; this writer must outlive it.
  std::unique_ptr<Host> record(Host* inner);
  /// Writes manifest.json with `about` (version, topology, mode …) and every read so far.
  Result<bool> finish(nlohmann::json about);
  const std::filesystem::path& dir() const { return dir_; }
  size_t reads() const;

  /// Called by the recording hosts (from several threads: probes run side by side).
  void add(const std::string& host, const nlohmann::json& read);

 private:
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  nlohmann::json reads_ = nlohmann::json::array();
};

/// The limits an untrusted bundle archive is held to before anything of it is written.
struct BundleLimits {
  size_t max_members = 50000;  // a sweep of 1,000 arrays writes about 20,000 files
  uint64_t max_member_bytes = 64u << 20;
  uint64_t max_total_bytes = 1u << 30;
};

/// Unpacks a bundle archive (.tar.gz) into `dir` only if every member is a regular file or a
/// folder within the limits: device nodes, FIFOs, sockets, links of any kind and oversized or
/// too many members refuse the whole archive (its listing is checked first, nothing written);
/// what is unpacked keeps no owner and no set-id bits. The error names the member and the rule.
Result<bool> unpack_bundle_archive(const std::string& archive, const std::filesystem::path& dir,
                                   const BundleLimits& limits = {});

/// Whether a folder is a bundle: it has a manifest, or (a bundle made by hand) a folder per
/// host with cmd/ or fs/ in it. The error says what was expected.
Result<bool> check_bundle_folder(const std::filesystem::path& dir, const std::vector<std::string>& hosts);

}  // namespace stackdr
