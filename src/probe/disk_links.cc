#include "probe/disk_links.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

std::optional<IscsiPathId> parse_iscsi_path_name(std::string_view n) {
  if (!text::starts_with(n, "ip-")) return std::nullopt;
  size_t is = n.find("-iscsi-");
  size_t lun = n.rfind("-lun-");
  if (is == std::string_view::npos || lun == std::string_view::npos || lun < is) return std::nullopt;
  auto num = text::to_int(n.substr(lun + 5));
  if (!num) return std::nullopt;
  return IscsiPathId{std::string(n.substr(3, is - 3)), std::string(n.substr(is + 7, lun - is - 7)),
                     static_cast<int>(*num)};
}

Result<DiskLinksFacts> parse_disk_links(std::string_view input, std::string_view source) {
  DiskLinksFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view t = text::trim(lines[i]);
    if (t.empty() || text::starts_with(t, "total ")) continue;
    size_t arrow = t.find(" -> ");
    if (arrow == std::string_view::npos || t.front() != 'l') {
      if (t.front() == 'l') return parse_error(source, ln, "symlink line without ' -> ' (truncated?)");
      f.warnings.push_back({ln, std::string(t), "not a symlink"});
      continue;
    }
    auto left = text::fields(t.substr(0, arrow));
    if (left.size() < 2) return parse_error(source, ln, "cannot find the link name");
    DiskLink l;
    l.name = std::string(left.back());
    l.target = std::string(text::trim(t.substr(arrow + 4)));
    l.device = l.target.substr(l.target.rfind('/') + 1);
    f.links.push_back(std::move(l));
  }
  return f;
}

void to_json(nlohmann::json& j, const DiskLinksFacts& f) {
  j = nlohmann::json::object();
  j["links"] = nlohmann::json::array();
  for (const auto& l : f.links) {
    nlohmann::json jl{{"name", l.name}, {"target", l.target}, {"device", l.device}};
    if (auto id = parse_iscsi_path_name(l.name))
      jl["iscsi"] = {{"portal", id->portal}, {"iqn", id->iqn}, {"lun", id->lun}};
    j["links"].push_back(jl);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
