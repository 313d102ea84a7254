#include "probe/mdadm_detail.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

std::optional<int64_t> parse_md_events(std::string_view v) {
  v = text::trim(v);
  if (auto n = text::to_int(v)) return n;
  size_t dot = v.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto hi = text::to_int(v.substr(0, dot));
  auto lo = text::to_int(v.substr(dot + 1));
  if (!hi || !lo) return std::nullopt;
  return (*hi << 32) | *lo;
}

std::optional<int64_t> leading_int(std::string_view v) {
  auto f = text::fields(v);
  if (f.empty()) return std::nullopt;
  return text::to_int(f[0]);
}

std::string first_word(std::string_view v) {
  auto f = text::fields(v);
  return f.empty() ? "" : std::string(f[0]);
}

namespace {

std::vector<std::string> comma_words(std::string_view v) {
  std::vector<std::string> out;
  for (auto w : text::split(v, ',')) {
    auto t = text::trim(w);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

std::optional<int> opt_int(std::string_view v) {
  if (auto n = text::to_int(v)) return static_cast<int>(*n);
  return std::nullopt;
}

// A member row: "0  8  0  0  active sync  /dev/sda" or "-  0  0  1  removed".
bool parse_member_row(std::string_view line, MdadmDetailMember& m) {
  auto f = text::fields(line);
  if (f.size() < 4) return false;
  auto num = f[0] == "-" ? std::optional<int>() : opt_int(f[0]);
  if (f[0] != "-" && !num) return false;
  auto maj = opt_int(f[1]), min = opt_int(f[2]);
  if (!maj || !min) return false;
  if (f[3] != "-" && !opt_int(f[3])) return false;
  m.number = num;
  m.major = *maj;
  m.minor = *min;
  m.role = f[3] == "-" ? std::optional<int>() : opt_int(f[3]);
  for (size_t i = 4; i < f.size(); ++i) {
    if (text::starts_with(f[i], "/dev/"))
      m.device = std::string(f[i]);
    else
      m.state.emplace_back(f[i]);
  }
  return true;
}

// One "Key : Value" line of the header; `seen_level` is set by the Raid Level line (the one
// every real --detail has).
void detail_field(MdadmDetailFacts& d, int ln, std::string_view line, std::string_view key,
                  std::string_view value, bool& seen_level) {
  if (key == "Version")
    d.version = value;
  else if (key == "Raid Level") {
    d.raid_level = value;
    seen_level = true;
  } else if (key == "State")
    d.state = comma_words(value);
  else if (key == "Raid Devices")
    d.raid_devices = opt_int(value);
  else if (key == "Total Devices")
    d.total_devices = opt_int(value);
  else if (key == "Active Devices")
    d.active_devices = opt_int(value);
  else if (key == "Working Devices")
    d.working_devices = opt_int(value);
  else if (key == "Failed Devices")
    d.failed_devices = opt_int(value);
  else if (key == "Spare Devices")
    d.spare_devices = opt_int(value);
  else if (key == "Array Size")
    d.array_size_kib = leading_int(value);
  else if (key == "Used Dev Size")
    d.used_dev_size_kib = leading_int(value);
  else if (key == "Intent Bitmap")
    d.bitmap = value;
  else if (key == "Consistency Policy")
    d.consistency_policy = value;
  else if (key == "UUID")
    d.uuid = first_word(value);
  else if (key == "Name")
    d.name = first_word(value);
  else if (key == "Update Time")
    d.update_time = value;
  else if (key == "Creation Time")
    d.creation_time = value;
  else if (key == "Events") {
    d.events = parse_md_events(value);
    if (!d.events) d.warnings.push_back({ln, std::string(line), "Events is not a number"});
  } else if (text::ends_with(key, "Status") && text::contains(value, "% complete")) {
    d.rebuild_percent = text::to_double(value.substr(0, value.find('%')));
    d.sync_kind = text::lower(key.substr(0, key.find(' ')));
  } else if (key == "Persistence" || key == "Preferred Minor" || key == "Layout" || key == "Chunk Size" ||
             key == "Container" || key == "Member" || key == "Container GUID" || key == "Seq" ||
             key == "Virtual Disks" || key == "Member Arrays" || key == "Delta Devices" ||
             key == "New Level" || key == "New Layout" || key == "New Chunksize" || key == "Reshape Status") {
    // Known and not needed for health; kept out of the facts on purpose.
  } else {
    d.warnings.push_back({ln, std::string(line), "unknown key"});
  }
}

}  // namespace

Result<MdadmDetailFacts> parse_mdadm_detail(std::string_view input, std::string_view source) {
  MdadmDetailFacts d;
  auto lines = text::lines(input);
  size_t i = 0;
  while (i < lines.size() && text::trim(lines[i]).empty()) ++i;
  if (i == lines.size()) return parse_error(source, 0, "empty output");
  std::string_view first = text::trim(lines[i]);
  if (!text::ends_with(first, ":") || text::contains(first, " : "))
    return parse_error(source, static_cast<int>(i + 1),
                       fmt::format("expected the array device line ('/dev/mdN:'), got '{}'", first));
  d.device = std::string(first.substr(0, first.size() - 1));
  bool in_table = false, seen_level = false;
  for (++i; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    std::string_view t = text::trim(line);
    if (t.empty()) continue;
    if (text::starts_with(t, "Number") && text::contains(t, "RaidDevice")) {
      in_table = true;
      continue;
    }
    if (in_table) {
      MdadmDetailMember m;
      if (parse_member_row(t, m))
        d.members.push_back(std::move(m));
      else
        d.warnings.push_back({ln, std::string(line), "unrecognised member row"});
      continue;
    }
    std::string_view key, value;
    if (!text::split_key_value(line, key, value)) {
      // A continuation such as the DDF "(Linux-MD 08/16/22 16:20:42)" line.
      d.warnings.push_back({ln, std::string(line), "not a 'Key : Value' line"});
      continue;
    }
    detail_field(d, ln, line, key, value, seen_level);
  }
  if (!seen_level)
    return parse_error(source, 0, "no 'Raid Level' line: not mdadm --detail output, or truncated");
  return d;
}

void to_json(nlohmann::json& j, const MdadmDetailFacts& d) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json{{"device", d.device},
                     {"version", d.version},
                     {"raid_level", d.raid_level},
                     {"state", d.state},
                     {"raid_devices", opt(d.raid_devices)},
                     {"total_devices", opt(d.total_devices)},
                     {"active_devices", opt(d.active_devices)},
                     {"working_devices", opt(d.working_devices)},
                     {"failed_devices", opt(d.failed_devices)},
                     {"spare_devices", opt(d.spare_devices)},
                     {"array_size_kib", opt(d.array_size_kib)},
                     {"bitmap", d.bitmap.empty() ? nlohmann::json() : nlohmann::json(d.bitmap)},
                     {"consistency_policy", d.consistency_policy},
                     {"events", opt(d.events)},
                     {"uuid", d.uuid},
                     {"name", d.name},
                     {"update_time", d.update_time},
                     {"rebuild_percent", opt(d.rebuild_percent)},
                     {"sync_kind", d.sync_kind}};
  j["members"] = nlohmann::json::array();
  for (const auto& m : d.members)
    j["members"].push_back({{"number", opt(m.number)},
                            {"major", m.major},
                            {"minor", m.minor},
                            {"role", opt(m.role)},
                            {"state", m.state},
                            {"device", m.device}});
  j["warnings"] = d.warnings;
}

}  // namespace stackdr
