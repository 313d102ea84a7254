#include "probe/zpool_status.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "util/text.h"

namespace stackdr {

std::optional<int64_t> parse_zfs_count(std::string_view s) {
  s = text::trim(s);
  if (auto n = text::to_int(s)) return n;
  if (s.empty()) return std::nullopt;
  double mult = 1;
  switch (s.back()) {
    case 'K':
      mult = 1e3;
      break;
    case 'M':
      mult = 1e6;
      break;
    case 'G':
      mult = 1e9;
      break;
    case 'T':
      mult = 1e12;
      break;
    default:
      return std::nullopt;
  }
  auto v = text::to_double(s.substr(0, s.size() - 1));
  if (!v) return std::nullopt;
  return static_cast<int64_t>(std::llround(*v * mult));
}

std::vector<const ZpoolVdev*> zpool_leaves(const ZpoolVdev& root) {
  std::vector<const ZpoolVdev*> out;
  for (const auto& c : root.children) {
    if (c.children.empty())
      out.push_back(&c);
    else
      for (auto* l : zpool_leaves(c)) out.push_back(l);
  }
  return out;
}

namespace {

int indent_of(std::string_view line) {
  int col = 0;
  for (char c : line) {
    if (c == ' ')
      ++col;
    else if (c == '\t')
      col = (col / 8 + 1) * 8;
    else
      break;
  }
  return col;
}

bool is_group(std::string_view name) {
  return name == "logs" || name == "cache" || name == "spares" || name == "special" || name == "dedup";
}

void parse_scan_progress(ZpoolPool& p) {
  static const std::regex pct(R"(([0-9]+(?:[.,][0-9]+)?)% done)");
  std::smatch m;
  if (text::contains(p.scan, "in progress") && std::regex_search(p.scan, m, pct)) {
    p.scan_percent = text::to_double(m[1].str());
    p.scan_kind = text::contains(p.scan, "resilver") ? "resilver" : "scrub";
  }
}

}  // namespace

namespace {

// Reads `zpool status` a line at a time: each pool's header fields (status and action run on
// over continuation lines), its config tree by indentation, its list of damaged files.
class ZpoolStatusReader {
 public:
  explicit ZpoolStatusReader(std::string_view source) : source_(source) {}

  // An error when the line cannot be read (the whole output is then refused).
  std::optional<Error> line(int ln, std::string_view line) {
    std::string_view t = text::trim(line);
    if (t.empty() || t == "...") return std::nullopt;  // "...": elision in documentation snippets
    size_t colon = t.find(':');
    bool keyed = colon != std::string_view::npos && colon < 8 && indent_of(line) <= 6 &&
                 t.substr(0, colon).find(' ') == std::string_view::npos;
    if (keyed) {
      header_field(ln, line, t.substr(0, colon), text::trim(t.substr(colon + 1)));
      return std::nullopt;
    }
    if (!pool_) return parse_error(source_, ln, fmt::format("expected 'pool:', got '{}'", t));
    if (section_ == kErrors) {
      pool_->error_files.emplace_back(t);
    } else if (section_ == kHeader) {
      if (cont_) {
        *cont_ += ' ';
        *cont_ += t;
      } else {
        f_.warnings.push_back({ln, std::string(line), "unknown line in pool header"});
      }
    } else {
      return config_row(ln, line, t);
    }
    return std::nullopt;
  }

  Result<ZpoolStatusFacts> finish() {
    if (f_.pools.empty()) return parse_error(source_, 0, "no pool found (expected 'pool: NAME')");
    for (auto& p : f_.pools) {
      if (p.state.empty() && !p.name.empty())
        return parse_error(source_, 0, fmt::format("pool {} has no 'state:' line (truncated?)", p.name));
      parse_scan_progress(p);
    }
    return std::move(f_);
  }

 private:
  void header_field(int ln, std::string_view line, std::string_view key, std::string_view value) {
    if (key == "pool") {
      f_.pools.emplace_back();
      pool_ = &f_.pools.back();
      pool_->name = value;
      section_ = kHeader;
      base_indent_ = -1;
      stack_.clear();
      cont_ = nullptr;
      return;
    }
    if (!pool_) {
      // Documentation snippets start at "scan:"; attach them to an unnamed pool.
      f_.pools.emplace_back();
      pool_ = &f_.pools.back();
      f_.warnings.push_back({ln, std::string(line), "output does not start with 'pool:'"});
    }
    cont_ = nullptr;
    if (key == "state")
      pool_->state = value;
    else if (key == "status")
      cont_ = &(pool_->status = value);
    else if (key == "action")
      cont_ = &(pool_->action = value);
    else if (key == "see")
      pool_->see = value;
    else if (key == "scan" || key == "scrub")
      cont_ = &(pool_->scan = value);
    else if (key == "config")
      section_ = kConfig;
    else if (key == "errors") {
      pool_->errors = value;
      section_ = kErrors;
    } else if (key != "id")
      f_.warnings.push_back({ln, std::string(line), "unknown pool field"});
  }

