#include "probe/mdstat.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "util/text.h"

namespace stackdr {

namespace {

// "sdb[1](F)" → member. Returns false if the token is not a member.
bool parse_member(std::string_view tok, MdstatMember& m) {
  size_t lb = tok.find('[');
  size_t rb = tok.find(']');
  if (lb == std::string_view::npos || rb == std::string_view::npos || rb < lb || lb == 0) return false;
  auto role = text::to_int(tok.substr(lb + 1, rb - lb - 1));
  if (!role) return false;
  m.device = std::string(tok.substr(0, lb));
  m.role = static_cast<int>(*role);
  std::string_view rest = tok.substr(rb + 1);
  while (!rest.empty()) {
    if (rest.size() < 3 || rest[0] != '(' || rest[2] != ')') return false;
    switch (rest[1]) {
      case 'F':
        m.faulty = true;
        break;
      case 'S':
        m.spare = true;
        break;
      case 'W':
        m.write_mostly = true;
        break;
      case 'R':
        m.replacement = true;
        break;
      case 'J':
        m.journal = true;
        break;
      default:
        return false;
    }
    rest.remove_prefix(3);
  }
  return true;
}

bool is_level(std::string_view t) {
  return text::starts_with(t, "raid") || t == "linear" || t == "multipath" || t == "faulty";
}

// "523264 blocks super 1.2 [2/2] [UU]" (also "level 6, 64k chunk ..." and "64k chunks").
bool parse_blocks_line(std::string_view line, MdstatArray& a) {
  auto f = text::fields(line);
  if (f.size() < 2 || f[1] != "blocks") return false;
  auto blocks = text::to_int(f[0]);
  if (!blocks) return false;
  a.blocks = *blocks;
  for (size_t i = 2; i < f.size(); ++i) {
    if (f[i] == "super" && i + 1 < f.size()) {
      a.super = std::string(f[++i]);
    } else if (f[i].size() > 2 && f[i].front() == '[' && f[i].back() == ']') {
      std::string_view in = f[i].substr(1, f[i].size() - 2);
      size_t slash = in.find('/');
      if (slash != std::string_view::npos) {
        a.raid_disks = static_cast<int>(text::to_int(in.substr(0, slash)).value_or(0));
        a.active_disks = static_cast<int>(text::to_int(in.substr(slash + 1)).value_or(0));
      } else {
        a.health = std::string(in);
      }
    }
  }
  return true;
}

// "[>....]  recovery =  1.8% (9920/523264) finish=0.8min speed=9920K/sec" or "resync=DELAYED".
bool parse_sync_line(std::string_view line, MdstatSync& s) {
  static const std::regex progress(
      R"(^\s*(?:\[[=>.]*\]\s*)?(resync|recovery|check|repair|reshape)\s*=\s*([0-9.]+)%\s*\((\d+)/(\d+)\)(?:\s+finish=([0-9.]+)min)?(?:\s+speed=(\d+)K/sec)?\s*$)");
  static const std::regex pending(R"(^\s*(resync|recovery|check|repair|reshape)\s*=\s*([A-Z]+)\s*$)");
  std::cmatch m;
  std::string l(line);
  if (std::regex_match(l.c_str(), m, progress)) {
    s.action = m[1];
    s.percent = text::to_double(m[2].str());
    s.done_blocks = text::to_int(m[3].str()).value_or(0);
    s.total_blocks = text::to_int(m[4].str()).value_or(0);
    if (m[5].matched) s.finish_minutes = text::to_double(m[5].str());
    if (m[6].matched) s.speed_kib = text::to_int(m[6].str());
    return true;
  }
  if (std::regex_match(l.c_str(), m, pending)) {
    s.action = m[1];
    s.state = m[2];
    return true;
  }
  return false;
}

// An array's first line: "md1 : active (auto-read-only) raid1 sdb[1] sda[0]".
Result<MdstatArray> parse_array_header(std::string_view t, int ln, std::string_view source,
                                       ParseWarnings& warnings) {
  auto f = text::fields(t);
  MdstatArray a;
  a.name = std::string(f[0]);
  a.line = ln;
  if (f.size() < 3 || f[1] != ":") return parse_error(source, ln, "array line without a state");
  a.state = std::string(f[2]);
  size_t k = 3;
  for (; k < f.size() && f[k].front() == '('; ++k) {
    if (f[k] == "(read-only)")
      a.read_only = true;
    else if (f[k] == "(auto-read-only)")
      a.auto_read_only = true;
    else
      warnings.push_back({ln, std::string(f[k]), "unknown array flag"});
  }
  if (k < f.size() && is_level(f[k])) a.level = std::string(f[k++]);
  for (; k < f.size(); ++k) {
    MdstatMember m;
    if (parse_member(f[k], m))
      a.members.push_back(m);
    else
      warnings.push_back({ln, std::string(f[k]), "unrecognised member token"});
  }
  return a;
}

}  // namespace

Result<MdstatFacts> parse_mdstat(std::string_view input, std::string_view source) {
  MdstatFacts facts;
  auto lines = text::lines(input);
  bool seen_personalities = false, seen_unused = false;
  MdstatArray* cur = nullptr;
  bool cur_has_blocks = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    std::string_view t = text::trim(line);
    if (t.empty()) {
      continue;
    }
    if (text::starts_with(t, "Personalities :") || t == "Personalities :") {
      seen_personalities = true;
      for (auto f : text::fields(t.substr(15)))
        if (f.size() > 2) facts.personalities.emplace_back(f.substr(1, f.size() - 2));
      continue;
    }
    if (!seen_personalities) {
      facts.warnings.push_back({ln, std::string(line), "before the Personalities line (not mdstat output)"});
      continue;
    }
    if (text::starts_with(t, "unused devices:")) {
      seen_unused = true;
      cur = nullptr;
      continue;
    }
    // An array header: "md1 : active raid1 sdb[1] sda[0]".
    if (text::starts_with(t, "md") && text::contains(t, " : ") && line.front() != ' ') {
      if (cur && !cur_has_blocks)
        return parse_error(source, cur->line,
                           fmt::format("array {} has no blocks line (truncated?)", cur->name));
      auto a = parse_array_header(t, ln, source, facts.warnings);
      if (!a) return a.error();
      facts.arrays.push_back(std::move(*a));
      cur = &facts.arrays.back();
      cur_has_blocks = false;
      continue;
    }
    if (!cur) {
      facts.warnings.push_back({ln, std::string(line), "line outside any array"});
      continue;
    }
    if (!cur_has_blocks) {
      if (!parse_blocks_line(t, *cur))
        return parse_error(source, ln, fmt::format("expected the blocks line of {}, got '{}'", cur->name, t));
      cur_has_blocks = true;
      continue;
    }
    if (text::starts_with(t, "bitmap:")) {
      cur->bitmap = std::string(text::trim(t.substr(7)));
      continue;
    }
    MdstatSync s;
    if (parse_sync_line(t, s)) {
      cur->sync = s;
      continue;
    }
    facts.warnings.push_back({ln, std::string(line), fmt::format("unknown line in array {}", cur->name)});
  }
  if (!seen_personalities)
    return parse_error(source, 1, "no 'Personalities' line: this is not /proc/mdstat output");
  if (cur && !cur_has_blocks)
    return parse_error(source, cur->line, fmt::format("array {} has no blocks line (truncated?)", cur->name));
  if (!seen_unused) facts.warnings.push_back({0, "", "no 'unused devices' line: output may be truncated"});
  return facts;
}

