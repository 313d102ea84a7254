#pragma once
/// ReadIndex: the sweep's read records (Observation::sources) looked up by host, built once per
/// model build. The graph builder and md state ask "why was this not read?" for every node
/// whose source failed; scanning the whole record list for each of them made a sweep of a
/// stack with thousands of failed reads quadratic (whole storage network down, 8,000 LUNs).

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "probe/observation.h"

namespace stackdr {

class ReadIndex {
 public:
  explicit ReadIndex(const Observation& o);
  /// The first failed read on `host` whose source is exactly `source`.
  const SourceRecord* failed(const std::string& host, const std::string& source) const;
  /// The first failed read on `host` whose source names `fragment` (a command read by several
  /// argvs, e.g. every `ping` of a host); remembered, so each fragment is searched once.
  const SourceRecord* failed_naming(const std::string& host, const std::string& fragment) const;
  /// The read on `host`, failed or not, whose source is `prefix`, else the first that starts
  /// with it.
  const SourceRecord* any_starting(const std::string& host, const std::string& prefix) const;

 private:
  struct HostReads {
    std::vector<const SourceRecord*> all, failed;
    std::unordered_map<std::string_view, const SourceRecord*> failed_exact;
    // Every read by source, made on the first any_starting(): a healthy sweep of a big stack
    // (thousands of reads, none failed) never asks, and need not pay for it.
    mutable std::unordered_map<std::string_view, const SourceRecord*> any_exact;
    mutable bool any_exact_built = false;
  };
  const HostReads* host(const std::string& name) const;
  std::unordered_map<std::string, HostReads> by_host_;
  mutable std::unordered_map<std::string, const SourceRecord*> naming_memo_, starting_memo_;
};

}  // namespace stackdr