  // A row of the config tree: NAME STATE [READ WRITE CKSUM [NOTE…]], or NAME STATE NOTE…
  std::optional<Error> config_row(int ln, std::string_view line, std::string_view t) {
    auto fl = text::fields(t);
    if (fl[0] == "NAME" && fl.size() >= 2 && fl[1] == "STATE") {
      base_indent_ = -1;
      return std::nullopt;
    }
    ZpoolVdev v;
    v.name = std::string(fl[0]);
    if (fl.size() >= 2) v.state = std::string(fl[1]);
    size_t note_from = fl.size() >= 5 ? 5 : 2;
    if (fl.size() >= 5) {
      auto r = parse_zfs_count(fl[2]), w = parse_zfs_count(fl[3]), c = parse_zfs_count(fl[4]);
      if (!r || !w || !c) return parse_error(source_, ln, fmt::format("bad error counters in '{}'", t));
      v.read_errors = *r;
      v.write_errors = *w;
      v.cksum_errors = *c;
    }
    std::vector<std::string> rest;
    for (size_t k = note_from; k < fl.size(); ++k) rest.emplace_back(fl[k]);
    v.note = text::join(rest, " ");
    return place(ln, line, indent_of(line), std::move(v));
  }

  // Puts a vdev under the nearest row above it that is indented less.
  std::optional<Error> place(int ln, std::string_view line, int ind, ZpoolVdev v) {
    if (base_indent_ < 0) {
      base_indent_ = ind;
      if (v.name != pool_->name && !pool_->name.empty())
        f_.warnings.push_back({ln, std::string(line), "first config row is not the pool itself"});
      pool_->root = v;
      stack_ = {{ind, &pool_->root}};
      return std::nullopt;
    }
    if (ind == base_indent_ && is_group(v.name)) {
      // A "logs"/"spares" section: a pseudo-vdev under the root, holding its members.
      v.group = v.name;
      pool_->root.children.push_back(v);
      stack_ = {{ind - 1, &pool_->root}, {ind, &pool_->root.children.back()}};
      return std::nullopt;
    }
    while (!stack_.empty() && stack_.back().first >= ind) stack_.pop_back();
    if (stack_.empty())
      return parse_error(source_, ln, fmt::format("vdev '{}' is not under the pool", v.name));
    ZpoolVdev* parent = stack_.back().second;
    v.group = parent->group;
    parent->children.push_back(std::move(v));
    stack_.push_back({ind, &parent->children.back()});
    return std::nullopt;
  }

  std::string_view source_;
  ZpoolStatusFacts f_;
  ZpoolPool* pool_ = nullptr;
  std::string* cont_ = nullptr;  // the field a continuation line appends to
  enum { kHeader, kConfig, kErrors } section_ = kHeader;
  int base_indent_ = -1;
  std::vector<std::pair<int, ZpoolVdev*>> stack_;  // (indent, vdev): the rows a deeper one may go under
};

}  // namespace

Result<ZpoolStatusFacts> parse_zpool_status(std::string_view input, std::string_view source) {
  ZpoolStatusReader reader(source);
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i)
    if (auto e = reader.line(static_cast<int>(i + 1), lines[i])) return *e;
  return reader.finish();
}

