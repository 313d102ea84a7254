#include "probe/smartctl.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace stackdr {

namespace {

std::optional<int64_t> ata_raw(const nlohmann::json& j, int id) {
  if (!j.contains("ata_smart_attributes") || !j["ata_smart_attributes"].contains("table"))
    return std::nullopt;
  for (const auto& a : j["ata_smart_attributes"]["table"])
    if (a.value("id", -1) == id && a.contains("raw") && a["raw"].contains("value"))
      return a["raw"]["value"].get<int64_t>();
  return std::nullopt;
}

}  // namespace

Result<SmartctlFacts> parse_smartctl_json(std::string_view input, std::string_view source) {
  auto j = nlohmann::json::parse(input, nullptr, false);
  if (j.is_discarded()) return parse_error(source, 0, "invalid JSON (truncated?)");
  if (!j.is_object() || !j.contains("smartctl"))
    return parse_error(source, 0, "no 'smartctl' object: not smartctl -j output");
  SmartctlFacts f;
  try {
    f.exit_status = j["smartctl"].value("exit_status", 0);
    if (j["smartctl"].contains("messages"))
      for (const auto& m : j["smartctl"]["messages"]) f.messages.push_back(m.value("string", ""));
    if (j.contains("device")) {
      f.device = j["device"].value("name", "");
      f.protocol = j["device"].value("protocol", "");
    }
    f.model = j.value("model_name", j.value("scsi_model_name", ""));
    f.serial = j.value("serial_number", "");
    if (j.contains("smart_status") && j["smart_status"].contains("passed"))
      f.passed = j["smart_status"]["passed"].get<bool>();
    if (j.contains("temperature") && j["temperature"].contains("current"))
      f.temperature_c = j["temperature"]["current"].get<int64_t>();
    f.reallocated_sectors = ata_raw(j, 5);
    f.pending_sectors = ata_raw(j, 197);
    f.offline_uncorrectable = ata_raw(j, 198);
    if (j.contains("nvme_smart_health_information_log")) {
      const auto& n = j["nvme_smart_health_information_log"];
      if (n.contains("critical_warning")) f.nvme_critical_warning = n["critical_warning"].get<int64_t>();
      if (n.contains("percentage_used")) f.nvme_percentage_used = n["percentage_used"].get<int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    return parse_error(source, 0, fmt::format("unexpected JSON shape: {}", e.what()));
  }
  if (f.passed && !*f.passed) f.concerns.push_back("SMART overall health self-assessment FAILED");
  if (f.exit_status & 8) f.concerns.push_back("smartctl exit bit 3: disk failing");
  if (f.exit_status & 16)
    f.concerns.push_back("smartctl exit bit 4: prefail attribute at or below threshold");
  if (f.exit_status & 64) f.concerns.push_back("smartctl exit bit 6: device error log has entries");
  if (f.reallocated_sectors.value_or(0) > 0)
    f.concerns.push_back(fmt::format("{} reallocated sectors", *f.reallocated_sectors));
  if (f.pending_sectors.value_or(0) > 0)
    f.concerns.push_back(fmt::format("{} pending sectors", *f.pending_sectors));
  if (f.offline_uncorrectable.value_or(0) > 0)
    f.concerns.push_back(fmt::format("{} offline uncorrectable sectors", *f.offline_uncorrectable));
  if (f.nvme_critical_warning.value_or(0) != 0)
    f.concerns.push_back(fmt::format("NVMe critical warning 0x{:x}", *f.nvme_critical_warning));
  if (f.nvme_percentage_used.value_or(0) >= 90)
    f.concerns.push_back(fmt::format("NVMe {}% of rated endurance used", *f.nvme_percentage_used));
  return f;
}

void to_json(nlohmann::json& j, const SmartctlFacts& f) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json{{"device", f.device},
                     {"protocol", f.protocol},
                     {"model", f.model},
                     {"serial", f.serial},
                     {"passed", opt(f.passed)},
                     {"exit_status", f.exit_status},
                     {"temperature_c", opt(f.temperature_c)},
                     {"reallocated_sectors", opt(f.reallocated_sectors)},
                     {"pending_sectors", opt(f.pending_sectors)},
                     {"offline_uncorrectable", opt(f.offline_uncorrectable)},
                     {"nvme_critical_warning", opt(f.nvme_critical_warning)},
                     {"nvme_percentage_used", opt(f.nvme_percentage_used)},
                     {"messages", f.messages},
                     {"concerns", f.concerns},
                     {"warnings", f.warnings}};
}

}  // namespace stackdr
