#include "probe/lsblk.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

const BlockDevice* find_in(const std::vector<BlockDevice>& v, std::string_view name) {
  for (const auto& d : v) {
    if (d.name == name) return &d;
    if (auto* c = find_in(d.children, name)) return c;
  }
  return nullptr;
}

std::optional<std::string> opt_str(const nlohmann::json& o, const char* k) {
  auto it = o.find(k);
  if (it == o.end() || it->is_null()) return std::nullopt;
  return it->is_string() ? it->get<std::string>() : json_text(*it);
}

// lsblk's trees are a few levels deep (disk, partition, md, LVM); deeper input is hostile or
// broken, and following it would recurse without bound.
constexpr int kMaxDepth = 32;

BlockDevice from_json(const nlohmann::json& o, int depth = 0) {
  if (depth > kMaxDepth) throw std::length_error(fmt::format("children nested more than {} deep", kMaxDepth));
  if (!o.is_object()) throw std::invalid_argument("a device that is not an object");
  BlockDevice d;
  d.name = opt_str(o, "name").value_or("");
  d.kname = opt_str(o, "kname").value_or("");
  if (d.name.empty()) d.name = d.kname;
  d.type = opt_str(o, "type").value_or("");
  d.size = opt_str(o, "size").value_or("");
  d.mountpoint = opt_str(o, "mountpoint");
  if (!d.mountpoint && o.contains("mountpoints") && o["mountpoints"].is_array() &&
      !o["mountpoints"].empty() && o["mountpoints"][0].is_string())
    d.mountpoint = o["mountpoints"][0].get<std::string>();
  d.serial = opt_str(o, "serial");
  d.wwn = opt_str(o, "wwn");
  d.fstype = opt_str(o, "fstype");
  if (o.contains("children"))
    for (const auto& c : o["children"]) d.children.push_back(from_json(c, depth + 1));
  return d;
}

void set_column(BlockDevice& d, std::string_view key, std::string value) {
  std::optional<std::string> v = value.empty() ? std::nullopt : std::optional<std::string>(value);
  if (key == "NAME")
    d.name = value;
  else if (key == "KNAME")
    d.kname = value;
  else if (key == "TYPE")
    d.type = value;
  else if (key == "SIZE")
    d.size = value;
  else if (key == "MOUNTPOINT")
    d.mountpoint = v;
  else if (key == "SERIAL")
    d.serial = v;
  else if (key == "WWN")
    d.wwn = v;
  else if (key == "FSTYPE")
    d.fstype = v;
}

// NAME="sda" TYPE="disk" FSTYPE="": flat, one device per line.
Result<LsblkFacts> parse_pairs(std::string_view input, std::string_view source) {
  LsblkFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = text::trim(lines[i]);
    if (l.empty()) continue;
    BlockDevice d;
    size_t p = 0;
    while (p < l.size()) {
      size_t eq = l.find("=\"", p);
      if (eq == std::string_view::npos)
        return parse_error(source, static_cast<int>(i + 1), "expected KEY=\"value\" pairs");
      size_t close = l.find('"', eq + 2);
      if (close == std::string_view::npos)
        return parse_error(source, static_cast<int>(i + 1), "unterminated quoted value (truncated?)");
      set_column(d, text::trim(l.substr(p, eq - p)), std::string(l.substr(eq + 2, close - eq - 2)));
      p = close + 1;
      while (p < l.size() && l[p] == ' ') ++p;
    }
    if (d.name.empty()) d.name = d.kname;  // -o KNAME,... without NAME
    f.blockdevices.push_back(std::move(d));
  }
  return f;
}

