#include "probe/lio_saveconfig.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "util/text.h"

namespace stackdr {

namespace {
// rtslib's plugin names → targetcli's folder names (as lio_configfs.cc names backstores).
std::string backstore_type(const std::string& plugin) {
  return plugin == "rd_mcp" ? "ramdisk" : plugin;
}
}  // namespace

Result<LioFacts> parse_lio_saveconfig(std::string_view text, std::string_view source) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return parse_error(source, 0, "invalid JSON (truncated?)");
  if (!j.is_object()) return parse_error(source, 0, "not a JSON object");
  LioFacts f;
  try {
    for (const auto& so : j.value("storage_objects", nlohmann::json::array())) {
      LioBackstore b;
      b.type = backstore_type(so.value("plugin", ""));
      b.name = so.value("name", "");
      b.device = so.value("dev", "");
      b.serial = so.value("wwn", "");
      b.activated = true;
      f.backstores.push_back(b);
    }
    for (const auto& t : j.value("targets", nlohmann::json::array())) {
      if (t.value("fabric", "iscsi") != "iscsi") continue;
      LioTarget target;
      target.iqn = t.value("wwn", "");
      for (const auto& g : t.value("tpgs", nlohmann::json::array())) {
        LioTpg tpg;
        tpg.tag = g.value("tag", 1);
        tpg.enabled = g.value("enable", true);
        for (const auto& l : g.value("luns", nlohmann::json::array())) {
          std::string so = l.value("storage_object", "");  // /backstores/block/lun02
          if (text::starts_with(so, "/backstores/")) so = so.substr(12);
          tpg.luns.push_back({l.value("index", -1), so, ""});
        }
        for (const auto& a : g.value("node_acls", nlohmann::json::array())) {
          LioAcl acl;
          acl.initiator = a.value("node_wwn", "");
          for (const auto& m : a.value("mapped_luns", nlohmann::json::array()))
            acl.mapped_luns.push_back({m.value("index", -1), m.value("tpg_lun", -1)});
          tpg.acls.push_back(acl);
        }
        for (const auto& p : g.value("portals", nlohmann::json::array()))
          tpg.portals.push_back(fmt::format("{}:{}", p.value("ip_address", ""), p.value("port", 0)));
        target.tpgs.push_back(tpg);
      }
      f.targets.push_back(target);
    }
  } catch (const std::exception& e) {  // a field of another type than targetcli writes
    return parse_error(source, 0, fmt::format("not the shape targetcli saveconfig writes: {}", e.what()));
  }
  return f;
}

std::vector<std::string> lio_config_differences(const LioFacts& running, const LioFacts& saved) {
  std::vector<std::string> out;
  std::map<std::string, const LioBackstore*> saved_bs;
  for (const auto& b : saved.backstores) saved_bs[b.type + "/" + b.name] = &b;
  for (const auto& b : running.backstores) {
    auto it = saved_bs.find(b.type + "/" + b.name);
    if (it == saved_bs.end())
      out.push_back(fmt::format("backstore {}/{} is not in the saved config", b.type, b.name));
    else if (!b.device.empty() && it->second->device != b.device)
      out.push_back(fmt::format("backstore {}/{} is {} running, {} saved", b.type, b.name, b.device,
                                it->second->device));
  }
  std::set<std::string> running_bs;
  for (const auto& b : running.backstores) running_bs.insert(b.type + "/" + b.name);
  for (const auto& b : saved.backstores)
    if (!running_bs.count(b.type + "/" + b.name))
      out.push_back(fmt::format("backstore {}/{} is saved but not running", b.type, b.name));
  auto find_target = [](const LioFacts& f, const std::string& iqn) -> const LioTarget* {
    for (const auto& t : f.targets)
      if (t.iqn == iqn) return &t;
    return nullptr;
  };
  for (const auto& t : running.targets) {
    const LioTarget* s = find_target(saved, t.iqn);
    if (!s) {
      out.push_back(fmt::format("target {} is not in the saved config", t.iqn));
      continue;
    }
    for (const auto& g : t.tpgs) {
      auto sg = std::find_if(s->tpgs.begin(), s->tpgs.end(), [&](const LioTpg& x) { return x.tag == g.tag; });
      if (sg == s->tpgs.end()) {
        out.push_back(fmt::format("{} tpg{} is not in the saved config", t.iqn, g.tag));
        continue;
      }
      for (const auto& l : g.luns) {
        auto sl =
            std::find_if(sg->luns.begin(), sg->luns.end(), [&](const LioLun& x) { return x.lun == l.lun; });
        if (sl == sg->luns.end())
          out.push_back(fmt::format("{} LUN {} is not in the saved config", t.iqn, l.lun));
        else if (sl->backstore != l.backstore)
          out.push_back(
              fmt::format("{} LUN {} maps {} running, {} saved", t.iqn, l.lun, l.backstore, sl->backstore));
      }
      for (const auto& a : g.acls)
        if (std::none_of(sg->acls.begin(), sg->acls.end(),
                         [&](const LioAcl& x) { return x.initiator == a.initiator; }))
          out.push_back(fmt::format("{} ACL for {} is not in the saved config", t.iqn, a.initiator));
      for (const auto& a : sg->acls)
        if (std::none_of(g.acls.begin(), g.acls.end(),
                         [&](const LioAcl& x) { return x.initiator == a.initiator; }))
          out.push_back(fmt::format("{} ACL for {} is saved but not running", t.iqn, a.initiator));
      for (const auto& l : sg->luns)
        if (std::none_of(g.luns.begin(), g.luns.end(), [&](const LioLun& x) { return x.lun == l.lun; }))
          out.push_back(fmt::format("{} LUN {} is saved but not running", t.iqn, l.lun));
      if (g.enabled != sg->enabled)
        out.push_back(fmt::format("{} tpg{} is {} running, {} saved", t.iqn, g.tag,
                                  g.enabled ? "enabled" : "disabled", sg->enabled ? "enabled" : "disabled"));
    }
  }
  for (const auto& t : saved.targets)
    if (!find_target(running, t.iqn)) out.push_back(fmt::format("target {} is saved but not running", t.iqn));
  return out;
}

}  // namespace stackdr