namespace {

std::string normalise_state(const std::string& s) {
  if (s == "HEALTHY") return "ONLINE";
  if (s == "CANT_OPEN") return "UNAVAIL";
  return s;
}

int64_t json_count(const nlohmann::json& o, const char* key) {
  if (!o.contains(key)) return 0;
  const auto& v = o[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) return parse_zfs_count(v.get<std::string>()).value_or(0);
  return 0;
}

// Real vdev trees are a few levels deep (root, mirror, disk); deeper input is hostile or
// broken, and following it would recurse without bound.
constexpr int kMaxJsonDepth = 32;

ZpoolVdev json_vdev(const nlohmann::json& o, const std::string& group, int depth = 0) {
  if (depth > kMaxJsonDepth)
    throw std::length_error(fmt::format("vdevs nested more than {} deep", kMaxJsonDepth));
  ZpoolVdev v;
  v.name = o.value("name", "");
  v.state = normalise_state(o.value("state", ""));
  v.read_errors = json_count(o, "read_errors");
  v.write_errors = json_count(o, "write_errors");
  v.cksum_errors = json_count(o, "checksum_errors");
  v.group = group;
  if (o.contains("vdevs"))
    for (const auto& [name, child] : o["vdevs"].items())
      v.children.push_back(json_vdev(child, group, depth + 1));
  return v;
}

ZpoolStatusFacts pools_from_json(const nlohmann::json& j) {
  ZpoolStatusFacts f;
  for (const auto& [name, p] : j["pools"].items()) {
    ZpoolPool pool;
    pool.name = p.value("name", name);
    pool.state = normalise_state(p.value("state", ""));
    if (p.contains("vdevs")) {
      for (const auto& [vn, v] : p["vdevs"].items()) {
        if (vn == pool.name)
          pool.root = json_vdev(v, "");
        else
          f.warnings.push_back({0, vn, "top-level vdev entry that is not the pool root"});
      }
    }
    if (pool.root.state.empty()) pool.root.state = pool.state;
    if (pool.root.name.empty()) pool.root.name = pool.name;
    for (const char* group : {"logs", "l2cache", "spares", "special", "dedup"}) {
      if (!p.contains(group)) continue;
      ZpoolVdev g;
      g.name = group == std::string("l2cache") ? "cache" : group;
      g.group = g.name;
      for (const auto& [vn, v] : p[group].items()) g.children.push_back(json_vdev(v, g.name));
      pool.root.children.push_back(std::move(g));
    }
    if (p.contains("error_count")) {
      int64_t n = json_count(p, "error_count");
      pool.errors = n == 0 ? "No known data errors" : fmt::format("{} data errors", n);
    }
    if (p.contains("scan_stats") && p["scan_stats"].is_object()) {
      const auto& s = p["scan_stats"];
      pool.scan = fmt::format("{} {}", s.value("function", ""), s.value("state", ""));
    }
    f.pools.push_back(std::move(pool));
  }
  return f;
}

}  // namespace

Result<ZpoolStatusFacts> parse_zpool_status_json(std::string_view input, std::string_view source) {
  nlohmann::json j = nlohmann::json::parse(input, nullptr, false);
  if (j.is_discarded()) return parse_error(source, 0, "not valid JSON (truncated?)");
  if (!j.is_object() || !j.contains("pools") || !j["pools"].is_object())
    return parse_error(source, 0, "no 'pools' object: not zpool status -j output");
  try {
    return pools_from_json(j);
  } catch (const std::exception& e) {  // a value of another type than zpool writes, or too deep
    return parse_error(source, 0, fmt::format("not the shape zpool status -j writes: {}", e.what()));
  }
}

namespace {

nlohmann::json vdev_json(const ZpoolVdev& v) {
  nlohmann::json j{{"name", v.name},
                   {"state", v.state},
                   {"read_errors", v.read_errors},
                   {"write_errors", v.write_errors},
                   {"cksum_errors", v.cksum_errors},
                   {"note", v.note},
                   {"group", v.group}};
  j["children"] = nlohmann::json::array();
  for (const auto& c : v.children) j["children"].push_back(vdev_json(c));
  return j;
}

}  // namespace

void to_json(nlohmann::json& j, const ZpoolStatusFacts& f) {
  j = nlohmann::json::object();
  j["pools"] = nlohmann::json::array();
  for (const auto& p : f.pools) {
    nlohmann::json jp{{"name", p.name},
                      {"state", p.state},
                      {"status", p.status},
                      {"action", p.action},
                      {"see", p.see},
                      {"scan", p.scan},
                      {"errors", p.errors},
                      {"error_files", p.error_files},
                      {"scan_percent", p.scan_percent ? nlohmann::json(*p.scan_percent) : nlohmann::json()},
                      {"scan_kind", p.scan_kind},
                      {"read_errors", p.root.read_errors},
                      {"write_errors", p.root.write_errors},
                      {"cksum_errors", p.root.cksum_errors}};
    jp["vdevs"] = nlohmann::json::array();
    for (const auto& c : p.root.children) jp["vdevs"].push_back(vdev_json(c));
    j["pools"].push_back(jp);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
