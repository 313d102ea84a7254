#pragma once
/// `zfs get -Hp -o name,property,value,source PROPS DATASETS` → (dataset, property, value,
/// source) rows; used for zvol volmode and volsize. The column-aligned form with a header and
/// the `-j` JSON form parse to the same facts.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct ZfsProperty {
  std::string dataset, property, value, source;
};

struct ZfsGetFacts {
  std::vector<ZfsProperty> properties;
  ParseWarnings warnings;
  std::optional<std::string> get(std::string_view dataset, std::string_view property) const;
};

Result<ZfsGetFacts> parse_zfs_get(std::string_view text, std::string_view source = "zfs get");
void to_json(nlohmann::json& j, const ZfsGetFacts& f);

}  // namespace stackdr
