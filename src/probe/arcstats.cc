#include "probe/arcstats.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

std::optional<uint64_t> ArcStats::get(const std::string& name) const {
  auto it = counters.find(name);
  if (it == counters.end()) return std::nullopt;
  return it->second;
}

Result<ArcStats> parse_arcstats(std::string_view input, std::string_view source) {
  ArcStats a;
  auto lines = text::lines(input);
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = text::trim(lines[i]);
    if (t.empty()) continue;
    auto w = text::fields(t);
    if (!header) {
      // The kstat header ("13 1 0x01 123 33456 8124012345 123456789012") comes first, then the
      // column names.
      if (w.size() == 3 && w[0] == "name" && w[1] == "type" && w[2] == "data") header = true;
      continue;
    }
    if (w.size() != 3) {
      a.warnings.push_back({static_cast<int>(i + 1), std::string(t), "expected NAME TYPE VALUE"});
      continue;
    }
    // Type 4 is an unsigned 64-bit counter, 3 a signed one (kstat_named data types); a negative
    // value (arc_no_grow is 1 or 0; memory_available_bytes can go below zero) is kept as 0.
    std::string_view num = w[2];
    bool negative = !num.empty() && num.front() == '-';
    if (negative) num.remove_prefix(1);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (num.empty() || ec != std::errc() || end != num.data() + num.size()) {
      a.warnings.push_back({static_cast<int>(i + 1), std::string(t), "the value is not a number"});
      continue;
    }
    a.counters[std::string(w[0])] = negative ? 0 : v;
  }
  if (!header) return parse_error(source, 0, "no 'name type data' line: not an arcstats kstat");
  return a;
}

void to_json(nlohmann::json& j, const ArcStats& a) {
  j = nlohmann::json::object();
  j["counters"] = a.counters;
  j["warnings"] = a.warnings;
}

}  // namespace stackdr