void to_json(nlohmann::json& j, const MdstatFacts& f) {
  j = nlohmann::json::object();
  j["personalities"] = f.personalities;
  j["arrays"] = nlohmann::json::array();
  for (const auto& a : f.arrays) {
    nlohmann::json ja{{"name", a.name},
                      {"state", a.state},
                      {"read_only", a.read_only},
                      {"auto_read_only", a.auto_read_only},
                      {"level", a.level},
                      {"blocks", a.blocks},
                      {"super", a.super},
                      {"raid_disks", a.raid_disks},
                      {"active_disks", a.active_disks},
                      {"health", a.health}};
    ja["members"] = nlohmann::json::array();
    for (const auto& m : a.members)
      ja["members"].push_back({{"device", m.device},
                               {"role", m.role},
                               {"faulty", m.faulty},
                               {"spare", m.spare},
                               {"write_mostly", m.write_mostly},
                               {"replacement", m.replacement},
                               {"journal", m.journal}});
    if (a.sync) {
      nlohmann::json js{{"action", a.sync->action}};
      js["percent"] = a.sync->percent ? nlohmann::json(*a.sync->percent) : nlohmann::json();
      if (!a.sync->state.empty()) js["state"] = a.sync->state;
      if (a.sync->total_blocks) {
        js["done_blocks"] = a.sync->done_blocks;
        js["total_blocks"] = a.sync->total_blocks;
      }
      if (a.sync->finish_minutes) js["finish_minutes"] = *a.sync->finish_minutes;
      if (a.sync->speed_kib) js["speed_kib"] = *a.sync->speed_kib;
      ja["sync"] = js;
    } else {
      ja["sync"] = nullptr;
    }
    ja["bitmap"] = a.bitmap ? nlohmann::json(*a.bitmap) : nlohmann::json();
    j["arrays"].push_back(ja);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
