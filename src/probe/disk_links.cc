#include "probe/disk_links.h"

#include <fmt/format.h>

#include <algorithm>
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

IscsiDiskIndex::IscsiDiskIndex(const DiskLinksFacts& by_path) {
  for (const auto& link : by_path.links) {
    auto id = parse_iscsi_path_name(link.name);
    if (!id) continue;
    auto& luns = by_iqn_[id->iqn];
    // Two links to one LUN (a second portal) keep the last, as a map assignment would.
    auto same = std::find_if(luns.begin(), luns.end(), [&](const auto& x) { return x.first == id->lun; });
    if (same != luns.end())
      same->second = link.device;
    else
      luns.emplace_back(id->lun, link.device);
  }
}

const std::string* IscsiDiskIndex::device(const std::string& iqn, int lun) const {
  auto it = by_iqn_.find(iqn);
  if (it == by_iqn_.end()) return nullptr;
  for (const auto& [n, dev] : it->second)
    if (n == lun) return &dev;
  return nullptr;
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
