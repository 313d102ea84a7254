#include "probe/zfs_get.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

std::string index_key(std::string_view dataset, std::string_view property) {
  std::string k;
  k.reserve(dataset.size() + property.size() + 1);
  k.append(dataset).push_back('\x1f');  // a byte no dataset or property name holds
  k.append(property);
  return k;
}

}  // namespace

void ZfsGetFacts::build_index() {
  index_.clear();
  index_.reserve(properties.size());
  for (size_t i = 0; i < properties.size(); ++i)
    index_.emplace(index_key(properties[i].dataset, properties[i].property), i);  // the first row stays
  indexed_ = properties.size();
}

std::optional<std::string> ZfsGetFacts::get(std::string_view dataset, std::string_view property) const {
  if (indexed_ > 0) {
    auto it = index_.find(index_key(dataset, property));
    if (it != index_.end()) return properties[it->second].value;
  }
  for (size_t i = indexed_; i < properties.size(); ++i)
    if (properties[i].dataset == dataset && properties[i].property == property) return properties[i].value;
  return std::nullopt;
}

namespace {

Result<ZfsGetFacts> parse_json(std::string_view input, std::string_view source) {
  auto j = nlohmann::json::parse(input, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("datasets"))
    return parse_error(source, 0, "not zfs get -j output (no 'datasets' object, or invalid JSON)");
  ZfsGetFacts f;
  try {
    for (const auto& [name, ds] : j["datasets"].items()) {
      if (!ds.is_object() || !ds.contains("properties")) continue;
      for (const auto& [prop, pv] : ds["properties"].items()) {
        if (!pv.is_object()) continue;
        std::string value = pv.contains("value") ? (pv["value"].is_string() ? pv["value"].get<std::string>()
                                                                            : json_text(pv["value"]))
                                                 : "";
        std::string src =
            pv.contains("source") && pv["source"].is_object() ? pv["source"].value("type", "") : "";
        f.properties.push_back({name, prop, value, text::lower(src)});
      }
    }
  } catch (const nlohmann::json::exception& e) {  // a value of another type than zfs writes
    return parse_error(source, 0, fmt::format("not the shape zfs get -j writes: {}", e.what()));
  }
  f.build_index();
  return f;
}

}  // namespace

Result<ZfsGetFacts> parse_zfs_get(std::string_view input, std::string_view source) {
  if (text::starts_with(text::trim(input), "{")) return parse_json(input, source);
  ZfsGetFacts f;
  auto lines = text::lines(input);
  // Column starts from a "NAME PROPERTY VALUE SOURCE" header, when there is one.
  size_t c_prop = 0, c_val = 0, c_src = 0;
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    if (text::trim(line).empty()) continue;
    if (!header && text::starts_with(line, "NAME") && text::contains(line, "PROPERTY")) {
      header = true;
      c_prop = line.find("PROPERTY");
      c_val = line.find("VALUE");
      c_src = line.find("SOURCE");
      continue;
    }
    if (text::contains(line, "\t")) {
      auto cols = text::split(line, '\t');
      if (cols.size() < 3)
        return parse_error(source, ln, "expected NAME<TAB>PROPERTY<TAB>VALUE[<TAB>SOURCE]");
      f.properties.push_back({std::string(cols[0]), std::string(cols[1]), std::string(cols[2]),
                              cols.size() > 3 ? std::string(cols[3]) : ""});
      continue;
    }
    if (header && c_val != std::string_view::npos && line.size() > c_val) {
      auto cut = [&](size_t a, size_t b) {  // columns of a header wider than this row are empty
        if (a >= line.size() || b <= a) return std::string();
        return std::string(text::trim(line.substr(a, b == std::string_view::npos ? b : b - a)));
      };
      f.properties.push_back(
          {cut(0, c_prop), cut(c_prop, c_val), cut(c_val, c_src),
           c_src != std::string_view::npos && line.size() > c_src ? cut(c_src, std::string_view::npos) : ""});
      continue;
    }
    return parse_error(source, ln, fmt::format("not a zfs get row: '{}'", line));
  }
  if (f.properties.empty() && !header) return parse_error(source, 0, "no properties (empty output)");
  f.build_index();
  return f;
}

void to_json(nlohmann::json& j, const ZfsGetFacts& f) {
  j = nlohmann::json::object();
  j["properties"] = nlohmann::json::array();
  for (const auto& p : f.properties)
    j["properties"].push_back(
        {{"dataset", p.dataset}, {"property", p.property}, {"value", p.value}, {"source", p.source}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
