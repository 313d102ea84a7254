#include "probe/iscsiadm_node.h"

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

std::optional<std::string> IscsiNodeRecord::get(const std::string& key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second == "<empty>" ? std::string() : it->second;
}

std::optional<int64_t> IscsiNodeRecord::number(const std::string& key) const {
  auto v = get(key);
  return v ? text::to_int(*v) : std::nullopt;
}

const IscsiNodeRecord* IscsiNodeFacts::find(std::string_view target, std::string_view portal) const {
  for (const auto& r : records)
    if (r.target == target && (portal.empty() || r.portal == portal)) return &r;
  return nullptr;
}

namespace {
// Fills the identity fields once a record has ended.
void finish(IscsiNodeRecord& r) {
  r.target = r.get("node.name").value_or("");
  auto address = r.get("node.conn[0].address").value_or("");
  auto port = r.get("node.conn[0].port").value_or("");
  if (!address.empty()) r.portal = address + ":" + port;
}
}  // namespace

Result<IscsiNodeFacts> parse_iscsiadm_node(std::string_view input, std::string_view source) {
  IscsiNodeFacts f;
  std::optional<IscsiNodeRecord> cur;
  int ln = 0;
  for (auto raw : text::lines(input)) {
    ++ln;
    std::string_view line = text::trim(raw);
    if (line.empty()) continue;
    if (text::starts_with(line, "# BEGIN RECORD")) {
      if (cur) return parse_error(source, ln, "a record begins before the previous one ended (truncated?)");
      cur.emplace();
      cur->first_line = ln;
      cur->version = std::string(text::trim(line.substr(14)));
      continue;
    }
    if (line == "# END RECORD") {
      if (!cur) return parse_error(source, ln, "END RECORD without a BEGIN");
      finish(*cur);
      if (cur->target.empty()) return parse_error(source, cur->first_line, "a record without node.name");
      f.records.push_back(std::move(*cur));
      cur.reset();
      continue;
    }
    if (text::starts_with(line, "iscsiadm: No records found")) continue;
    auto eq = line.find(" = ");
    if (!cur || eq == std::string_view::npos) {
      f.warnings.push_back({ln, std::string(line), cur ? "not a 'key = value' line" : "outside a record"});
      continue;
    }
    cur->values[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 3));
  }
  if (cur) return parse_error(source, cur->first_line, "a record that never ends (truncated?)");
  return f;
}

void to_json(nlohmann::json& j, const IscsiNodeFacts& f) {
  j = nlohmann::json::object();
  j["records"] = nlohmann::json::array();
  for (const auto& r : f.records)
    j["records"].push_back({{"target", r.target}, {"portal", r.portal}, {"values", r.values}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