// The default table: a header, then rows whose NAME carries tree glyphs ("|-", "`-", "├─", "└─").
Result<LsblkFacts> parse_table(std::string_view input, std::string_view source) {
  LsblkFacts f;
  auto lines = text::lines(input);
  if (lines.empty()) return parse_error(source, 0, "empty output");
  auto header = text::fields(lines[0]);
  if (header.empty() || header[0] != "NAME")
    return parse_error(source, 1, "expected a header starting with NAME");
  std::vector<size_t> starts;  // column starts from the header (right-aligned columns end there)
  for (auto h : header) starts.push_back(static_cast<size_t>(h.data() - lines[0].data()));
  std::vector<std::pair<size_t, std::vector<BlockDevice>*>> stack{{0, &f.blockdevices}};
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (text::trim(l).empty()) continue;
    // Depth = where the name starts after tree glyphs.
    size_t name_at = 0;
    while (name_at < l.size() && std::string_view("|`- ").find(l[name_at]) != std::string_view::npos)
      ++name_at;
    while (name_at < l.size() && static_cast<unsigned char>(l[name_at]) >= 0x80) ++name_at;  // UTF-8 glyphs
    auto vals = text::fields(l.substr(name_at));
    // util-linux before 2.27 prints a device-mapper row as "mpathb (dm-2)": one name column in
    // two words. Read the kernel name from it instead of shifting every later column.
    std::string dm_kname;
    if (vals.size() > 1 && vals[1].size() > 2 && vals[1].front() == '(' && vals[1].back() == ')') {
      dm_kname = std::string(vals[1].substr(1, vals[1].size() - 2));
      vals.erase(vals.begin() + 1);
    }
    if (vals.size() + 1 < header.size()) {
      // A missing trailing column (empty MOUNTPOINT) is normal; anything shorter is not.
      if (vals.size() < 2) return parse_error(source, static_cast<int>(i + 1), "row has too few columns");
    }
    BlockDevice d;
    for (size_t c = 0; c < header.size() && c < vals.size(); ++c)
      set_column(d, header[c], std::string(vals[c]));
    if (!dm_kname.empty()) d.kname = dm_kname;
    if (d.name.empty()) d.name = d.kname;
    while (stack.size() > 1 && stack.back().first >= name_at) stack.pop_back();
    stack.back().second->push_back(std::move(d));
    stack.push_back({name_at, &stack.back().second->back().children});
  }
  return f;
}

void device_json(nlohmann::json& j, const BlockDevice& d) {
  auto opt = [](const std::optional<std::string>& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json{{"name", d.name},
                     {"kname", d.kname},
                     {"type", d.type},
                     {"size", d.size},
                     {"mountpoint", opt(d.mountpoint)},
                     {"serial", opt(d.serial)},
                     {"wwn", opt(d.wwn)}};
  if (d.fstype) j["fstype"] = *d.fstype;
  j["children"] = nlohmann::json::array();
  for (const auto& c : d.children) {
    nlohmann::json jc;
    device_json(jc, c);
    j["children"].push_back(jc);
  }
}

}  // namespace

const BlockDevice* LsblkFacts::find(std::string_view name) const {
  return find_in(blockdevices, name);
}

Result<LsblkFacts> parse_lsblk(std::string_view input, std::string_view source) {
  std::string_view t = text::trim(input);
  if (t.empty()) return parse_error(source, 0, "empty output");
  if (t.front() == '{') {
    auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_discarded()) return parse_error(source, 0, "invalid JSON (truncated?)");
    if (!j.is_object() || !j.contains("blockdevices") || !j["blockdevices"].is_array())
      return parse_error(source, 0, "no 'blockdevices' array");
    LsblkFacts f;
    try {
      for (const auto& d : j["blockdevices"]) f.blockdevices.push_back(from_json(d));
    } catch (const std::exception& e) {  // a value of another type than lsblk writes, or too deep
      return parse_error(source, 0, fmt::format("not the shape lsblk --json writes: {}", e.what()));
    }
    return f;
  }
  if (text::contains(text::lines(t)[0], "=\"")) return parse_pairs(t, source);
  return parse_table(input, source);
}

void to_json(nlohmann::json& j, const LsblkFacts& f) {
  j = nlohmann::json::object();
  j["blockdevices"] = nlohmann::json::array();
  for (const auto& d : f.blockdevices) {
    nlohmann::json jd;
    device_json(jd, d);
    j["blockdevices"].push_back(jd);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
