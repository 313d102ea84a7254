#pragma once
/// `zfs get -Hp -o name,property,value,source PROPS DATASETS` → (dataset, property, value,
/// source) rows; used for zvol volmode and volsize. The column-aligned form with a header and
/// the `-j` JSON form parse to the same facts.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct ZfsProperty {
  std::string dataset, property, value, source;
};

/// The rows of one `zfs get`, and a lookup by (dataset, property).
struct ZfsGetFacts {
  std::vector<ZfsProperty> properties;
  ParseWarnings warnings;
  /// The value of a dataset's property (its first row), if the read had it.
  std::optional<std::string> get(std::string_view dataset, std::string_view property) const;
  /// Makes get() a hash lookup instead of a scan of every row: with 20,000 zvols the sweep
  /// asked 40,000 times over 80,000 rows. The parser calls it; rows added after it are scanned.
  void build_index();

 private:
  std::unordered_map<std::string, size_t> index_;  // "dataset\x1fproperty" → its first row
  size_t indexed_ = 0;                             // rows the index covers
};

Result<ZfsGetFacts> parse_zfs_get(std::string_view text, std::string_view source = "zfs get");
void to_json(nlohmann::json& j, const ZfsGetFacts& f);

}  // namespace stackdr
