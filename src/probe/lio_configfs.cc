#include "probe/lio_configfs.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "util/text.h"

namespace stackdr {

namespace {

// configfs names a backstore's HBA after its plugin; targetcli calls the folder otherwise.
std::string backstore_type(std::string_view hba) {
  if (hba == "iblock") return "block";
  if (hba == "rd_mcp") return "ramdisk";
  return std::string(hba);  // fileio, pscsi, user
}

// "iblock_1" → "block"; "" when the name is not HBA_N.
std::string hba_type(std::string_view dir) {
  auto us = dir.rfind('_');
  if (us == std::string_view::npos || us + 1 >= dir.size() || !text::to_int(dir.substr(us + 1))) return "";
  return backstore_type(dir.substr(0, us));
}

// "lun_3" → 3
std::optional<int> numbered(std::string_view name, std::string_view prefix) {
  if (!text::starts_with(name, prefix)) return std::nullopt;
  auto n = text::to_int(name.substr(prefix.size()));
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

// Targets by IQN, through an index: the tree lists each target's entries many times, and a
// storage server may export thousands of targets.
// Keys are views into the parsed text, which outlives the parse: a lookup builds no string.
using TargetIndex = std::unordered_map<std::string_view, size_t>;
LioTarget& target_named(LioFacts& f, TargetIndex& index, std::string_view iqn) {
  auto [it, added] = index.try_emplace(iqn, f.targets.size());
  if (added) f.targets.push_back({std::string(iqn), {}});
  return f.targets[it->second];
}

LioTpg* tpg_tagged(LioTarget& t, int tag) {
  for (auto& g : t.tpgs)
    if (g.tag == tag) return &g;
  return nullptr;
}

LioAcl* acl_named(LioTpg& g, std::string_view initiator) {
  for (auto& a : g.acls)
    if (a.initiator == initiator) return &a;
  return nullptr;
}

LioLun* lun_numbered(LioTpg& g, int lun) {
  for (auto& l : g.luns)
    if (l.lun == lun) return &l;
  return nullptr;
}

std::string relative(std::string_view path) {
  std::string_view root = kLioConfigfsRoot;
  if (text::starts_with(path, root) && path.size() > root.size() && path[root.size()] == '/')
    path.remove_prefix(root.size() + 1);
  return std::string(path);
}

// An entry under iscsi/IQN/tpgt_N/: a portal (np/IP:PORT), a LUN and its link to the backstore
// (lun/lun_N), an ACL and its mapped LUNs (acls/IQN/lun_M → the TPG's lun_N).
void tpg_entry(LioTpg& g, const text::Pieces& p, bool link, std::string_view target, int ln,
               std::string_view line, ParseWarnings& warnings) {
  if (p[3] == "np" && p.size() == 5 && !link) {
    g.portals.push_back(std::string(p[4]));
  } else if (p[3] == "lun") {
    auto n = numbered(p[4], "lun_");
    if (!n) return;
    if (p.size() == 5 && !link && !lun_numbered(g, *n)) g.luns.push_back(LioLun{*n, "", ""});
    if (p.size() == 6 && link) {
      // ../../../../../../target/core/iblock_1/lun02 → block/lun02
      auto tp = text::split(target, '/');
      if (tp.size() >= 2 && !hba_type(tp[tp.size() - 2]).empty()) {
        LioLun* l = lun_numbered(g, *n);
        if (!l) {
          g.luns.push_back(LioLun{*n, "", ""});
          l = &g.luns.back();
        }
        l->backstore = hba_type(tp[tp.size() - 2]) + "/" + std::string(tp.back());
      } else {
        warnings.push_back({ln, std::string(line), "a LUN link that does not point at a backstore"});
      }
    }
  } else if (p[3] == "acls") {
    LioAcl* a = acl_named(g, p[4]);
    if (!a) {
      g.acls.push_back(LioAcl{std::string(p[4]), {}});
      a = &g.acls.back();
    }
    if (p.size() == 6 && !link)
      if (auto m = numbered(p[5], "lun_")) a->mapped_luns.push_back({*m, -1});
    // acls/IQN/lun_N/<link> → ../../../../../../target/iscsi/IQN/tpgt_1/lun/lun_M: the TPG LUN.
    if (p.size() == 7 && link && !a->mapped_luns.empty())
      if (auto m = numbered(p[5], "lun_"); m && *m == a->mapped_luns.back().mapped) {
        auto tp = text::split(target, '/');
        if (auto t = numbered(tp.back(), "lun_")) a->mapped_luns.back().tpg_lun = *t;
      }
  }
}

}  // namespace

Result<LioFacts> parse_lio_tree(std::string_view text, std::string_view source) {
  LioFacts f;
  TargetIndex targets;  // IQN → index in f.targets
  int ln = 0;
  bool any = false;
  for (auto line : text::lines(text)) {
    ++ln;
    if (text::trim(line).empty()) continue;
    // "find: '/sys/kernel/config/target': No such file or directory": LIO is not loaded.
    if (text::starts_with(line, "find: ")) {
      if (text::contains(line, "No such file or directory") && text::contains(line, kLioConfigfsRoot)) {
        any = true;
        continue;
      }
      return parse_error(source, ln, std::string(line));
    }
    if (line.size() < 3 || (line[0] != 'd' && line[0] != 'l') || line[1] != ' ')
      return parse_error(source, ln,
                         "expected 'd PATH<tab>' or 'l PATH<tab>TARGET' (find -printf '%y %P\\t%l\\n')");
    any = true;
    bool link = line[0] == 'l';
    std::string_view rest = line.substr(2);
    auto tab = rest.find('\t');
    std::string_view path = rest.substr(0, tab);
    std::string_view target = tab == std::string_view::npos ? std::string_view{} : rest.substr(tab + 1);
    auto p = text::split(path, '/');
    if (p.empty()) continue;
    if (p[0] == "core") {
      // core/HBA_N/NAME is a backstore; deeper entries are its parts (action/, …).
      if (p.size() == 3 && !link) {
        std::string type = hba_type(p[1]);
        if (type.empty()) continue;  // core/alua and the like
        LioBackstore b;
        b.type = type;
        b.name = std::string(p[2]);
        f.backstores.push_back(b);
      }
      continue;
    }
    if (p[0] != "iscsi" || p.size() < 2) continue;  // other fabrics (loopback, vhost): not ours
    if (p[1] == "discovery_auth") continue;
    LioTarget& t = target_named(f, targets, p[1]);
    if (p.size() < 3) continue;
    auto tag = numbered(p[2], "tpgt_");
    if (!tag) {
      f.warnings.push_back({ln, std::string(line), "unexpected entry in a target"});
      continue;
    }
    LioTpg* g = tpg_tagged(t, *tag);
    if (!g) {
      t.tpgs.push_back(LioTpg{});
      g = &t.tpgs.back();
      g->tag = *tag;
    }
    if (p.size() < 5) continue;  // tpgt_N/lun, tpgt_N/acls, tpgt_N/np themselves
    tpg_entry(*g, p, link, target, ln, line, f.warnings);
  }
  if (!any && ln > 0) return parse_error(source, 1, "no configfs entries");
  return f;
}

Result<LioValues> parse_lio_values(std::string_view text, std::string_view source) {
  LioValues v;
  int ln = 0;
  for (auto line : text::lines(text)) {
    ++ln;
    if (text::trim(line).empty()) continue;
    // grep -r prints PATH:VALUE; configfs paths contain ':' (IQNs, portals), values may too
    // ("T10 VPD Unit Serial Number: …"), so the path ends at the attribute's own name.
    size_t end = std::string_view::npos;
    for (std::string_view attr : {"/udev_path:", "/enable:", "/vpd_unit_serial:"}) {
      auto at = line.find(attr);
      if (at != std::string_view::npos) {
        end = at + attr.size() - 1;
        break;
      }
    }
    if (end == std::string_view::npos) {
      if (!text::starts_with(line, kLioConfigfsRoot))
        return parse_error(source, ln, "expected PATH:VALUE (grep -r)");
      v.warnings.push_back({ln, std::string(line), "an attribute this parser does not read"});
      continue;
    }
    v.by_path[relative(line.substr(0, end))] = std::string(text::trim(line.substr(end + 1)));
  }
  return v;
}

LioFacts apply_lio_values(LioFacts f, const LioValues& v) {
  auto value = [&](const std::string& path) -> const std::string* {
    auto it = v.by_path.find(path);
    return it == v.by_path.end() ? nullptr : &it->second;
  };
  // The tree names a backstore by type and name; configfs by HBA folder. Each value's path
  // (core/iblock_1/lun02/udev_path) is split once and filed under "type/name", so the join
  // stays linear in the size of the configuration.
  std::unordered_map<std::string, LioBackstore*> backstores;  // "block/lun02" → backstore
  for (auto& b : f.backstores) backstores[b.type + "/" + b.name] = &b;
  for (const auto& [path, val] : v.by_path) {
    auto p = text::split(path, '/');
    if (p.size() < 4 || p[0] != "core") continue;
    auto it = backstores.find(hba_type(p[1]) + "/" + std::string(p[2]));
    if (it == backstores.end()) continue;
    LioBackstore& b = *it->second;
    if (p.size() == 4 && p[3] == "udev_path") b.device = val;
    if (p.size() == 4 && p[3] == "enable") b.activated = val == "1";
    if (p.size() == 5 && p[3] == "wwn" && p[4] == "vpd_unit_serial") {
      std::string_view s = val;
      if (auto colon = s.rfind(": "); colon != std::string_view::npos) s = s.substr(colon + 2);
      b.serial = std::string(s);
    }
  }
  for (auto& t : f.targets)
    for (auto& g : t.tpgs) {
      if (const std::string* e = value("iscsi/" + t.iqn + "/tpgt_" + std::to_string(g.tag) + "/enable"))
        g.enabled = *e == "1";
      for (auto& l : g.luns)
        if (auto b = backstores.find(l.backstore); b != backstores.end()) l.device = b->second->device;
    }
  f.warnings.insert(f.warnings.end(), v.warnings.begin(), v.warnings.end());
  return f;
}

void to_json(nlohmann::json& j, const LioValues& v) {
  j = nlohmann::json{{"values", v.by_path}, {"warnings", v.warnings}};
}

}  // namespace stackdr
