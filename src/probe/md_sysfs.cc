#include "probe/md_sysfs.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

namespace {

constexpr std::array kArrayStates{"clear", "inactive", "suspended",     "readonly",    "read-auto",
                                  "clean", "active",   "write-pending", "active-idle", "broken"};
constexpr std::array kDevFlags{"faulty",       "in_sync",     "writemostly",      "blocked",
                               "spare",        "write_error", "want_replacement", "replacement",
                               "external_bbl", "failfast",    "journal",          "-blocked"};

bool known_state(std::string_view s) {
  return std::find(kArrayStates.begin(), kArrayStates.end(), s) != kArrayStates.end();
}

}  // namespace

bool MdSysfsMember::has(std::string_view flag) const {
  return std::find(state.begin(), state.end(), flag) != state.end();
}

MdSysfsMember* MdSysfsFacts::member(std::string_view dev) {
  for (auto& m : members)
    if (m.device == dev) return &m;
  members.push_back(MdSysfsMember{std::string(dev), {}, {}, {}});
  return &members.back();
}

Result<std::string> parse_md_array_state(std::string_view input, std::string_view source) {
  auto t = text::trim(input);
  if (!known_state(t)) return parse_error(source, 1, fmt::format("unknown md array_state '{}'", t));
  return std::string(t);
}

Result<std::vector<std::string>> parse_md_dev_state(std::string_view input, std::string_view source) {
  std::vector<std::string> out;
  auto t = text::trim(input);
  if (t.empty()) return out;
  for (auto f : text::split(t, ',')) {
    if (std::find(kDevFlags.begin(), kDevFlags.end(), f) == kDevFlags.end())
      return parse_error(source, 1, fmt::format("unknown md member state flag '{}'", f));
    out.emplace_back(f);
  }
  return out;
}

Result<std::vector<BadBlockRange>> parse_md_bad_blocks(std::string_view input, std::string_view source) {
  std::vector<BadBlockRange> out;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto f = text::fields(lines[i]);
    if (f.empty()) continue;
    auto s = f.size() == 2 ? text::to_int(f[0]) : std::nullopt;
    auto n = s ? text::to_int(f[1]) : std::nullopt;
    if (!n)
      return parse_error(source, static_cast<int>(i + 1),
                         fmt::format("expected 'SECTOR LENGTH', got '{}'", lines[i]));
    out.push_back({*s, *n});
  }
  return out;
}

Result<MdSysfsFacts> parse_md_sysfs_dump(std::string_view input, std::string_view source) {
  MdSysfsFacts f;
  MdSysfsMember* bb_target = nullptr;  // a dev-X path line without value: bad-block lines follow
  auto lines = text::lines(input);
  int bare = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    auto t = text::trim(lines[i]);
    if (t.empty()) continue;
    if (text::starts_with(t, "/sys/block/")) {
      bb_target = nullptr;
      std::string_view path = t, value;
      size_t sep = t.find_first_of(" :");
      if (sep != std::string_view::npos) {
        path = t.substr(0, sep);
        value = text::trim(t.substr(sep + 1));
      }
      auto parts = text::split(path, '/');  // "", sys, block, md1, md, dev-sda, [state]
      if (parts.size() < 6 || parts[4] != "md") {
        f.warnings.push_back({ln, std::string(t), "not an md sysfs path"});
        continue;
      }
      f.array = std::string(parts[3]);
      std::string_view leaf = parts[5];
      std::string_view attr = parts.size() > 6 ? parts[6] : std::string_view();
      if (text::starts_with(leaf, "dev-")) {
        MdSysfsMember* m = f.member(leaf.substr(4));
        if (value.empty() && attr.empty()) {
          bb_target = m;
        } else if (attr.empty() || attr == "state") {
          auto st = parse_md_dev_state(value, fmt::format("{}:{}", source, ln));
          if (!st) return st.error();
          m->state = *st;
        } else if (attr == "errors") {
          m->errors = text::to_int(value);
        } else if (attr == "bad_blocks") {
          if (!value.empty()) {
            auto bb = parse_md_bad_blocks(value, source);
            if (bb) m->bad_blocks.insert(m->bad_blocks.end(), bb->begin(), bb->end());
          } else {
            bb_target = m;
          }
        } else {
          f.warnings.push_back({ln, std::string(t), "unknown member attribute"});
        }
      } else if (leaf == "array_state") {
        auto st = parse_md_array_state(value, fmt::format("{}:{}", source, ln));
        if (!st) return st.error();
        f.array_state = *st;
      } else if (leaf == "degraded") {
        f.degraded = static_cast<int>(text::to_int(value).value_or(0));
      } else if (leaf == "sync_action") {
        f.sync_action = value;
      } else {
        f.warnings.push_back({ln, std::string(t), "unknown md attribute"});
      }
      continue;
    }
    auto fs = text::fields(t);
    if (bb_target && fs.size() == 2 && text::to_int(fs[0]) && text::to_int(fs[1])) {
      bb_target->bad_blocks.push_back({*text::to_int(fs[0]), *text::to_int(fs[1])});
      continue;
    }
    // Bare values, in the order the lab prints them: array_state, then degraded.
    if (bare == 0 && known_state(t)) {
      f.array_state = std::string(t);
      ++bare;
    } else if (bare == 1 && text::to_int(t)) {
      f.degraded = static_cast<int>(*text::to_int(t));
      ++bare;
    } else {
      f.warnings.push_back({ln, std::string(t), "unrecognised line"});
    }
  }
  if (f.array_state.empty() && f.members.empty())
    return parse_error(source, 0, "no md sysfs attribute found");
  return f;
}

void to_json(nlohmann::json& j, const MdSysfsFacts& f) {
  j = nlohmann::json{{"array", f.array},
                     {"array_state", f.array_state},
                     {"degraded", f.degraded ? nlohmann::json(*f.degraded) : nlohmann::json()},
                     {"sync_action", f.sync_action}};
  j["members"] = nlohmann::json::array();
  for (const auto& m : f.members) {
    nlohmann::json bb = nlohmann::json::array();
    for (const auto& r : m.bad_blocks) bb.push_back({{"sector", r.sector}, {"length", r.length}});
    j["members"].push_back({{"device", m.device},
                            {"state", m.state},
                            {"errors", m.errors ? nlohmann::json(*m.errors) : nlohmann::json()},
                            {"bad_blocks", bb}});
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
