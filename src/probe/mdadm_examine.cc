#include "probe/mdadm_examine.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "probe/mdadm_detail.h"
#include "util/text.h"

namespace stackdr {

bool examine_says_no_superblock(std::string_view err) {
  return text::contains(err, "No md superblock detected") || text::contains(err, "No super block found") ||
         text::contains(err, "no RAID superblock");
}

namespace {

// One "Key : Value" line of a superblock.
void examine_field(MdadmExamineFacts& e, int ln, std::string_view line, std::string_view key,
                   std::string_view value) {
  if (key == "Magic")
    e.magic = value;
  else if (key == "Version")
    e.version = value;
  else if (key == "Array UUID" || key == "UUID")
    e.array_uuid = first_word(value);
  else if (key == "Device UUID")
    e.device_uuid = value;
  else if (key == "Name")
    e.name = first_word(value);
  else if (key == "Raid Level")
    e.raid_level = value;
  else if (key == "Raid Devices")
    e.raid_devices = static_cast<int>(text::to_int(value).value_or(0));
  else if (key == "State")
    e.state = value;
  else if (key == "Update Time")
    e.update_time = value;
  else if (key == "Events") {
    e.events = parse_md_events(value);
    if (!e.events) e.warnings.push_back({ln, std::string(line), "Events is not a number"});
  } else if (key == "Device Role") {
    e.device_role = value;
    auto f = text::fields(value);
    if (f.size() == 3 && f[1] == "device") e.role = static_cast<int>(text::to_int(f[2]).value_or(-1));
  } else if (key == "Array State") {
    e.array_state = first_word(value);
  } else if (key == "Checksum") {
    e.checksum = value;
    e.checksum_ok = !text::contains(value, "expected");
  } else if (key == "Bad Block Log") {
    e.bad_blocks_present = text::contains(value, "bad blocks present");
  } else if (key == "Flags") {
    for (auto f : text::fields(value)) e.flags.emplace_back(f);
  } else if (key == "Feature Map" || key == "Creation Time" || key == "Avail Dev Size" ||
             key == "Array Size" || key == "Used Dev Size" || key == "Data Offset" || key == "Super Offset" ||
             key == "Unused Space" || key == "Internal Bitmap" || key == "Preferred Minor" ||
             key == "Active Devices" || key == "Working Devices" || key == "Failed Devices" ||
             key == "Spare Devices" || key == "Total Devices" || key == "Layout" || key == "Chunk Size" ||
             key == "Recovery Offset" || key == "Consistency Policy") {
    // Known; not needed for health decisions.
  } else {
    e.warnings.push_back({ln, std::string(line), "unknown key"});
  }
}

}  // namespace

Result<MdadmExamineFacts> parse_mdadm_examine(std::string_view input, std::string_view source) {
  MdadmExamineFacts e;
  auto lines = text::lines(input);
  size_t i = 0;
  while (i < lines.size() && text::trim(lines[i]).empty()) ++i;
  if (i == lines.size())
    return parse_error(source, 0, "empty output (no superblock, or the command failed: see its stderr)");
  std::string_view first = text::trim(lines[i]);
  if (!text::ends_with(first, ":") || text::contains(first, " : "))
    return parse_error(source, static_cast<int>(i + 1),
                       fmt::format("expected the device line ('/dev/sdX:'), got '{}'", first));
  e.device = std::string(first.substr(0, first.size() - 1));
  bool in_table = false;
  for (++i; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    std::string_view t = text::trim(line);
    if (t.empty()) continue;
    std::string_view key, value;
    if (text::starts_with(t, "Number") && text::contains(t, "RaidDevice")) {
      in_table = true;  // v0.90 keeps a copy of the whole member table in each superblock
      continue;
    }
    if (in_table || !text::split_key_value(line, key, value)) {
      if (!in_table)
        e.warnings.push_back({ln, std::string(line), "not a 'Key : Value' line"});
      else if (text::starts_with(t, "this")) {
        auto f = text::fields(t);
        if (f.size() >= 5) e.role = static_cast<int>(text::to_int(f[4]).value_or(-1));
      }
      continue;
    }
    examine_field(e, ln, line, key, value);
  }
  if (e.magic.empty())
    return parse_error(source, 0, "no 'Magic' line: not mdadm --examine output, or truncated");
  return e;
}

void to_json(nlohmann::json& j, const MdadmExamineFacts& e) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json{{"device", e.device},
                     {"magic", e.magic},
                     {"version", e.version},
                     {"array_uuid", e.array_uuid},
                     {"device_uuid", e.device_uuid},
                     {"name", e.name},
                     {"raid_level", e.raid_level},
                     {"raid_devices", opt(e.raid_devices)},
                     {"state", e.state},
                     {"events", opt(e.events)},
                     {"update_time", e.update_time},
                     {"device_role", e.device_role},
                     {"role", opt(e.role)},
                     {"array_state", e.array_state},
                     {"checksum_ok", e.checksum_ok},
                     {"bad_blocks_present", e.bad_blocks_present},
                     {"flags", e.flags},
                     {"warnings", e.warnings}};
}

Result<std::vector<BadBlockRange>> parse_examine_badblocks(std::string_view input, std::string_view source) {
  std::vector<BadBlockRange> out;
  auto lines = text::lines(input);
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = text::trim(lines[i]);
    if (t.empty()) continue;
    if (text::starts_with(t, "Bad-blocks on ") || text::starts_with(t, "Bad-blocks list is empty")) {
      header = true;
      continue;
    }
    auto f = text::fields(t);
    auto s = f.size() == 4 && f[1] == "for" && f[3] == "sectors" ? text::to_int(f[0]) : std::nullopt;
    auto n = s ? text::to_int(f[2]) : std::nullopt;
    if (!s || !n)
      return parse_error(source, static_cast<int>(i + 1),
                         fmt::format("expected 'SECTOR for N sectors', got '{}'", t));
    if (*n > 0) out.push_back({*s, *n});
  }
  if (!header) return parse_error(source, 1, "no 'Bad-blocks on DEV:' header");
  return out;
}

}  // namespace stackdr
