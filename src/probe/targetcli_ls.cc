#include "probe/targetcli_ls.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

namespace {

struct TreeLine {
  int depth = 0;
  std::string name;
  std::string info;
};

// "  | | o- lun01 ........ [/dev/vdb (512.0MiB) write-thru activated]"
bool parse_tree_line(std::string_view line, TreeLine& out) {
  size_t o = line.find("o- ");
  if (o == std::string_view::npos) return false;
  for (size_t i = 0; i < o; ++i)
    if (line[i] != ' ' && line[i] != '|') return false;
  out.depth = static_cast<int>(o / 2);
  std::string_view rest = line.substr(o + 3);
  size_t end_name = rest.find(' ');
  out.name = std::string(rest.substr(0, end_name));
  if (end_name == std::string_view::npos) return true;
  std::string_view tail = text::trim(rest.substr(end_name));
  if (!tail.empty() && tail.back() == ']') {
    // The info is the last "[...]" after the dot leader.
    size_t dots_end = tail.find_first_not_of('.');
    std::string_view info = dots_end == std::string_view::npos ? tail : text::trim(tail.substr(dots_end));
    if (!info.empty() && info.front() == '[') out.info = std::string(info.substr(1, info.size() - 2));
  }
  return true;
}

// "/dev/vdb (512.0MiB) write-thru activated"
LioBackstore backstore_from(const std::string& type, const TreeLine& tl) {
  LioBackstore b;
  b.type = type;
  b.name = tl.name;
  b.info = tl.info;
  auto f = text::fields(tl.info);
  for (auto w : f) {
    if (w.front() == '/' && b.device.empty())
      b.device = std::string(w);
    else if (w.front() == '(' && w.back() == ')')
      b.size = std::string(w.substr(1, w.size() - 2));
    else if (w == "activated")
      b.activated = true;
  }
  return b;
}

// A node under a TPG's luns/, acls/ (an ACL, or one of its mapped LUNs) or portals/ folder.
void tpg_node(LioTpg& tpg, const std::string& folder, const TreeLine& tl, int ln, std::string_view line,
              ParseWarnings& warnings) {
  if (folder == "luns" && tl.depth == 5) {
    LioLun lun;
    lun.lun = static_cast<int>(text::to_int(text::after(tl.name, 3)).value_or(-1));
    auto w = text::fields(tl.info);
    if (!w.empty()) lun.backstore = std::string(w[0]);
    if (w.size() > 1 && w[1].size() > 2 && w[1].front() == '(')
      lun.device = std::string(w[1].substr(1, w[1].size() - 2));
    tpg.luns.push_back(lun);
  } else if (folder == "acls" && tl.depth == 5) {
    tpg.acls.push_back(LioAcl{tl.name, {}});
  } else if (folder == "acls" && tl.depth == 6 && !tpg.acls.empty()) {
    // "o- mapped_lun1 ... [lun0 block/lun01 (rw)]": the initiator sees LUN 1, TPG LUN 0.
    auto w = text::fields(tl.info);
    LioMappedLun m;
    if (text::starts_with(tl.name, "mapped_lun"))
      m.mapped = static_cast<int>(text::to_int(text::after(tl.name, 10)).value_or(-1));
    if (!w.empty() && text::starts_with(w[0], "lun"))
      m.tpg_lun = static_cast<int>(text::to_int(text::after(w[0], 3)).value_or(-1));
    if (m.mapped < 0)
      warnings.push_back({ln, std::string(line), "a mapped LUN without its number"});
    else
      tpg.acls.back().mapped_luns.push_back(m);
  } else if (folder == "portals" && tl.depth == 5) {
    tpg.portals.push_back(tl.name);
  } else {
    warnings.push_back({ln, std::string(line), "unexpected node in a TPG"});
  }
}

}  // namespace

Result<LioFacts> parse_targetcli_ls(std::string_view input, std::string_view source) {
  LioFacts f;
  std::vector<std::string> path;  // names by depth
  bool seen_root = false;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    if (text::trim(line).empty()) continue;
    TreeLine tl;
    if (!parse_tree_line(line, tl)) {
      f.warnings.push_back({ln, std::string(line), "not a targetcli tree line"});
      continue;
    }
    if (tl.depth == 0) {
      seen_root = true;
      path = {tl.name};
      continue;
    }
    if (!seen_root) return parse_error(source, ln, "tree line before the root 'o- /'");
    if (tl.depth > static_cast<int>(path.size()))
      return parse_error(source, ln, fmt::format("'{}' is nested deeper than its parent", tl.name));
    path.resize(tl.depth);
    path.push_back(tl.name);
    if (tl.depth == 1) continue;  // backstores / iscsi / loopback ... folders
    const std::string& top = path[1];
    if (top == "backstores") {
      if (tl.depth == 3) f.backstores.push_back(backstore_from(path[2], tl));
      continue;  // depth 2 = type folders, depth 4+ = alua groups
    }
    if (top != "iscsi") continue;  // loopback, vhost, xen-pvscsi ...: not our fabric
    if (tl.depth == 2) {
      f.targets.push_back(LioTarget{tl.name, {}});
      continue;
    }
    if (f.targets.empty()) return parse_error(source, ln, "TPG outside a target");
    LioTarget& t = f.targets.back();
    if (tl.depth == 3) {
      LioTpg tpg;
      if (!text::starts_with(tl.name, "tpg")) {
        f.warnings.push_back({ln, std::string(line), "unexpected node under a target"});
        continue;
      }
      tpg.tag = static_cast<int>(text::to_int(text::after(tl.name, 3)).value_or(0));
      tpg.info = tl.info;
      tpg.enabled = tl.info != "disabled";
      t.tpgs.push_back(tpg);
      continue;
    }
    if (t.tpgs.empty()) return parse_error(source, ln, "TPG child outside a TPG");
    LioTpg& tpg = t.tpgs.back();
    if (tl.depth == 4) continue;  // acls / luns / portals folders
    tpg_node(tpg, path[4], tl, ln, line, f.warnings);
  }
  if (!seen_root) return parse_error(source, 0, "no 'o- /' root line: not targetcli ls output");
  return f;
}

}  // namespace stackdr
