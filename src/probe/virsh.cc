#include "probe/virsh.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

namespace {

// virsh reports failures as "error: ..." lines; they are never data.
std::optional<Error> virsh_error(std::string_view input, std::string_view source) {
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i)
    if (text::starts_with(text::trim(lines[i]), "error:"))
      return parse_error(source, static_cast<int>(i + 1),
                         fmt::format("virsh reported: {}", text::trim(lines[i])));
  return std::nullopt;
}

bool is_rule(std::string_view t) {
  return !t.empty() && t.find_first_not_of('-') == std::string_view::npos;
}

}  // namespace

Result<VirshListFacts> parse_virsh_list(std::string_view input, std::string_view source) {
  if (auto e = virsh_error(input, source)) return *e;
  VirshListFacts f;
  auto lines = text::lines(input);
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    auto t = text::trim(lines[i]);
    if (t.empty() || is_rule(t)) continue;
    auto w = text::fields(t);
    if (!header) {
      if (w.size() < 3 || w[0] != "Id" || w[1] != "Name" || w[2] != "State")
        return parse_error(source, ln, "expected the 'Id Name State' header");
      header = true;
      continue;
    }
    if (w.size() < 3) return parse_error(source, ln, fmt::format("row has fewer than 3 columns: '{}'", t));
    VirshDomain d;
    if (w[0] != "-") {
      auto id = text::to_int(w[0]);
      if (!id) return parse_error(source, ln, fmt::format("Id '{}' is not a number", w[0]));
      d.id = static_cast<int>(*id);
    }
    d.name = std::string(w[1]);
    std::vector<std::string> st;
    for (size_t k = 2; k < w.size(); ++k) st.emplace_back(w[k]);
    d.state = text::join(st, " ");
    f.domains.push_back(std::move(d));
  }
  if (!header) return parse_error(source, 0, "empty output (no header)");
  return f;
}

Result<VirshDomblklistFacts> parse_virsh_domblklist(std::string_view input, std::string_view source) {
  if (auto e = virsh_error(input, source)) return *e;
  VirshDomblklistFacts f;
  auto lines = text::lines(input);
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    auto t = text::trim(lines[i]);
    if (t.empty() || is_rule(t)) continue;
    auto w = text::fields(t);
    if (!header) {
      if (w.size() < 2 || w[0] != "Target" || w[1] != "Source")
        return parse_error(source, ln, "expected the 'Target Source' header");
      header = true;
      continue;
    }
    size_t sp = t.find_first_of(" \t");
    if (sp == std::string_view::npos)
      return parse_error(source, ln, fmt::format("row without a source: '{}'", t));
    f.disks.push_back({std::string(t.substr(0, sp)), std::string(text::trim(t.substr(sp)))});
  }
  if (!header) return parse_error(source, 0, "empty output (no header)");
  return f;
}

Result<VirshDomstate> parse_virsh_domstate(std::string_view input, std::string_view source) {
  if (auto e = virsh_error(input, source)) return *e;
  auto t = text::trim(input);
  if (t.empty()) return parse_error(source, 0, "empty output");
  auto first = text::trim(text::lines(t)[0]);
  size_t paren = first.find(" (");
  if (paren == std::string_view::npos) return VirshDomstate{std::string(first), ""};
  if (first.back() != ')')
    return parse_error(source, 1, fmt::format("expected 'STATE (REASON)', got '{}'", first));
  return VirshDomstate{std::string(first.substr(0, paren)),
                       std::string(first.substr(paren + 2, first.size() - paren - 3))};
}

Result<VirshDominfoFacts> parse_virsh_dominfo(std::string_view input, std::string_view source) {
  if (auto e = virsh_error(input, source)) return *e;
  VirshDominfoFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = text::trim(lines[i]);
    if (t.empty()) continue;
    size_t c = t.find(':');
    if (c == std::string_view::npos) {
      f.warnings.push_back({static_cast<int>(i + 1), std::string(t), "not a 'Key: value' line"});
      continue;
    }
    auto k = t.substr(0, c);
    auto v = text::trim(t.substr(c + 1));
    if (k == "Name")
      f.name = v;
    else if (k == "UUID")
      f.uuid = v;
    else if (k == "State")
      f.state = v;
    else if (k == "Id" && v != "-")
      f.id = static_cast<int>(text::to_int(v).value_or(-1));
    else if (k == "Persistent")
      f.persistent = v == "yes";
    else if (k == "Autostart")
      f.autostart = v == "enable";
  }
  if (f.name.empty()) return parse_error(source, 0, "no 'Name:' line: not virsh dominfo output");
  return f;
}

void to_json(nlohmann::json& j, const VirshListFacts& f) {
  j = nlohmann::json::object();
  j["domains"] = nlohmann::json::array();
  for (const auto& d : f.domains)
    j["domains"].push_back(
        {{"id", d.id ? nlohmann::json(*d.id) : nlohmann::json()}, {"name", d.name}, {"state", d.state}});
  j["warnings"] = f.warnings;
}

void to_json(nlohmann::json& j, const VirshDomblklistFacts& f) {
  j = nlohmann::json::object();
  j["disks"] = nlohmann::json::array();
  for (const auto& d : f.disks) j["disks"].push_back({{"target", d.target}, {"source", d.source}});
  j["warnings"] = f.warnings;
}

void to_json(nlohmann::json& j, const VirshDominfoFacts& f) {
  j = nlohmann::json{{"name", f.name},
                     {"uuid", f.uuid},
                     {"state", f.state},
                     {"id", f.id ? nlohmann::json(*f.id) : nlohmann::json()},
                     {"persistent", f.persistent},
                     {"autostart", f.autostart},
                     {"warnings", f.warnings}};
}

}  // namespace stackdr
